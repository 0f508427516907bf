//! `bellows status --watch` against real databases, its stdout a pipe (the CI case: one line
//! per change): following a throttled backfill run by another process to its end, a
//! contract waiting for its gate until a rollout opens it, and Ctrl-C.

use super::{items, items_migration, number, state_table};
use crate::common::{bellows_on, migrations, Engine, TestDb};
use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

/// `bellows ARGS` on `db` in the background, its stdout lines sent as they come.
fn spawn(db: &TestDb, dir: &std::path::Path, args: &[&str]) -> (Child, Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bellows"))
        .args(args)
        .args(["--database-url", &db.url, "--migrations"])
        .arg(dir)
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (send, receive) = channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if send.send(line).is_err() {
                break;
            }
        }
    });
    (child, receive)
}

/// Lines until one contains `wanted` (panics after a minute).
fn until(lines: &Receiver<String>, wanted: &str) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        match lines.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => {
                let found = line.contains(wanted);
                seen.push(line);
                if found {
                    return seen;
                }
            }
            Err(e) => panic!("no line with {wanted:?} ({e}); saw {seen:#?}"),
        }
    }
}

/// Digits as N, the lock holder's description dropped: what stays the same run to run.
fn shape(line: &str) -> String {
    let line = match line.split_once(" (held by") {
        Some((head, _)) => format!("{head} (held by ...)"),
        None => line.to_string(),
    };
    let mut out = String::new();
    for c in line.chars() {
        if c.is_ascii_digit() {
            if !out.ends_with('N') {
                out.push('N');
            }
        } else {
            out.push(c);
        }
    }
    out
}

async fn follows_a_backfill(engine: Engine) {
    let db = TestDb::new(engine, "watch_backfill").await;
    items(&db, 3000).await;
    let sql = items_migration(engine, "batch=250 max-rows-per-sec=600");
    let dir = migrations(&[("1_fill_new_val.sql", &sql)]);
    let (code, out, err) = bellows_on(&db, dir.path(), &["expand"]);
    assert_eq!(code, 0, "{out}{err}");
    let (mut backfill, _) = spawn(&db, dir.path(), &["backfill"]);
    let progress = state_table(engine, "backfill_progress");
    let batches = format!("SELECT CAST(COALESCE(sum(batches), 0) AS CHAR) FROM {progress}");
    while number(&db, &batches).await == 0 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (code, out, err) = bellows_on(
        &db,
        dir.path(),
        &["status", "--watch", "--interval", "200ms"],
    );
    assert!(backfill.wait().unwrap().success());
    assert_eq!(code, 0, "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        shape(lines[0]),
        "running: a backfill, contract or abort (held by ...)",
        "{out}"
    );
    let rated: Vec<&&str> = lines.iter().filter(|l| l.ends_with(" rows/s")).collect();
    assert!(rated.len() >= 2, "the rate while it runs: {out}");
    insta::assert_snapshot!("watch_backfilling_line", shape(rated[0]));
    let percents: Vec<u64> = lines
        .iter()
        .filter_map(|l| l.split_once("backfilling, ")?.1.split_once('%'))
        .map(|(p, _)| p.parse().unwrap())
        .collect();
    assert!(percents.windows(2).all(|w| w[0] < w[1]), "{out}");
    assert!(
        out.contains("1 fill_new_val: backfilled, 3000 rows\n"),
        "{out}"
    );
    assert!(out.contains("\nno bellows run holds a lock\n"), "{out}");
    assert_eq!(
        lines.last(),
        Some(&"nothing runs or waits any more: stopped watching")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follows_a_backfill_postgres() {
    follows_a_backfill(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follows_a_backfill_mysql() {
    follows_a_backfill(Engine::Mysql).await;
}

const GATED: &str =
    "-- bellows:expand\nCREATE TABLE notes (id int PRIMARY KEY, body text, old int);\n\n\
     -- bellows:contract requires-app=\">=2.0.0\"\nALTER TABLE notes DROP COLUMN old;\n";

async fn follows_a_gate(engine: Engine) {
    let db = TestDb::new(engine, "watch_gate").await;
    let dir = migrations(&[("1_notes.sql", GATED)]);
    let (code, out, err) = bellows_on(&db, dir.path(), &["expand"]);
    assert_eq!(code, 0, "{out}{err}");
    let (mut watch, lines) = spawn(
        &db,
        dir.path(),
        &["status", "--watch", "--interval", "200ms"],
    );
    let mut seen = until(&lines, "gate closed");
    let (code, out, err) = bellows_on(
        &db,
        dir.path(),
        &["rollout", "record", "--app-version", "2.0.0"],
    );
    assert_eq!(code, 0, "{out}{err}");
    seen.extend(until(&lines, "stopped watching"));
    assert!(watch.wait().unwrap().success());
    assert!(seen
        .iter()
        .any(|l| l.contains("gate closed: requires app >=2.0.0")));
    // The gate's reasons are its own (tests/it/gate.rs): here, the lines around them.
    let pinned: Vec<&str> = seen
        .iter()
        .map(|l| {
            l.split_once(": requires")
                .map_or(l.as_str(), |(head, _)| head)
        })
        .collect();
    insta::assert_snapshot!("watch_gate", pinned.join("\n"));
}

#[tokio::test]
async fn follows_a_gate_postgres() {
    follows_a_gate(Engine::Postgres).await;
}

#[tokio::test]
async fn follows_a_gate_mysql() {
    follows_a_gate(Engine::Mysql).await;
}

/// Ctrl-C ends the watch at once, exit 0, saying so; here in JSON, one event per line.
#[tokio::test]
async fn ctrl_c_stops_watching() {
    let db = TestDb::new(Engine::Postgres, "watch_ctrl_c").await;
    let dir = migrations(&[("1_notes.sql", GATED)]);
    let (code, out, err) = bellows_on(&db, dir.path(), &["expand"]);
    assert_eq!(code, 0, "{out}{err}");
    let args = [
        "status",
        "--watch",
        "--interval",
        "200ms",
        "--format",
        "json",
    ];
    let (mut watch, lines) = spawn(&db, dir.path(), &args);
    let mut seen = until(&lines, "\"gate\"");
    let kill = Command::new("kill")
        .args(["-INT", &watch.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    seen.extend(until(&lines, "\"stopped\""));
    assert!(watch.wait().unwrap().success());
    let events: Vec<serde_json::Value> = seen
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    assert_eq!(events[0]["event"], "activity", "{seen:?}");
    assert!(events[0]["activity"]["backfill_lock"].is_null(), "{seen:?}");
    assert_eq!(events[1]["event"], "migration", "{seen:?}");
    assert_eq!(events[1]["migration"]["version"], 1);
    assert_eq!(events[1]["migration"]["gate"]["open"], false);
    assert_eq!(events.last().unwrap()["event"], "stopped", "{seen:?}");
}
