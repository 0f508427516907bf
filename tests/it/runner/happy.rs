//! The example migrations end to end through the CLI: expand, re-run, status, a refused and
//! an allowed contract, abort.

use super::{column_exists, table_exists};
use crate::common::{bellows, Engine, TestDb};
use std::path::PathBuf;

fn example_dir(engine: Engine) -> PathBuf {
    let base = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("migrations-example");
    match engine {
        Engine::Postgres => base,
        Engine::Mysql => base.join("mysql"),
    }
}

async fn happy_path(engine: Engine) {
    let db = TestDb::new(engine, "happy").await;
    let dir = example_dir(engine);
    let cwd = std::env::temp_dir();
    let run = |args: &[&str]| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend([
            "--database-url",
            &db.url,
            "--migrations",
            dir.to_str().unwrap(),
        ]);
        bellows(&all, &cwd)
    };

    let (code, out, err) = run(&["expand"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("expanded 20261110090000 rename_users_email_address"),
        "{out}"
    );
    assert!(column_exists(&db, "users", "primary_email").await);

    let (code, out, _) = run(&["expand"]);
    assert_eq!(code, 0);
    assert!(out.contains("nothing to expand"), "{out}");

    let (code, out, _) = run(&["status", "--format", "json"]);
    assert_eq!(code, 0);
    let status: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rows = status["migrations"].as_array().unwrap();
    assert_eq!(rows.len(), 6);
    assert!(rows.iter().all(|r| r["state"] == "expanded"), "{out}");
    assert_eq!(rows[4]["next"]["action"], "contract");
    assert_eq!(rows[4]["next"]["requires_app"], ">=2.3.0");
    assert_eq!(rows[5]["next"]["action"], "backfill");

    let (code, _, err) = run(&["contract"]);
    assert_eq!(
        code, 1,
        "a contract with no recorded rollout is refused: {err}"
    );
    assert!(
        err.contains("gate closed") && err.contains(">=2.3.0") && err.contains("no rollout"),
        "{err}"
    );
    assert!(
        column_exists(&db, "users", "nickname").await,
        "nothing was dropped"
    );

    let (code, _, err) = run(&["rollout", "record", "--app-version", "2.2.9"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(&["contract", "20261108090000"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("not met") && err.contains("2.2.9"),
        "the refusal names what was seen: {err}"
    );

    let (code, _, err) = run(&["rollout", "record", "--app-version", "2.3.0"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(&["contract"]);
    assert_eq!(
        code, 1,
        "the rename still waits for its backfill: {out}{err}"
    );
    assert!(
        out.contains("contracted 20261108090000 retire_users_nickname"),
        "{out}"
    );
    assert!(err.contains("backfill"), "{err}");
    assert!(!column_exists(&db, "users", "nickname").await);

    let (code, out, err) = run(&["abort", "20261110090000"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!column_exists(&db, "users", "primary_email").await);
    assert!(column_exists(&db, "users", "email_address").await);
    assert!(table_exists(&db, "orders").await);

    let (code, _, err) = run(&["abort", "20261110090000"]);
    assert_eq!(code, 1);
    assert!(err.contains("already aborted"), "{err}");

    let (code, out, _) = run(&["status"]);
    assert_eq!(code, 0);
    assert!(
        out.lines()
            .any(|l| l.starts_with("20261108090000") && l.contains("contracted")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("20261110090000") && l.contains("aborted")),
        "{out}"
    );

    let (code, out, _) = run(&["plan"]);
    assert_eq!(code, 0);
    assert!(out.contains("nothing to do"), "{out}");
}

#[tokio::test]
async fn happy_path_postgres() {
    happy_path(Engine::Postgres).await;
}

#[tokio::test]
async fn happy_path_mariadb() {
    happy_path(Engine::Mysql).await;
}

#[tokio::test]
async fn plan_marks_statements_that_run_outside_a_transaction() {
    let db = TestDb::new(Engine::Postgres, "plan").await;
    let dir = example_dir(Engine::Postgres);
    let (code, out, err) = bellows(
        &[
            "plan",
            "--database-url",
            &db.url,
            "--migrations",
            dir.to_str().unwrap(),
        ],
        &std::env::temp_dir(),
    );
    assert_eq!(code, 0, "{err}");
    let concurrent = out
        .lines()
        .position(|l| l.starts_with("CREATE INDEX CONCURRENTLY"))
        .unwrap();
    assert!(
        out.lines()
            .nth(concurrent - 1)
            .unwrap()
            .contains("alone, no transaction"),
        "{out}"
    );
    assert!(out.contains("(gate: requires app >=2.4.0)"), "{out}");
    assert!(!super::state_exists(&db).await, "plan writes nothing");
}
