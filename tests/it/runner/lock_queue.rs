//! The lock-queue test (DESIGN §4): a long transaction has read the table; an ALTER queued
//! behind it would block every later query on the table. Under bellows' lock timeout the
//! app's queries wait at most about the timeout; a plain ALTER blocks them for the whole
//! transaction. Margins are wide: the assertion is about seconds, not milliseconds.

use crate::common::{bellows, migrations, pg_client, Engine, TestDb};
use mysql_async::prelude::Queryable;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long the long transaction stays open.
const LONG_TX: Duration = Duration::from_secs(5);

/// Query the table every 50 ms until `stop`; returns the worst latency.
async fn reader(engine: Engine, url: String, stop: Arc<AtomicBool>) -> Duration {
    let mut worst = Duration::ZERO;
    match engine {
        Engine::Postgres => {
            let client = pg_client(&url).await;
            while !stop.load(Ordering::SeqCst) {
                let t = Instant::now();
                client
                    .simple_query("SELECT v FROM t WHERE id = 1")
                    .await
                    .unwrap();
                worst = worst.max(t.elapsed());
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        Engine::Mysql => {
            let mut conn = mysql_async::Conn::from_url(url.as_str()).await.unwrap();
            while !stop.load(Ordering::SeqCst) {
                let t = Instant::now();
                let _: Option<i64> = conn
                    .query_first("SELECT v FROM t WHERE id = 1")
                    .await
                    .unwrap();
                worst = worst.max(t.elapsed());
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    worst
}

/// Open a transaction that reads `t`, keep it `LONG_TX`, commit. Returns its session id.
async fn long_transaction(
    engine: Engine,
    url: String,
    started: tokio::sync::oneshot::Sender<String>,
) {
    match engine {
        Engine::Postgres => {
            let client = pg_client(&url).await;
            client
                .batch_execute("BEGIN; SELECT count(*) FROM t;")
                .await
                .unwrap();
            let pid: i32 = client
                .query_one("SELECT pg_backend_pid()", &[])
                .await
                .unwrap()
                .get(0);
            let _ = started.send(pid.to_string());
            tokio::time::sleep(LONG_TX).await;
            client.batch_execute("COMMIT").await.unwrap();
        }
        Engine::Mysql => {
            let mut conn = mysql_async::Conn::from_url(url.as_str()).await.unwrap();
            conn.query_drop("START TRANSACTION").await.unwrap();
            let _: Option<i64> = conn.query_first("SELECT COUNT(*) FROM t").await.unwrap();
            let id: Option<u64> = conn.query_first("SELECT CONNECTION_ID()").await.unwrap();
            let _ = started.send(id.unwrap_or_default().to_string());
            tokio::time::sleep(LONG_TX).await;
            conn.query_drop("COMMIT").await.unwrap();
        }
    }
}

/// Run `alter` while the long transaction holds the table; returns (worst reader latency,
/// how long `alter` took, its result, the long transaction's session id).
async fn scenario<F, Fut, T>(db: &TestDb, alter: F) -> (Duration, Duration, T, String)
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, rx) = tokio::sync::oneshot::channel();
    let holder = tokio::spawn(long_transaction(db.engine, db.url.clone(), tx));
    let session = rx.await.unwrap();
    let reading = tokio::spawn(reader(db.engine, db.url.clone(), stop.clone()));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let t = Instant::now();
    let result = alter().await;
    let took = t.elapsed();
    holder.await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::SeqCst);
    (reading.await.unwrap(), took, result, session)
}

async fn lock_queue(engine: Engine, lock_timeout: &str) {
    let db = TestDb::new(engine, "lockq").await;
    db.sql("CREATE TABLE t (id int PRIMARY KEY, v int)").await;
    db.sql("INSERT INTO t VALUES (1, 1), (2, 2), (3, 3)").await;
    let dir = migrations(&[("1_add_c.sql", "ALTER TABLE t ADD COLUMN c int;\n")]);
    let path = dir.path().to_str().unwrap().to_string();
    let url = db.url.clone();
    let timeout = lock_timeout.to_string();
    let (worst, took, (code, err), session) = scenario(&db, || async move {
        let run = move || {
            let args = [
                "expand",
                "--database-url",
                &url,
                "--migrations",
                &path,
                "--lock-timeout",
                &timeout,
                "--lock-retries",
                "60",
            ];
            let (code, _, err) = bellows(&args, std::path::Path::new("/"));
            (code, err)
        };
        tokio::task::spawn_blocking(run).await.unwrap()
    })
    .await;
    assert_eq!(
        code, 0,
        "bellows applied the change once the long transaction ended: {err}"
    );
    assert!(
        took >= LONG_TX - Duration::from_millis(600),
        "it could only apply after the long transaction: {took:?}"
    );
    assert!(
        worst < Duration::from_secs(2),
        "the app was never blocked much longer than the lock timeout: worst {worst:?}\n{err}"
    );
    assert!(
        err.contains("retrying") && err.contains(&session),
        "the log names the blocking session {session}:\n{err}"
    );
    assert!(super::column_exists(&db, "t", "c").await);

    // The same change without a lock timeout blocks the app for the whole transaction.
    let url = db.url.clone();
    let (worst_plain, _, (), _) = scenario(&db, || async move {
        match engine {
            Engine::Postgres => pg_client(&url)
                .await
                .batch_execute("ALTER TABLE t ADD COLUMN d int")
                .await
                .unwrap(),
            Engine::Mysql => {
                let mut conn = mysql_async::Conn::from_url(url.as_str()).await.unwrap();
                conn.query_drop("ALTER TABLE t ADD COLUMN d int")
                    .await
                    .unwrap();
            }
        }
    })
    .await;
    eprintln!("{engine:?}: the app's worst wait {worst:?} under bellows (applied after {took:?}), {worst_plain:?} under a plain ALTER");
    assert!(
        worst_plain > Duration::from_secs(3),
        "a plain ALTER queues every reader behind the long transaction: {worst_plain:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_timeout_keeps_the_app_running_postgres() {
    lock_queue(Engine::Postgres, "300ms").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_timeout_keeps_the_app_running_mariadb() {
    lock_queue(Engine::Mysql, "1s").await;
}
