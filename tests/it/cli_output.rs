//! What the commands print: `--format json` of those that print a result (plan, gate check,
//! rollout record, abort, instances, new), counts and units, colour, and the actor.

use crate::common::{bellows, bellows_on, migrations, settings, Engine, TestDb};
use bellows::migration::load_dir;
use bellows::Bellows;
use serde_json::Value;
use std::time::Duration;

const FILES: &[(&str, &str)] = &[(
    "7_nick.sql",
    "-- bellows:expand\nCREATE TABLE a (id int PRIMARY KEY, nick int);\n\
     -- bellows:contract requires-app=\">=2.0.0\"\nALTER TABLE a DROP COLUMN nick;\n\
     -- bellows:down\nDROP TABLE a;\n",
)];

/// `bellows ARGS --format json` against the test database: (exit code, parsed stdout).
fn json(db: &TestDb, dir: &std::path::Path, args: &[&str]) -> (i32, Value) {
    let all = [args, &["--format", "json"][..]].concat();
    let (code, out, err) = tokio::task::block_in_place(|| bellows_on(db, dir, &all));
    let value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}{err}"));
    (code, value)
}

async fn every_command_speaks_json(engine: Engine) {
    let db = TestDb::new(engine, "cli_json").await;
    let dir = migrations(FILES);
    let (code, plan) = json(&db, dir.path(), &["plan"]);
    assert_eq!(code, 0);
    assert_eq!(plan["phases"][0]["phase"], "expand", "{plan}");
    assert_eq!(plan["phases"][0]["version"], 7, "{plan}");
    let (code, _, err) = tokio::task::block_in_place(|| bellows_on(&db, dir.path(), &["expand"]));
    assert_eq!(code, 0, "{err}");

    let (code, gate) = json(&db, dir.path(), &["gate", "check"]);
    assert_eq!(
        (code, &gate["decision"]["open"]),
        (1, &Value::Bool(false)),
        "{gate}"
    );
    assert_eq!(gate["version"], 7, "{gate}");
    let (code, recorded) = json(
        &db,
        dir.path(),
        &["rollout", "record", "--app-version", "2.0.0"],
    );
    assert_eq!(code, 0);
    assert_eq!(
        recorded,
        serde_json::json!({ "recorded": { "app_version": "2.0.0" } })
    );
    let (code, gate) = json(&db, dir.path(), &["gate", "check"]);
    assert_eq!(
        (code, &gate["decision"]["open"]),
        (0, &Value::Bool(true)),
        "{gate}"
    );

    let (code, aborted) = json(&db, dir.path(), &["abort", "7"]);
    assert_eq!(code, 0);
    assert_eq!(aborted["aborted"]["version"], 7, "{aborted}");
    assert_eq!(aborted["aborted"]["phase"], "down", "{aborted}");
    assert_eq!(aborted["aborted"]["statements"], 1, "{aborted}");
    assert!(aborted["aborted"]["duration"].is_u64(), "{aborted}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_speaks_json_postgres() {
    every_command_speaks_json(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_speaks_json_mariadb() {
    every_command_speaks_json(Engine::Mysql).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prune_says_how_many_it_removed() {
    let db = TestDb::new(Engine::Postgres, "prune").await;
    let dir = migrations(FILES);
    let mut s = settings();
    s.heartbeat_every = Duration::from_millis(100);
    let app = Bellows::connect(&db.url, load_dir(dir.path(), db.engine.dialect()).unwrap())
        .unwrap()
        .with_settings(s);
    for version in ["1.0.0", "1.1.0"] {
        drop(app.register_instance("shop", version).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let live = app.register_instance("shop", "2.0.0").await.unwrap();

    let (code, out, err) = tokio::task::block_in_place(|| {
        bellows_on(&db, dir.path(), &["instances", "--prune", "1s"])
    });
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("pruned 2 instances\n"), "{out}");
    assert!(out.contains(live.id()) && !out.contains("1.1.0"), "{out}");
    let (_, listed) = json(&db, dir.path(), &["instances", "--prune", "1h"]);
    assert_eq!(listed["pruned"], 0, "{listed}");
    assert_eq!(listed["instances"][0]["app_version"], "2.0.0", "{listed}");
    let (_, listed) = json(&db, dir.path(), &["instances"]);
    assert_eq!(listed["pruned"], Value::Null, "{listed}");
    live.deregister().await.unwrap();
}

#[test]
fn new_says_what_it_wrote_in_json() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "new",
        "add_nick",
        "--op",
        "add-column",
        "users",
        "nick",
        "text",
        "--format",
        "json",
    ];
    let (code, out, err) = bellows(&args, dir.path());
    assert_eq!(code, 0, "{err}");
    let value: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(value["op"], "add-column");
    assert_eq!(value["name"], "add_nick");
    let path = value["path"].as_str().unwrap();
    let file = std::path::Path::new(path)
        .file_name()
        .unwrap()
        .to_string_lossy();
    assert_eq!(file, format!("{}_add_nick.sql", value["version"]));
    assert!(dir.path().join(path).is_file(), "{path}");
}

/// In CI `$USER` is often unset: the rollout is recorded by the CI's user.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_actor_comes_from_the_ci_when_user_is_unset() {
    let db = TestDb::new(Engine::Postgres, "actor").await;
    let env = [
        ("USER", ""),
        ("LOGNAME", ""),
        ("BELLOWS_ACTOR", ""),
        ("GITHUB_ACTOR", "octocat"),
    ];
    let args = [
        "rollout",
        "record",
        "--app-version",
        "2.0.0",
        "--database-url",
        db.url.as_str(),
    ];
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) =
        tokio::task::block_in_place(|| crate::common::bellows_env(&args, dir.path(), &env));
    assert_eq!(code, 0, "{out}{err}");
    let by = db
        .scalar("SELECT recorded_by FROM bellows.rollouts WHERE app_version = '2.0.0'")
        .await;
    assert_eq!(by.as_deref(), Some("octocat"));
}

/// `s` with each time ("2026-11-23 11:20:03 UTC") replaced by `[time] UTC`.
fn without_times(s: &str) -> String {
    let mut out = s.to_string();
    let mut from = 0;
    while let Some(at) = out[from..].find(" UTC").map(|i| i + from) {
        let start = at.saturating_sub(19);
        out.replace_range(start..at, "[time]");
        from = start + "[time] UTC".len();
    }
    out
}

const BACKFILLED: &[(&str, &str)] = &[(
    "8_copy.sql",
    "-- bellows:expand\nCREATE TABLE b (id int PRIMARY KEY, v int, w int);\n\
     INSERT INTO b (id, v) VALUES (1, 1), (2, 2), (3, 3);\n\
     -- bellows:backfill table=b key=id\nUPDATE b SET w = v WHERE w IS NULL;\n",
)];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_units_times_and_colour() {
    let db = TestDb::new(Engine::Postgres, "units").await;
    let dir = migrations(BACKFILLED);
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let path = dir.path().to_str().unwrap().to_string();
        let url = db.url.clone();
        let all = [args, &["--database-url", &url, "--migrations", &path][..]].concat();
        tokio::task::block_in_place(|| crate::common::bellows_env(&all, dir.path(), env))
    };
    let (code, out, err) = run(&["expand"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("(2 statements, ") && !out.contains("µs)"),
        "{out}"
    );
    let (code, out, err) = run(&["backfill"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(": 3 rows in ") && out.contains(", 1 batch, longest "),
        "{out}"
    );
    let plain = run(&["status"], &[]).1;
    insta::assert_snapshot!("status_plain", without_times(&plain));
    let coloured = run(&["status"], &[("CLICOLOR_FORCE", "1")]).1;
    assert!(
        coloured.contains("\x1b[32mbackfilled  \x1b[0m"),
        "{coloured:?}"
    );
    assert!(
        !plain.contains('\x1b'),
        "no colour off a terminal: {plain:?}"
    );
}
