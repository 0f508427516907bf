//! Two runners at once: exactly one applies; the other fails fast naming the holder, or
//! waits with `lock_wait` and then finds nothing left to do.

use crate::common::{migrations, settings, Engine, TestDb};
use bellows::Error;
use std::time::Duration;

fn slow_migration(engine: Engine) -> tempfile::TempDir {
    let sleep = match engine {
        Engine::Postgres => "SELECT pg_sleep(1.5);",
        Engine::Mysql => "DO SLEEP(1.5);",
    };
    migrations(&[(
        "1_once.sql",
        &format!("CREATE TABLE once_only (id int);\n{sleep}\n"),
    )])
}

async fn second_runner_fails_fast(engine: Engine) {
    let db = TestDb::new(engine, "twofast").await;
    let dir = slow_migration(engine);
    let mut first = db.runner(dir.path(), settings()).await;
    let mut second = db.runner(dir.path(), settings()).await;
    let (a, b) = tokio::join!(first.expand(), async {
        tokio::time::sleep(Duration::from_millis(400)).await;
        second.expand().await
    });
    assert_eq!(
        a.unwrap().len(),
        1,
        "the first runner applied the migration"
    );
    match b {
        Err(Error::LockBusy { holder, .. }) => {
            let holder = holder.expect("the holder is named");
            assert!(holder.contains("held by"), "{holder}");
        }
        other => panic!("expected LockBusy, got {other:?}"),
    }
}

async fn second_runner_waits(engine: Engine) {
    let db = TestDb::new(engine, "twowait").await;
    let dir = slow_migration(engine);
    let mut waiting = settings();
    waiting.lock_wait = Duration::from_secs(20);
    let mut first = db.runner(dir.path(), settings()).await;
    let mut second = db.runner(dir.path(), waiting).await;
    let (a, b) = tokio::join!(first.expand(), async {
        tokio::time::sleep(Duration::from_millis(400)).await;
        second.expand().await
    });
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.len() + b.len(), 1, "applied exactly once: {a:?} {b:?}");
    assert_eq!(a.len(), 1);
}

#[tokio::test]
async fn two_runners_postgres_fail_fast() {
    second_runner_fails_fast(Engine::Postgres).await;
}

#[tokio::test]
async fn two_runners_mariadb_fail_fast() {
    second_runner_fails_fast(Engine::Mysql).await;
}

#[tokio::test]
async fn two_runners_postgres_wait() {
    second_runner_waits(Engine::Postgres).await;
}

#[tokio::test]
async fn two_runners_mariadb_wait() {
    second_runner_waits(Engine::Mysql).await;
}

#[tokio::test]
async fn the_lock_is_released_after_an_error() {
    let db = TestDb::new(Engine::Postgres, "unlock").await;
    let dir = migrations(&[("1_a.sql", "ALTER TABLE nope ADD COLUMN x int;")]);
    let mut runner = db.runner(dir.path(), settings()).await;
    assert!(matches!(
        runner.expand().await,
        Err(Error::Statement { .. })
    ));
    let mut other = db.runner(dir.path(), settings()).await;
    let again = other.expand().await;
    assert!(
        matches!(again, Err(Error::Statement { .. })),
        "not LockBusy: the failed run released the lock: {again:?}"
    );
}
