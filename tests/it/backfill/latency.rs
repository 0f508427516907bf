//! The latency guard: batches shrink and pause while what the app sees (the guard's probes)
//! is slower than the target, and the run still finishes with every row right. Not timed:
//! the tests look at what the guard did, not at how long it took.

use super::{items, items_migration, verdict};
use crate::common::{migrations, settings, Engine, TestDb};
use bellows::backfill::{BackfillEvent, LatencyTarget};
use bellows::engine::BackfillOptions;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

async fn run_with(engine: Engine, target: LatencyTarget) -> (Vec<BackfillEvent>, TestDb) {
    let db = TestDb::new(engine, "bf_latency").await;
    items(&db, 3_000).await;
    let dir = migrations(&[(
        "1_fill_new_val.sql",
        &items_migration(engine, "min-batch=50 max-batch=4000"),
    )]);
    let mut runner = db.runner(dir.path(), settings()).await;
    runner.expand().await.unwrap();
    let options = BackfillOptions {
        latency_target: Some(target),
        ..BackfillOptions::default()
    };
    let mut events = Vec::new();
    let never = AtomicBool::new(false);
    runner
        .backfill(None, &options, &never, &mut |e| events.push(e.clone()))
        .await
        .unwrap();
    (events, db)
}

fn pauses(events: &[BackfillEvent]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, BackfillEvent::Paused { reason, .. } if reason.contains("the app's probe p95")))
        .count()
}

fn batch_sizes(events: &[BackfillEvent]) -> Vec<u64> {
    events
        .iter()
        .filter_map(|e| match e {
            BackfillEvent::Batch {
                batch_size,
                app_p95_ms,
                ..
            } => {
                assert!(
                    app_p95_ms.is_some(),
                    "the progress carries the probe latency"
                );
                Some(*batch_size)
            }
            _ => None,
        })
        .collect()
}

async fn an_app_slower_than_the_target_holds_batches_back(engine: Engine) {
    // A target no probe can meet: the app is always "too slow".
    let (events, db) = run_with(engine, LatencyTarget::Absolute(Duration::from_nanos(1))).await;
    let sizes = batch_sizes(&events);
    assert!(
        pauses(&events) >= sizes.len() - 1,
        "a pause after (nearly) every batch: {events:?}"
    );
    assert!(
        sizes.windows(2).any(|w| w[1] < w[0]),
        "batches shrink: {sizes:?}"
    );
    let (wrong, max_touched, sum_touched) = verdict(&db).await;
    assert_eq!(
        (wrong, max_touched, sum_touched),
        (0, 1, 3_000),
        "every row right, once"
    );

    let (events, db) = run_with(engine, LatencyTarget::Off).await;
    assert_eq!(pauses(&events), 0);
    assert!(events.iter().all(|e| !matches!(
        e,
        BackfillEvent::Batch {
            app_p95_ms: Some(_),
            ..
        }
    )));
    assert_eq!(verdict(&db).await, (0, 1, 3_000));
}

#[tokio::test]
async fn postgres_an_app_slower_than_the_target_holds_batches_back() {
    an_app_slower_than_the_target_holds_batches_back(Engine::Postgres).await;
}

#[tokio::test]
async fn mariadb_an_app_slower_than_the_target_holds_batches_back() {
    an_app_slower_than_the_target_holds_batches_back(Engine::Mysql).await;
}
