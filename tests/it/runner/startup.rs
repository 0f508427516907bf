//! App startup beside a long backfill: `apply_expand` with nothing pending reads the state
//! without the migration lock and returns at once; with a new expand pending it takes the
//! migration lock, which a running backfill does not hold. The backfill lock keeps a second
//! backfill and a contract out while one runs. 20 concurrent starts with nothing pending
//! print their timings (figures only: the assertions are about behaviour).

use crate::backfill::{items, items_migration, state_table};
use crate::common::{migrations, settings, Engine, TestDb};
use bellows::backfill::Ending;
use bellows::engine::BackfillOptions;
use bellows::migration::load_dir;
use bellows::{Bellows, Error};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The app as it starts in production: default settings (a 2-minute lock wait).
fn app(db: &TestDb, dir: &Path) -> Bellows {
    Bellows::connect(&db.url, load_dir(dir, db.engine.dialect()).unwrap()).unwrap()
}

/// Wait until the backfill has checkpointed at least one batch.
async fn until_backfilling(db: &TestDb) {
    let progress = state_table(db.engine, "backfill_progress");
    let sql = format!("SELECT CAST(COALESCE(sum(rows_done), 0) AS CHAR) FROM {progress}");
    let sql = match db.engine {
        Engine::Postgres => sql.replace("AS CHAR)", "AS text)"),
        Engine::Mysql => sql,
    };
    for _ in 0..200 {
        let table_there = db.scalar(&state_check(db.engine)).await.is_some();
        if table_there && db.scalar(&sql).await.is_some_and(|n| n != "0") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the backfill never checkpointed a batch");
}

fn state_check(engine: Engine) -> String {
    match engine {
        Engine::Postgres => "SELECT to_regclass('bellows.backfill_progress')::text".into(),
        Engine::Mysql => "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'bellows_backfill_progress'".into(),
    }
}

async fn startup_beside_a_backfill(engine: Engine) {
    let db = TestDb::new(engine, "startup_bf").await;
    items(&db, 3000).await;
    let first = items_migration(engine, "max-rows-per-sec=300 batch=50");
    let dir = migrations(&[("1_fill.sql", &first)]);
    let newer = migrations(&[
        ("1_fill.sql", &first),
        ("2_extra.sql", "CREATE TABLE extra (id int PRIMARY KEY);\n"),
    ]);
    let mut runner = db.runner(dir.path(), settings()).await;
    runner.expand().await.unwrap();
    let (stop, options, go_on) = (
        AtomicBool::new(false),
        BackfillOptions::default(),
        AtomicBool::new(false),
    );
    let (mut quiet, mut quiet_too) = (|_: &_| {}, |_: &_| {});
    let backfilling = runner.backfill(None, &options, &stop, &mut quiet);
    let checks = async {
        until_backfilling(&db).await;
        let started = Instant::now();
        let applied = app(&db, dir.path()).apply_expand().await.unwrap();
        eprintln!(
            "{engine:?}: nothing pending, started beside a backfill in {:.1?}",
            started.elapsed()
        );
        assert!(applied.is_empty(), "{applied:?}");

        let started = Instant::now();
        let applied = app(&db, newer.path()).apply_expand().await.unwrap();
        eprintln!(
            "{engine:?}: a new expand applied beside a backfill in {:.1?}",
            started.elapsed()
        );
        assert_eq!(applied.len(), 1, "the new app's expand ran: {applied:?}");

        let mut second = db.runner(dir.path(), settings()).await;
        let again = second
            .backfill(None, &options, &go_on, &mut quiet_too)
            .await;
        assert_backfill_lock_busy(again.map(drop));
        let contract = second.contract(None, false).await;
        assert_backfill_lock_busy(contract.map(drop));
        stop.store(true, Ordering::SeqCst);
    };
    let (outcome, ()) = tokio::join!(backfilling, checks);
    let outcome = outcome.unwrap();
    assert_eq!(
        outcome[0].ending,
        Ending::Stopped,
        "the backfill was still running when every check had passed: {outcome:?}"
    );
    assert!(
        super::table_exists(&db, "extra").await,
        "the new expand phase ran"
    );
}

fn assert_backfill_lock_busy(result: bellows::Result<()>) {
    match result {
        Err(Error::LockBusy { holder, .. }) => {
            let holder = holder.unwrap_or_default();
            assert!(
                holder.contains("backfill lock") && holder.contains("held by"),
                "{holder}"
            );
        }
        other => panic!("expected the backfill lock to be busy, got {other:?}"),
    }
}

#[tokio::test]
async fn startup_beside_a_backfill_postgres() {
    startup_beside_a_backfill(Engine::Postgres).await;
}

#[tokio::test]
async fn startup_beside_a_backfill_mariadb() {
    startup_beside_a_backfill(Engine::Mysql).await;
}

/// 20 copies start at once with nothing pending, while another run holds the migration lock
/// (as a long contract would): none of them waits for it.
async fn twenty_starts(engine: Engine) {
    let db = TestDb::new(engine, "startup20").await;
    let dir = migrations(&[("1_a.sql", "CREATE TABLE a (id int PRIMARY KEY);\n")]);
    app(&db, dir.path()).apply_expand().await.unwrap();
    let mut holder = bellows::db::connect(&db.parsed_url()).await.unwrap();
    assert!(holder
        .try_lock(bellows::db::Lock::Migrations)
        .await
        .unwrap());

    let single = app(&db, dir.path());
    let alone = Instant::now();
    assert!(single.apply_expand().await.unwrap().is_empty());
    let alone = alone.elapsed();
    let baseline = timed(20, || async {
        let mut db = bellows::db::connect(&db.parsed_url()).await.unwrap();
        db.execute("SELECT 1").await.unwrap();
    })
    .await;
    // Each copy's migrations are parsed and checked before the clock starts (that is CPU
    // work of the app's own startup, not a database wait).
    let apps: Vec<Bellows> = (0..20).map(|_| app(&db, dir.path())).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let starts = timed(20, || async {
        let copy = &apps[next.fetch_add(1, Ordering::SeqCst)];
        let applied = copy.apply_expand().await.unwrap();
        assert!(applied.is_empty(), "{applied:?}");
    })
    .await;
    let pooled = match engine {
        Engine::Postgres => Some(pooled_starts(&db, dir.path()).await),
        Engine::Mysql => None,
    };
    holder
        .release_lock(bellows::db::Lock::Migrations)
        .await
        .unwrap();
    eprintln!(
        "{engine:?}: one start {alone:.1?}; 20 concurrent starts median {:.1?} max {:.1?}; \
         baseline (20 concurrent connect + SELECT 1) median {:.1?} max {:.1?}; \
         20 concurrent starts on the apps' own pools (median, max) {pooled:.1?}",
        starts.0, starts.1, baseline.0, baseline.1
    );
}

/// 20 apps, each with its own connected pool (as an app has before it calls bellows), start
/// at once through `from_pg_pool`: nothing pending, so no session of bellows' own is opened.
async fn pooled_starts(db: &TestDb, dir: &Path) -> (Duration, Duration) {
    let mut pools = Vec::new();
    for _ in 0..20 {
        let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
        sqlx::query("SELECT 1").execute(&pool).await.unwrap();
        pools.push(pool);
    }
    let files = load_dir(dir, db.engine.dialect()).unwrap();
    let apps: Vec<Bellows> = pools
        .iter()
        .map(|pool| Bellows::from_pg_pool(pool, files.clone()).unwrap())
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    timed(20, || async {
        let copy = &apps[next.fetch_add(1, Ordering::SeqCst)];
        assert!(copy.apply_expand().await.unwrap().is_empty());
    })
    .await
}

/// Run `n` copies of `work` at once; the median and the longest.
async fn timed<F, Fut>(n: usize, work: F) -> (Duration, Duration)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let runs = (0..n).map(|_| {
        let fut = work();
        async move {
            let started = Instant::now();
            fut.await;
            started.elapsed()
        }
    });
    let mut times = futures_util::future::join_all(runs).await;
    times.sort();
    (times[n / 2], times[n - 1])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_starts_postgres() {
    twenty_starts(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_starts_mariadb() {
    twenty_starts(Engine::Mysql).await;
}
