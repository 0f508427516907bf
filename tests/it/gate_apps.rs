//! The gate on a database several apps share: `requires-app="shop>=1.2.0"` looks at shop
//! only; several apps at once; versions that are not semver ordered by their recorded
//! rollouts; the state-schema upgrade that gives rollouts an app, resumable on both engines.

use crate::common::{bellows_on, migrations, settings, Engine, TestDb};
use crate::runner::column_exists;
use bellows::migration::load_dir;
use bellows::Bellows;
use std::time::Duration;

fn contract_requiring(req: &str) -> tempfile::TempDir {
    migrations(&[(
        "1_drop_old.sql",
        &format!(
            "-- bellows:expand\nCREATE TABLE a (id int PRIMARY KEY, old int);\n\
             -- bellows:contract requires-app=\"{req}\"\nALTER TABLE a DROP COLUMN old;\n"
        ),
    )])
}

fn library(db: &TestDb, dir: &std::path::Path) -> Bellows {
    let mut s = settings();
    s.heartbeat_every = Duration::from_secs(5);
    Bellows::connect(&db.url, load_dir(dir, db.engine.dialect()).unwrap())
        .unwrap()
        .with_settings(s)
}

async fn a_contract_scoped_to_shop(engine: Engine) {
    let db = TestDb::new(engine, "gate_app").await;
    let dir = contract_requiring("shop>=1.2.0");
    let app = library(&db, dir.path());
    app.apply_expand().await.unwrap();
    let worker = app.register_instance("worker", "0.3.0").await.unwrap();
    let old_shop = app.register_instance("shop", "1.1.0").await.unwrap();
    let shop = app.register_instance("shop", "1.2.0").await.unwrap();
    let mut runner = db.runner(dir.path(), settings()).await;

    let (_, _, decision) = runner.gate_check(Some(1)).await.unwrap().unwrap();
    assert!(
        !decision.open,
        "an old shop keeps it closed: {}",
        decision.reason
    );
    assert!(
        decision.reason.contains(old_shop.id()),
        "{}",
        decision.reason
    );
    assert!(
        !decision.reason.contains(worker.id()),
        "{}",
        decision.reason
    );

    old_shop.deregister().await.unwrap();
    let outcome = runner.contract(None, false).await.unwrap();
    assert!(
        outcome.refused.is_none(),
        "worker 0.3.0 does not matter to a shop contract: {:?}",
        outcome.refused
    );
    assert_eq!(outcome.applied.len(), 1);
    assert!(!column_exists(&db, "a", "old").await);
    shop.deregister().await.unwrap();
    worker.deregister().await.unwrap();
}

#[tokio::test]
async fn a_contract_scoped_to_shop_postgres() {
    a_contract_scoped_to_shop(Engine::Postgres).await;
}

#[tokio::test]
async fn a_contract_scoped_to_shop_mariadb() {
    a_contract_scoped_to_shop(Engine::Mysql).await;
}

/// Two apps named: both must be there; the pipeline counts rollouts per app.
async fn two_apps_and_recorded_rollouts(engine: Engine) {
    let db = TestDb::new(engine, "gate_apps").await;
    let dir = contract_requiring("shop>=1.2.0, worker>=0.3.0");
    library(&db, dir.path()).apply_expand().await.unwrap();
    let mut s = settings();
    s.gate.sources = vec![bellows::gate::SourceKind::Pipeline];
    let mut runner = db.runner(dir.path(), s).await;
    runner
        .record_rollout(Some("shop"), "1.2.0", false)
        .await
        .unwrap();
    runner
        .record_rollout(Some("worker"), "0.2.0", false)
        .await
        .unwrap();
    let (_, _, decision) = runner.gate_check(None).await.unwrap().unwrap();
    assert!(!decision.open, "worker 0.2.0 is below: {}", decision.reason);
    assert!(decision.reason.contains("worker"), "{}", decision.reason);
    // Through the CLI, as a pipeline would.
    let (code, out, err) = bellows_on(
        &db,
        dir.path(),
        &[
            "rollout",
            "record",
            "--app",
            "worker",
            "--app-version",
            "0.3.1",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("worker 0.3.1"), "{out}");
    let (_, _, decision) = runner.gate_check(None).await.unwrap().unwrap();
    assert!(decision.open, "{}", decision.reason);
    assert_eq!(
        decision.requires_app.as_deref(),
        Some("shop>=1.2.0, worker>=0.3.0")
    );
}

#[tokio::test]
async fn two_apps_and_recorded_rollouts_postgres() {
    two_apps_and_recorded_rollouts(Engine::Postgres).await;
}

#[tokio::test]
async fn two_apps_and_recorded_rollouts_mariadb() {
    two_apps_and_recorded_rollouts(Engine::Mysql).await;
}

/// Git SHAs: instances register with them; the gate orders them by `rollout record`.
async fn sha_versions(engine: Engine) {
    let db = TestDb::new(engine, "gate_sha").await;
    let dir = contract_requiring("shop>=4f1c2e9");
    let app = library(&db, dir.path());
    app.apply_expand().await.unwrap();
    let mut runner = db.runner(dir.path(), settings()).await;
    for sha in ["0a1b2c3", "4f1c2e9", "9e8d7c6"] {
        runner
            .record_rollout(Some("shop"), sha, false)
            .await
            .unwrap();
    }
    let older = app.register_instance("shop", "0a1b2c3").await.unwrap();
    let newer = app.register_instance("shop", "9e8d7c6").await.unwrap();
    let (_, _, decision) = runner.gate_check(None).await.unwrap().unwrap();
    assert!(!decision.open, "{}", decision.reason);
    assert!(decision.reason.contains("0a1b2c3"), "{}", decision.reason);
    older.deregister().await.unwrap();
    let unknown = app.register_instance("shop", "ffff000").await.unwrap();
    let (_, _, decision) = runner.gate_check(None).await.unwrap().unwrap();
    assert!(
        !decision.open && decision.reason.contains("never recorded"),
        "a version never recorded cannot be ordered: {}",
        decision.reason
    );
    unknown.deregister().await.unwrap();
    let outcome = runner.contract(None, false).await.unwrap();
    assert!(outcome.refused.is_none(), "{:?}", outcome.refused);
    newer.deregister().await.unwrap();
    assert!(app.register_instance("shop", "has space").await.is_err());
}

#[tokio::test]
async fn sha_versions_postgres() {
    sha_versions(Engine::Postgres).await;
}

#[tokio::test]
async fn sha_versions_mariadb() {
    sha_versions(Engine::Mysql).await;
}

/// The version-4 upgrade (rollouts get an app) runs again safely after an interruption:
/// the column is already there when the version still says 3.
async fn upgrade_resumes(engine: Engine) {
    let db = TestDb::new(engine, "gate_upgrade").await;
    let dir = contract_requiring(">=1.0.0");
    let mut runner = db.runner(dir.path(), settings()).await;
    runner.record_rollout(None, "1.0.0", false).await.unwrap();
    let meta = match engine {
        Engine::Postgres => "bellows.meta",
        Engine::Mysql => "bellows_meta",
    };
    db.sql(&format!(
        "UPDATE {meta} SET v = '3' WHERE k = 'schema_version'"
    ))
    .await;
    runner.prepare_state().await.unwrap();
    let version = db
        .scalar(&format!("SELECT v FROM {meta} WHERE k = 'schema_version'"))
        .await;
    assert_eq!(version.as_deref(), Some("5"));
    runner
        .record_rollout(Some("shop"), "1.1.0", false)
        .await
        .unwrap();
}

#[tokio::test]
async fn upgrade_resumes_postgres() {
    upgrade_resumes(Engine::Postgres).await;
}

#[tokio::test]
async fn upgrade_resumes_mariadb() {
    upgrade_resumes(Engine::Mysql).await;
}
