//! A batch statement that runs far past its target is cancelled by the server (PostgreSQL
//! `statement_timeout`, MariaDB `max_statement_time`), retried, and reported; the batches
//! committed before it stay committed.

use super::{items, number};
use crate::common::{migrations, settings, Engine, TestDb};
use bellows::engine::BackfillOptions;
use std::sync::atomic::AtomicBool;

async fn runaway_batch_is_cancelled(engine: Engine) {
    let db = TestDb::new(engine, "bf_timeout").await;
    items(&db, 1_000).await;
    // Row 1000 (the fifth batch of 100) sleeps 2 s; `target=40ms` allows a statement 1 s.
    let slow = match engine {
        Engine::Postgres => "(SELECT true FROM pg_sleep(2))",
        Engine::Mysql => "SLEEP(2) = 0",
    };
    let migration = format!(
        "-- bellows:backfill table=items batch=100 target=40ms\n\
         UPDATE items SET new_val = old_val * 2 WHERE new_val IS NULL AND (id <> 1000 OR {slow});\n"
    );
    let dir = migrations(&[("1_fill.sql", &migration)]);
    let settings = settings().with_lock_retries(2);
    let mut runner = db.runner(dir.path(), settings).await;
    let stop = AtomicBool::new(false);
    let error = runner
        .up(&BackfillOptions::default(), &stop, &mut |_| {})
        .await
        .expect_err("the slow batch fails")
        .to_string();
    assert!(error.contains("failed 2 times"), "{error}");
    let cause = match engine {
        Engine::Postgres => "statement timeout",
        Engine::Mysql => "max_statement_time",
    };
    assert!(error.contains(cause), "{error}");
    let filled = number(
        &db,
        "SELECT CAST(count(*) AS CHAR) FROM items WHERE new_val IS NOT NULL",
    )
    .await;
    assert_eq!(filled, 400, "the four batches before the slow one stay");
}

#[tokio::test]
async fn postgres_runaway_batch_is_cancelled() {
    runaway_batch_is_cancelled(Engine::Postgres).await;
}

#[tokio::test]
async fn mariadb_runaway_batch_is_cancelled() {
    runaway_batch_is_cancelled(Engine::Mysql).await;
}
