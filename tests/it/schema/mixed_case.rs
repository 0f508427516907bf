//! A backfill's `table=` resolved the dialect's way: a mixed-case table beside a lower-case
//! one of the same name is walked by its own keys, never the other's.

use crate::common::{migrations, settings, Engine, TestDb};
use bellows::engine::BackfillOptions;
use std::sync::atomic::AtomicBool;

async fn backfill_mixed_case(engine: Engine, quoted: &str) {
    let db = TestDb::new(engine, "mixed_case").await;
    let (many, few) = match engine {
        Engine::Postgres => (
            "INSERT INTO \"Users\" (id) SELECT g FROM generate_series(1, 500) g",
            "INSERT INTO users (id) SELECT g FROM generate_series(1, 10) g",
        ),
        Engine::Mysql => (
            "INSERT INTO `Users` (id) WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 500) SELECT n FROM g",
            "INSERT INTO users (id) WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 10) SELECT n FROM g",
        ),
    };
    db.sql(&format!(
        "CREATE TABLE {quoted} (id int PRIMARY KEY, v int)"
    ))
    .await;
    db.sql("CREATE TABLE users (id int PRIMARY KEY, v int)")
        .await;
    db.sql(many).await;
    db.sql(few).await;
    let file = format!(
        "-- bellows:backfill table=Users batch=7\nUPDATE {quoted} SET v = 1 WHERE v IS NULL;\n"
    );
    let dir = migrations(&[("1_fill.sql", &file)]);
    let mut runner = db.runner(dir.path(), settings()).await;
    let (_, outcomes) = runner
        .up(
            &BackfillOptions::default(),
            &AtomicBool::new(false),
            &mut |_| {},
        )
        .await
        .unwrap();
    assert_eq!(
        outcomes[0].rows, 500,
        "the backfill walked the keys of {quoted}"
    );
    let left = db
        .scalar(&format!(
            "SELECT CAST(count(*) AS CHAR) FROM {quoted} WHERE v IS NULL"
        ))
        .await;
    assert_eq!(left.as_deref(), Some("0"));
    let other = db
        .scalar("SELECT CAST(count(*) AS CHAR) FROM users WHERE v IS NOT NULL")
        .await;
    assert_eq!(
        other.as_deref(),
        Some("0"),
        "the lower-case table is untouched"
    );
}

#[tokio::test]
async fn postgres_backfill_over_a_mixed_case_table_beside_a_lower_case_one() {
    backfill_mixed_case(Engine::Postgres, "\"Users\"").await;
}

#[tokio::test]
async fn mariadb_backfill_over_a_mixed_case_table_beside_a_lower_case_one() {
    backfill_mixed_case(Engine::Mysql, "`Users`").await;
}
