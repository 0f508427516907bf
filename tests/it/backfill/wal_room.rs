//! PostgreSQL: a backfill over a table larger than half of `max_wal_size` warns before its
//! first batch, with the statement that gives the WAL room; a smaller one does not. On a
//! private server (`crate::replication`), whose `max_wal_size` can be lowered to 32 MB.

use super::{items, items_migration, verdict};
use crate::common::{bellows_on, migrations, Engine, TestDb};
use crate::replication::PgPair;

#[tokio::test]
async fn postgres_backfill_warns_when_its_wal_will_force_checkpoints() {
    let Some(pair) = PgPair::start().await else {
        return;
    };
    let small = TestDb::on(Engine::Postgres, &pair.primary, "bf_wal_small").await;
    small.sql("ALTER SYSTEM SET max_wal_size = '32MB'").await;
    small.sql("SELECT pg_reload_conf()").await;
    let dir = migrations(&[("1_fill.sql", &items_migration(Engine::Postgres, ""))]);

    items(&small, 20_000).await;
    let (code, out, err) = bellows_on(&small, dir.path(), &["up"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!err.contains("max_wal_size"), "{err}");

    let large = TestDb::on(Engine::Postgres, &pair.primary, "bf_wal_large").await;
    items(&large, 400_000).await;
    let (code, out, err) = bellows_on(&large, dir.path(), &["up"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("max_wal_size is 32 MB: the backfill's WAL will force repeated checkpoints")
            && err.contains("ALTER SYSTEM SET max_wal_size = '2GB'; SELECT pg_reload_conf();"),
        "{err}"
    );
    assert_eq!(verdict(&large).await, (0, 1, 400_000));
}
