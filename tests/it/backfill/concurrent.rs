//! A large table backfilled while another client inserts (inside and beyond the key ranges)
//! and updates rows the whole time: at the end every row is right and no row was processed
//! twice.

use super::{items, items_migration, number, state_table, verdict};
use crate::common::{migrations, pg_client, settings, Engine, TestDb};
use bellows::engine::BackfillOptions;
use rand::Rng;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// The app: random point updates of `old_val`, inserts of odd ids inside the ranges and of
/// new ids beyond them, until `stop`. Returns the number of writes.
async fn writer(db_url: String, engine: Engine, n: u64, stop: Arc<AtomicBool>) -> u64 {
    let done = AtomicU64::new(0);
    let pick = move || {
        let mut r = rand::thread_rng();
        (r.gen_range(0..10u32), r.gen_range(1..=n))
    };
    let mut beyond = 0u64;
    match engine {
        Engine::Postgres => {
            let client = pg_client(&db_url).await;
            while !stop.load(Ordering::SeqCst) {
                let (op, k) = pick();
                let id = i64::try_from(k).unwrap();
                let result = match op {
                    0..=5 => {
                        client
                            .execute(
                                "UPDATE items SET old_val = old_val + 1 WHERE id = $1",
                                &[&(id * 2)],
                            )
                            .await
                    }
                    6..=8 => client
                        .execute(
                            "INSERT INTO items (id, old_val) VALUES ($1, 7) ON CONFLICT DO NOTHING",
                            &[&(id * 2 - 1)],
                        )
                        .await,
                    _ => {
                        beyond += 1;
                        let id = 10_000_000 + i64::try_from(beyond).unwrap();
                        client
                            .execute("INSERT INTO items (id, old_val) VALUES ($1, 9)", &[&id])
                            .await
                    }
                };
                result.unwrap();
                done.fetch_add(1, Ordering::Relaxed);
            }
        }
        Engine::Mysql => {
            use mysql_async::prelude::Queryable;
            let mut conn = mysql_async::Conn::from_url(&db_url).await.unwrap();
            while !stop.load(Ordering::SeqCst) {
                let (op, k) = pick();
                let result = match op {
                    0..=5 => {
                        conn.exec_drop(
                            "UPDATE items SET old_val = old_val + 1 WHERE id = ?",
                            (k * 2,),
                        )
                        .await
                    }
                    6..=8 => {
                        conn.exec_drop(
                            "INSERT IGNORE INTO items (id, old_val) VALUES (?, 7)",
                            (k * 2 - 1,),
                        )
                        .await
                    }
                    _ => {
                        beyond += 1;
                        conn.exec_drop(
                            "INSERT INTO items (id, old_val) VALUES (?, 9)",
                            (10_000_000 + beyond,),
                        )
                        .await
                    }
                };
                result.unwrap();
                done.fetch_add(1, Ordering::Relaxed);
            }
            conn.disconnect().await.unwrap();
        }
    }
    done.load(Ordering::Relaxed)
}

async fn backfill_under_writes(engine: Engine, n: u64, workers: usize) {
    let db = TestDb::new(engine, "bf_conc").await;
    let t = Instant::now();
    items(&db, n).await;
    eprintln!("{engine:?}: {n} rows loaded in {:.1?}", t.elapsed());
    let dir = migrations(&[("1_fill_new_val.sql", &items_migration(engine, "key=id"))]);
    let mut runner = db
        .runner(dir.path(), settings().with_lock_retries(20))
        .await;
    let stop_writer = Arc::new(AtomicBool::new(false));
    let app = tokio::spawn(writer(db.url.clone(), engine, n, Arc::clone(&stop_writer)));
    let t = Instant::now();
    let mut batches = 0u64;
    let never = AtomicBool::new(false);
    let (applied, outcomes) = runner
        .up(
            &BackfillOptions {
                workers,
                ..BackfillOptions::default()
            },
            &never,
            &mut |e| {
                if matches!(e, bellows::backfill::BackfillEvent::Batch { .. }) {
                    batches += 1;
                }
            },
        )
        .await
        .unwrap();
    let took = t.elapsed();
    stop_writer.store(true, Ordering::SeqCst);
    let writes = app.await.unwrap();
    assert_eq!(applied.len(), 1);
    assert_eq!(outcomes.len(), 1);
    let o = &outcomes[0];
    eprintln!(
        "{engine:?}: backfilled {} rows in {took:.1?}, {} batches (longest {} ms), while the app made {writes} writes",
        o.rows, o.batches, o.max_batch_ms
    );
    assert!(writes > 100, "the writer ran during the backfill: {writes}");
    assert!(batches > 10, "several batches: {batches}");
    assert_eq!(o.remaining, 0);
    let (wrong, max_touched, sum_touched) = verdict(&db).await;
    assert_eq!(wrong, 0, "every row satisfies the target");
    assert_eq!(max_touched, 1, "no row processed twice");
    let rows_done = number(
        &db,
        &format!(
            "SELECT CAST(sum(rows_done) AS CHAR) FROM {}",
            state_table(engine, "backfill_progress")
        ),
    )
    .await;
    assert_eq!(
        sum_touched, rows_done,
        "the checkpoint counts exactly the rows processed"
    );
    assert!(sum_touched > i64::try_from(n).unwrap() / 2, "{sum_touched}");
    let state = db
        .scalar(&format!(
            "SELECT state FROM {}",
            state_table(engine, "migrations")
        ))
        .await;
    assert_eq!(state.as_deref(), Some("backfilled"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_million_rows_under_concurrent_writes() {
    backfill_under_writes(Engine::Postgres, 1_000_000, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_rows_under_concurrent_writes_two_workers() {
    backfill_under_writes(Engine::Mysql, 200_000, 2).await;
}
