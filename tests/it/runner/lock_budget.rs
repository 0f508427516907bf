//! Several DDL statements in one PostgreSQL transaction share one lock budget: while a later
//! statement waits for its lock, the earlier ones hold theirs, so the app's readers of any
//! table must never wait longer than the lock timeout (+10%), however many statements the
//! phase has. Retry messages name the statement that waited.

use crate::common::{migrations, pg_client, Engine, TestDb};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const FOUR: &str = "ALTER TABLE t1 ADD COLUMN c int;\nALTER TABLE t2 ADD COLUMN c int;\n\
                    ALTER TABLE t3 ADD COLUMN c int;\nALTER TABLE t4 ADD COLUMN c int;\n";

/// Hold a lock on `table` that ADD COLUMN conflicts with, for `hold`.
async fn hold(url: String, table: &str, hold: Duration) {
    let client = pg_client(&url).await;
    client
        .batch_execute(&format!("BEGIN; LOCK TABLE {table} IN ACCESS SHARE MODE"))
        .await
        .unwrap();
    tokio::time::sleep(hold).await;
    client.batch_execute("COMMIT").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_readers_wait_at_most_one_lock_timeout_per_step() {
    let db = TestDb::new(Engine::Postgres, "lock_budget").await;
    for t in ["t1", "t2", "t3", "t4"] {
        db.sql(&format!(
            "CREATE TABLE {t} (id int PRIMARY KEY); INSERT INTO {t} VALUES (1)"
        ))
        .await;
    }
    let dir = migrations(&[("1_four.sql", FOUR)]);
    let holders = [("t2", 1_400), ("t3", 2_300), ("t4", 8_000)]
        .map(|(t, ms)| tokio::spawn(hold(db.url.clone(), t, Duration::from_millis(ms))));
    tokio::time::sleep(Duration::from_millis(200)).await;

    let done = Arc::new(AtomicBool::new(false));
    let worst_ms = Arc::new(AtomicU64::new(0));
    let reader = {
        let (url, done, worst_ms) = (db.url.clone(), Arc::clone(&done), Arc::clone(&worst_ms));
        tokio::spawn(async move {
            let client = pg_client(&url).await;
            while !done.load(Ordering::SeqCst) {
                let t0 = Instant::now();
                client.query("SELECT count(*) FROM t1", &[]).await.unwrap();
                let ms = u64::try_from(t0.elapsed().as_millis()).unwrap();
                worst_ms.fetch_max(ms, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let path = dir.path().to_path_buf();
    let url = db.url.clone();
    let (code, out, err) = tokio::task::spawn_blocking(move || {
        let db_args = ["expand", "--lock-timeout", "1s", "--lock-retries", "12"];
        crate::common::bellows(
            &[
                &db_args[..],
                &[
                    "--database-url",
                    &url,
                    "--migrations",
                    path.to_str().unwrap(),
                ],
            ]
            .concat(),
            &path,
        )
    })
    .await
    .unwrap();
    done.store(true, Ordering::SeqCst);
    reader.await.unwrap();
    for h in holders {
        h.await.unwrap();
    }
    assert_eq!(
        code, 0,
        "the expand gets through once the holders are gone: {out}{err}"
    );
    let worst = worst_ms.load(Ordering::SeqCst);
    eprintln!("readers of t1: worst wait {worst} ms with a 1 s lock timeout");
    assert!(
        worst <= 1_100,
        "readers of t1 waited {worst} ms, over the 1 s lock timeout + 10%"
    );
    // Which statement times out first depends on when each holder lets go; what matters is
    // that the retry names it, not the step's first line as before.
    assert!(
        err.contains("attempt 1/12 failed: lock not granted"),
        "{err}"
    );
    assert!(
        !err.contains("1_four.sql:1: attempt"),
        "the retry names the statement that waited: {err}"
    );
}

/// bellows sets the session's lock timeout once and keeps it while it holds; a migration
/// that sets the timeout itself must not leave the next one waiting without a bound.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_a_migration_setting_lock_timeout_does_not_outlast_bellows_own() {
    let db = TestDb::new(Engine::Postgres, "lock_reset").await;
    db.sql("CREATE TABLE t (id int PRIMARY KEY)").await;
    let dir = migrations(&[
        ("1_unbounded.sql", "SET lock_timeout = 0;\n"),
        ("2_add.sql", "ALTER TABLE t ADD COLUMN c int;\n"),
    ]);
    let holder = tokio::spawn(hold(db.url.clone(), "t", Duration::from_secs(20)));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let path = dir.path().to_path_buf();
    let url = db.url.clone();
    let (code, out, err) = tokio::task::spawn_blocking(move || {
        crate::common::bellows(
            &[
                "expand",
                "--lock-timeout",
                "200ms",
                "--lock-retries",
                "1",
                "--database-url",
                &url,
                "--migrations",
                path.to_str().unwrap(),
            ],
            &path,
        )
    })
    .await
    .unwrap();
    let finished_first = !holder.is_finished();
    holder.abort();
    assert_ne!(code, 0, "the second migration gave up waiting: {out}{err}");
    assert!(
        finished_first,
        "bellows gave up before the 20 s holder let go: {out}{err}"
    );
    assert!(err.contains("lock"), "{err}");
    let applied = db
        .scalar("SELECT CAST(count(*) AS text) FROM bellows.migrations WHERE state = 'expanded'")
        .await;
    assert_eq!(applied.as_deref(), Some("1"), "only the first one ran");
}
