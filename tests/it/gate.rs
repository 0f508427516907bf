//! The rollout gate with app instances made by the library in-process, the command source,
//! and 20 instances applying expand phases at once.

use crate::common::{bellows, migrations, settings, Engine, TestDb};
use bellows::migration::load_dir;
use bellows::Bellows;
use std::time::Duration;

const FILES: &[(&str, &str)] = &[
    (
        "1_old_column.sql",
        "-- bellows:expand\nCREATE TABLE a (id int PRIMARY KEY, old int);\n-- bellows:contract requires-app=\">=2.0.0\"\nALTER TABLE a DROP COLUMN old;\n",
    ),
    (
        "2_other_column.sql",
        "-- bellows:expand\nALTER TABLE a ADD COLUMN other int;\n-- bellows:contract requires-app=\">=2.0.0\"\nALTER TABLE a DROP COLUMN other;\n",
    ),
];

fn library(db: &TestDb, dir: &std::path::Path) -> Bellows {
    let mut s = settings();
    s.gate.ttl = Duration::from_secs(1);
    s.heartbeat_every = Duration::from_millis(150);
    s.lock_wait = Duration::from_secs(60);
    Bellows::connect(&db.url, load_dir(dir, db.engine.dialect()).unwrap())
        .unwrap()
        .with_settings(s)
}

async fn instances_gate_the_contract(engine: Engine) {
    let db = TestDb::new(engine, "gate").await;
    let dir = migrations(FILES);
    let app = library(&db, dir.path());
    assert_eq!(app.apply_expand().await.unwrap().len(), 2);
    let v1 = app.register_instance("shop", "1.4.0").await.unwrap();
    let v2 = app.register_instance("shop", "2.0.0").await.unwrap();
    let mut s = settings();
    s.gate.ttl = Duration::from_secs(1);
    let mut runner = db.runner(dir.path(), s).await;

    let outcome = runner.contract(Some(1), false).await.unwrap();
    let refused = outcome.refused.expect("v1 still runs");
    assert!(refused.gate_closed);
    assert!(
        refused.reason.contains(v1.id()) && refused.reason.contains("1.4.0"),
        "v1 is named as the blocker: {}",
        refused.reason
    );
    assert!(!refused.reason.contains(v2.id()), "{}", refused.reason);

    // --force overrides the gate of the named version only, never of earlier ones.
    let forced = runner.contract(Some(2), true).await.unwrap();
    assert!(forced.applied.is_empty(), "{forced:?}");
    assert_eq!(forced.refused.as_ref().map(|r| r.version), Some(1));
    assert!(
        matches!(
            runner.contract(None, true).await,
            Err(bellows::Error::Refused(_))
        ),
        "--force needs a VERSION"
    );

    v1.deregister().await.unwrap();
    let outcome = runner.contract(Some(1), false).await.unwrap();
    assert!(outcome.refused.is_none(), "{:?}", outcome.refused);
    assert_eq!(outcome.applied.len(), 1);

    // An instance that dies without deregistering blocks until its TTL passes.
    let crashed = app.register_instance("shop", "1.9.0").await.unwrap();
    drop(crashed);
    let outcome = runner.contract(Some(2), false).await.unwrap();
    assert!(
        outcome
            .refused
            .as_ref()
            .is_some_and(|r| r.reason.contains("1.9.0")),
        "{:?}",
        outcome.refused
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let outcome = runner.contract(Some(2), false).await.unwrap();
    assert!(
        outcome.refused.is_none(),
        "after the TTL the dead instance no longer counts: {:?}",
        outcome.refused
    );
    assert_eq!(outcome.applied.len(), 1);

    let instances = runner.instances(None).await.unwrap();
    assert_eq!(instances.len(), 3);
    assert!(instances
        .iter()
        .any(|i| i.app_version == "2.0.0" && i.is_live(Duration::from_secs(1))));
    v2.deregister().await.unwrap();
}

#[tokio::test]
async fn live_instances_gate_the_contract_postgres() {
    instances_gate_the_contract(Engine::Postgres).await;
}

#[tokio::test]
async fn live_instances_gate_the_contract_mariadb() {
    instances_gate_the_contract(Engine::Mysql).await;
}

async fn twenty_instances_start_at_once(engine: Engine) {
    let db = TestDb::new(engine, "twenty").await;
    let dir = migrations(FILES);
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let app = library(&db, dir.path());
            tokio::spawn(async move { app.apply_expand().await })
        })
        .collect();
    let mut applied = 0;
    for task in tasks {
        applied += task
            .await
            .unwrap()
            .expect("every instance returns success")
            .len();
    }
    assert_eq!(applied, 2, "each expand phase applied exactly once");
    let sql = match engine {
        Engine::Postgres => "SELECT COUNT(*)::text FROM bellows.events WHERE kind = 'phase'",
        Engine::Mysql => "SELECT CAST(COUNT(*) AS CHAR) FROM bellows_events WHERE kind = 'phase'",
    };
    let events = db.scalar(sql).await;
    assert_eq!(events.as_deref(), Some("2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_instances_apply_expand_at_once_postgres() {
    twenty_instances_start_at_once(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_instances_apply_expand_at_once_mariadb() {
    twenty_instances_start_at_once(Engine::Mysql).await;
}

#[tokio::test]
async fn the_command_source_and_gate_check() {
    let db = TestDb::new(Engine::Postgres, "gatecmd").await;
    let project = migrations(&[]);
    std::fs::create_dir(project.path().join("migrations")).unwrap();
    for (name, text) in FILES {
        std::fs::write(project.path().join("migrations").join(name), text).unwrap();
    }
    let run = |command: &str, args: &[&str]| {
        std::fs::write(
            project.path().join("bellows.toml"),
            format!("[gate]\nsources = [\"command\"]\ncommand = \"{command}\"\n"),
        )
        .unwrap();
        let mut all = args.to_vec();
        all.extend(["--database-url", db.url.as_str()]);
        bellows(&all, project.path())
    };
    let (code, _, err) = run("true", &["expand"]);
    assert_eq!(code, 0, "{err}");

    let (code, out, _) = run("printf '2.1.0\\\\n2.0.3\\\\n'", &["gate", "check"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("OPEN") && out.contains("2.1.0, 2.0.3"),
        "{out}"
    );

    let (code, out, _) = run(
        "echo '[\\\"1.9.0\\\", \\\"2.1.0\\\"]'",
        &["gate", "check", "1"],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("CLOSED") && out.contains("1.9.0"), "{out}");

    let (code, out, _) = run("echo cluster unreachable >&2; exit 4", &["gate", "check"]);
    assert_eq!(code, 1, "a failing command keeps the gate closed: {out}");
    assert!(out.contains("cluster unreachable"), "{out}");
    // The headline names the requirement; the source's evidence is printed once, below it.
    assert!(
        out.contains("  requires app >=2.0.0; command blocks it\n"),
        "{out}"
    );
    assert_eq!(out.matches("cluster unreachable").count(), 1, "{out}");

    let started = std::time::Instant::now();
    let (code, _, err) = run("exit 1", &["contract", "--wait", "3s"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "it polled until the deadline"
    );
    assert!(err.contains("gate closed"), "{err}");

    let (code, out, err) = run("echo 2.0.0", &["contract", "--wait", "30s"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("contracted 1 old_column") && out.contains("contracted 2 other_column"),
        "{out}"
    );
}
