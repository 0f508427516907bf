//! The latency guard: batches shrink and pause while what the app sees (the guard's probes)
//! is slower than the target, and the run still finishes with every row right. Not timed:
//! the tests look at what the guard did, not at how long it took.

use super::{items, items_migration, state_table, verdict};
use crate::common::{migrations, settings, Engine, TestDb};
use bellows::backfill::{BackfillEvent, LatencyTarget};
use bellows::engine::BackfillOptions;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
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

/// A competing writer: transactions that hold the row the guard's write probe updates for
/// 200 ms each, one after the other, until `stop`. The probes wait behind it as an app's
/// writes wait behind a busy server; the batches do not (they write other tables).
async fn competing_writer(db: Arc<TestDb>, stop: Arc<AtomicBool>) {
    let meta = state_table(db.engine, "meta");
    let hold = match db.engine {
        Engine::Postgres => format!(
            "BEGIN; UPDATE {meta} SET v = v WHERE k = 'latency_probe'; SELECT pg_sleep(0.2); COMMIT;"
        ),
        Engine::Mysql => format!(
            "BEGIN; UPDATE {meta} SET v = v WHERE k = 'latency_probe'; DO SLEEP(0.2); COMMIT;"
        ),
    };
    while !stop.load(Ordering::SeqCst) {
        db.sql(&hold).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// With the default target, a load that starts after the first batch (so after the
/// baseline) shows in the probes the progress reports, and batches pause and shrink; the
/// load stops after three pauses and the run finishes with every row right.
async fn a_competing_writer_makes_batches_pause_and_shrink(engine: Engine) {
    let db = Arc::new(TestDb::new(engine, "bf_latency_load").await);
    items(&db, 6_000).await;
    let dir = migrations(&[(
        "1_fill_new_val.sql",
        &items_migration(engine, "min-batch=10 max-batch=300"),
    )]);
    let mut runner = db.runner(dir.path(), settings()).await;
    runner.expand().await.unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let mut writer = None;
    let mut events = Vec::new();
    let mut load_started_at = None;
    let never = AtomicBool::new(false);
    let observe = &mut |e: &BackfillEvent| {
        if writer.is_none() && matches!(e, BackfillEvent::Batch { .. }) {
            writer = Some(tokio::spawn(competing_writer(
                Arc::clone(&db),
                Arc::clone(&stop),
            )));
            load_started_at = Some(events.len() + 1);
        }
        events.push(e.clone());
        if pauses(&events) >= 3 {
            stop.store(true, Ordering::SeqCst);
        }
    };
    runner
        .backfill(None, &BackfillOptions::default(), &never, observe)
        .await
        .unwrap();
    stop.store(true, Ordering::SeqCst);
    writer.expect("a batch ran").await.unwrap();

    let after = &events[load_started_at.unwrap()..];
    assert!(
        pauses(after) >= 3,
        "the guard pauses while the writer holds the probed row: {events:?}"
    );
    let slowest = after
        .iter()
        .filter_map(|e| match e {
            BackfillEvent::Batch { app_p95_ms, .. } => *app_p95_ms,
            _ => None,
        })
        .fold(0.0, f64::max);
    assert!(
        slowest >= 50.0,
        "the progress shows the probes waiting behind the writer: {events:?}"
    );
    let sizes = batch_sizes(&events);
    let at_load = sizes[0];
    assert!(
        sizes.iter().skip(1).any(|s| *s < at_load),
        "batches shrink under the load: {sizes:?}"
    );
    assert_eq!(verdict(&db).await, (0, 1, 6_000), "every row right, once");
}

#[tokio::test]
async fn postgres_a_competing_writer_makes_batches_pause_and_shrink() {
    a_competing_writer_makes_batches_pause_and_shrink(Engine::Postgres).await;
}

#[tokio::test]
async fn mariadb_a_competing_writer_makes_batches_pause_and_shrink() {
    a_competing_writer_makes_batches_pause_and_shrink(Engine::Mysql).await;
}
