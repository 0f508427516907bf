//! Throttles: the health query holds batches back while it says so, and each pause is
//! reported with its reason.

use super::{items, items_migration, verdict};
use crate::common::{migrations, settings, Engine, TestDb};
use bellows::backfill::BackfillEvent;
use bellows::engine::BackfillOptions;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

#[tokio::test]
async fn postgres_health_query_pauses_batches() {
    let db = TestDb::new(Engine::Postgres, "bf_health").await;
    items(&db, 5_000).await;
    db.sql("CREATE TABLE go (ok int)").await;
    let dir = migrations(&[("1_fill.sql", &items_migration(Engine::Postgres, ""))]);
    let mut runner = db.runner(dir.path(), settings()).await;
    let options = BackfillOptions {
        pause_while: Some("SELECT NOT EXISTS (SELECT 1 FROM go)".into()),
        ..BackfillOptions::default()
    };
    let mut events = Vec::new();
    let stop = AtomicBool::new(false);
    let release = async {
        tokio::time::sleep(Duration::from_millis(2500)).await;
        db.sql("INSERT INTO go VALUES (1)").await;
    };
    let mut observe = |e: &BackfillEvent| events.push(e.clone());
    let (result, ()) = tokio::join!(runner.up(&options, &stop, &mut observe), release);
    result.unwrap();
    let first_batch = events
        .iter()
        .position(|e| matches!(e, BackfillEvent::Batch { .. }))
        .unwrap();
    let pauses = events[..first_batch]
        .iter()
        .filter(|e| matches!(e, BackfillEvent::Paused { reason, .. } if reason.contains("health query says pause")))
        .count();
    assert!(pauses >= 1, "{events:?}");
    assert_eq!(verdict(&db).await, (0, 1, 5_000));
}
