//! `bellows fleet` over many throwaway databases on the local servers: a failing target,
//! `--keep-going`, the rerun that completes only what is left, and a fleet backfill killed
//! with SIGKILL part way that resumes with nothing done twice.

use crate::common::{bellows, migrations, Engine, TestDb};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

/// `pg` PostgreSQL and `my` MariaDB databases, and a targets file listing them.
async fn fleet(label: &str, pg: usize, my: usize) -> (Vec<TestDb>, tempfile::TempDir) {
    let mut dbs = Vec::new();
    for (engine, n) in [(Engine::Postgres, pg), (Engine::Mysql, my)] {
        for _ in 0..n {
            dbs.push(TestDb::new(engine, label).await);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let list: String = dbs.iter().map(|d| format!("{}\n", d.url)).collect();
    std::fs::write(
        dir.path().join("targets.txt"),
        format!("# the test's fleet\n{list}"),
    )
    .unwrap();
    (dbs, dir)
}

/// `bellows fleet ARGS --format json` over the targets; the exit code and the parsed view.
fn fleet_json(list: &Path, dir: &Path, args: &[&str]) -> (i32, serde_json::Value, String) {
    let targets = list.join("targets.txt");
    let mut all = vec!["fleet"];
    all.extend_from_slice(args);
    all.extend_from_slice(&[
        "--targets",
        targets.to_str().unwrap(),
        "--migrations",
        dir.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let (code, out, err) = bellows(&all, dir);
    let view = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    (code, view, err)
}

/// The targets whose outcome is `outcome`.
fn with_outcome<'a>(view: &'a serde_json::Value, outcome: &str) -> Vec<&'a serde_json::Value> {
    view["targets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["outcome"] == outcome)
        .collect()
}

async fn count(db: &TestDb, sql: &str) -> i64 {
    db.scalar(sql).await.unwrap().parse().unwrap()
}

const EVENTS_PG: &str = "SELECT count(*) FROM bellows.events WHERE kind = 'phase'";
const EVENTS_MY: &str = "SELECT CAST(count(*) AS CHAR) FROM bellows_events WHERE kind = 'phase'";

fn events_sql(db: &TestDb) -> &'static str {
    match db.engine {
        Engine::Postgres => EVENTS_PG,
        Engine::Mysql => EVENTS_MY,
    }
}

#[tokio::test]
async fn a_fleet_expand_keeps_going_past_a_failure_and_the_rerun_completes_the_rest() {
    let (dbs, list) = fleet("fleet_exp", 40, 20).await;
    let dir = migrations(&[
        (
            "1_widgets.sql",
            "CREATE TABLE widgets (id int PRIMARY KEY, name varchar(40));",
        ),
        (
            "2_gadgets.sql",
            "CREATE TABLE gadgets (id int PRIMARY KEY);",
        ),
    ]);
    // The fourth target already has a table the second migration creates.
    let bad = &dbs[3];
    bad.sql("CREATE TABLE gadgets (other int)").await;

    // Stop at the first failure: targets after it do not start.
    let (code, view, err) = fleet_json(list.path(), dir.path(), &["expand", "--concurrency", "2"]);
    assert_eq!(code, 2, "{err}");
    let failed = with_outcome(&view, "failed");
    assert_eq!(failed.len(), 1, "{view}");
    assert!(failed[0]["target"].as_str().unwrap().ends_with(&bad.name));
    assert!(
        failed[0]["summary"].as_str().unwrap().contains("gadgets"),
        "{view}"
    );
    assert!(!with_outcome(&view, "not-started").is_empty(), "{view}");

    // --keep-going: every other target is expanded.
    let (code, view, err) = fleet_json(
        list.path(),
        dir.path(),
        &["expand", "--concurrency", "4", "--keep-going"],
    );
    assert_eq!(code, 2, "{err}");
    assert_eq!(with_outcome(&view, "failed").len(), 1, "{view}");
    assert_eq!(with_outcome(&view, "done").len(), 59, "{view}");
    assert_eq!(view["states"]["expanded at 2"], 59, "{view}");
    assert_eq!(view["states"]["expanded at 1"], 1, "{view}");

    // Fixed, the rerun runs only what was left: one phase on one target.
    bad.sql("DROP TABLE gadgets").await;
    let (code, view, err) = fleet_json(list.path(), dir.path(), &["expand", "--concurrency", "4"]);
    assert_eq!(code, 0, "{err}");
    let ran: Vec<&serde_json::Value> = view["targets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| !t["detail"]["applied"].as_array().unwrap().is_empty())
        .collect();
    assert_eq!(ran.len(), 1, "{view}");
    assert!(ran[0]["target"].as_str().unwrap().ends_with(&bad.name));
    assert_eq!(ran[0]["detail"]["applied"][0]["version"], 2);
    assert_eq!(view["states"]["expanded at 2"], 60, "{view}");
    for db in &dbs {
        assert_eq!(
            count(db, events_sql(db)).await,
            2,
            "{}: each phase ran once",
            db.name
        );
    }
}

const FILL: &str = "-- bellows:backfill table=items batch=100\n\
    UPDATE items SET hits = hits + 1 WHERE hits >= 0;\n";

/// `items` with `rows` rows whose `hits` a backfill counts.
async fn seed(db: &TestDb, rows: i64) {
    match db.engine {
        Engine::Postgres => {
            db.sql(&format!(
                "CREATE TABLE items (id int PRIMARY KEY, hits int NOT NULL DEFAULT 0); \
                 INSERT INTO items (id) SELECT g FROM generate_series(1, {rows}) g"
            ))
            .await;
        }
        Engine::Mysql => {
            db.sql(&format!(
                "CREATE TABLE items (id int PRIMARY KEY, hits int NOT NULL DEFAULT 0); \
                 INSERT INTO items (id) SELECT seq FROM seq_1_to_{rows}"
            ))
            .await;
        }
    }
}

#[tokio::test]
async fn a_fleet_backfill_killed_part_way_resumes_with_nothing_done_twice() {
    let (dbs, list) = fleet("fleet_bf", 16, 8).await;
    const ROWS: i64 = 6000;
    for db in &dbs {
        seed(db, ROWS).await;
    }
    let dir = migrations(&[("1_count.sql", FILL)]);
    let (code, _, err) = fleet_json(list.path(), dir.path(), &["expand", "--concurrency", "6"]);
    assert_eq!(code, 0, "{err}");

    let targets = list.path().join("targets.txt");
    let mut child = Command::new(env!("CARGO_BIN_EXE_bellows"))
        .args([
            "fleet",
            "backfill",
            "--latency-target",
            "off",
            "--concurrency",
            "3",
            "--targets",
        ])
        .arg(&targets)
        .arg("--migrations")
        .arg(dir.path())
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Kill it (SIGKILL: no cleanup) once a few targets finished and others run.
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut finished = 0;
    while finished < 5 {
        let line = lines
            .next()
            .expect("the fleet ended before it was killed")
            .unwrap();
        if line.starts_with('[') {
            finished += 1;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let mut half_way = 0;
    for db in &dbs {
        let touched = count(
            db,
            "SELECT CAST(count(*) AS CHAR) FROM items WHERE hits > 0",
        )
        .await;
        if touched > 0 && touched < ROWS {
            half_way += 1;
        }
    }
    assert!(half_way > 0, "the kill landed between targets");

    let (code, view, err) = fleet_json(
        list.path(),
        dir.path(),
        &["backfill", "--latency-target", "off", "--concurrency", "4"],
    );
    assert_eq!(code, 0, "{err}\n{view}");
    assert_eq!(view["states"]["backfilled at 1"], 24, "{view}");
    for db in &dbs {
        let wrong = count(
            db,
            "SELECT CAST(count(*) AS CHAR) FROM items WHERE hits <> 1",
        )
        .await;
        assert_eq!(wrong, 0, "{}: every row counted exactly once", db.name);
    }
}

/// Outside the slow lane: a small fleet, the gate per target or across the fleet.
mod gate {
    use super::{fleet_json, with_outcome};
    use crate::common::{bellows_on, migrations};

    const FILE: &str = "-- bellows:expand\nCREATE TABLE a (id int PRIMARY KEY, old int);\n\
        -- bellows:contract requires-app=\">=2.0.0\"\nALTER TABLE a DROP COLUMN old;\n";

    #[tokio::test]
    async fn a_fleet_contract_waits_for_each_gate_or_for_every_gate() {
        let (dbs, list) = super::fleet_small().await;
        let dir = migrations(&[("1_a.sql", FILE)]);
        let (code, _, err) = fleet_json(list.path(), dir.path(), &["expand"]);
        assert_eq!(code, 0, "{err}");
        // Two of three targets run the new app.
        for db in &dbs[..2] {
            let (code, _, err) = bellows_on(
                db,
                dir.path(),
                &["rollout", "record", "--app-version", "2.0.0"],
            );
            assert_eq!(code, 0, "{err}");
        }
        // --every-gate: one gate closed, so no target is contracted.
        let (code, view, err) = fleet_json(list.path(), dir.path(), &["contract", "--every-gate"]);
        assert_eq!(code, 1, "{err}");
        assert_eq!(with_outcome(&view, "refused").len(), 1, "{view}");
        let (_, view, _) = fleet_json(list.path(), dir.path(), &["status"]);
        assert_eq!(view["states"]["expanded at 1"], 3, "{view}");
        // Per target: the two whose gate is open are contracted, the third refuses.
        let (code, view, err) = fleet_json(list.path(), dir.path(), &["contract"]);
        assert_eq!(code, 1, "{err}");
        let refused = with_outcome(&view, "refused");
        assert_eq!(refused.len(), 1, "{view}");
        assert!(refused[0]["target"]
            .as_str()
            .unwrap()
            .ends_with(&dbs[2].name));
        assert_eq!(view["states"]["contracted at 1"], 2, "{view}");
        // The rollout recorded fleet-wide opens the last gate.
        let (code, _, err) = fleet_json(
            list.path(),
            dir.path(),
            &["rollout-record", "--app-version", "2.0.0"],
        );
        assert_eq!(code, 0, "{err}");
        let (code, view, err) = fleet_json(list.path(), dir.path(), &["contract", "--every-gate"]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(view["states"]["contracted at 1"], 3, "{view}");
    }
}

/// Two PostgreSQL databases and one MariaDB.
async fn fleet_small() -> (Vec<TestDb>, tempfile::TempDir) {
    fleet("fleet_gate", 2, 1).await
}

/// `fleet adopt --baseline`: every target records the old files as applied, then `fleet
/// expand` runs only the new one.
#[tokio::test]
async fn a_fleet_adopts_a_baseline_then_expands_the_rest() {
    let (dbs, list) = fleet("fleet_adopt", 2, 1).await;
    for db in &dbs {
        db.sql("CREATE TABLE old (id int PRIMARY KEY)").await;
    }
    let dir = migrations(&[
        ("1_old.sql", "CREATE TABLE old (id int PRIMARY KEY);"),
        ("2_new.sql", "CREATE TABLE new (id int PRIMARY KEY);"),
    ]);
    let (code, view, err) = fleet_json(list.path(), dir.path(), &["adopt", "--baseline", "1"]);
    assert_eq!(code, 0, "{err}\n{view}");
    for t in view["targets"].as_array().unwrap() {
        assert_eq!(t["detail"]["recorded"], serde_json::json!([1]), "{view}");
    }
    let (code, view, err) = fleet_json(list.path(), dir.path(), &["expand"]);
    assert_eq!(code, 0, "{err}");
    for t in view["targets"].as_array().unwrap() {
        assert_eq!(t["detail"]["applied"][0]["version"], 2, "{view}");
        assert_eq!(
            t["detail"]["applied"].as_array().unwrap().len(),
            1,
            "{view}"
        );
    }
}

/// `[fleet] targets-query`: the targets are the rows of a query on a directory database
/// (NULL rows skipped); `--targets FILE` replaces it.
#[tokio::test]
async fn a_fleet_reads_its_targets_from_a_query() {
    let (dbs, list) = fleet("fleet_query", 2, 1).await;
    let directory = TestDb::new(Engine::Postgres, "fleet_directory").await;
    directory.sql("CREATE TABLE tenants (url text)").await;
    for db in &dbs {
        directory
            .sql(&format!("INSERT INTO tenants VALUES ('{}')", db.url))
            .await;
    }
    directory.sql("INSERT INTO tenants VALUES (NULL)").await;
    let dir = migrations(&[("1_t.sql", "CREATE TABLE t (id int PRIMARY KEY);")]);
    std::fs::write(
        dir.path().join("bellows.toml"),
        format!(
            "[fleet]\ntargets-query = {{ url = \"{}\", sql = \"SELECT url FROM tenants ORDER BY url\" }}\n",
            directory.url
        ),
    )
    .unwrap();
    let migrations_dir = dir.path().to_str().unwrap();
    let args = [
        "fleet",
        "expand",
        "--migrations",
        migrations_dir,
        "--format",
        "json",
    ];
    let (code, out, err) = bellows(&args, dir.path());
    assert_eq!(code, 0, "{out}{err}");
    let view: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(view["targets"].as_array().unwrap().len(), 3, "{view}");
    for db in &dbs {
        assert_eq!(count(db, "SELECT COUNT(*) FROM t").await, 0, "t exists");
    }
    // The flag replaces every configured source: the query is not even run.
    directory.sql("DROP TABLE tenants").await;
    let (code, view, err) = fleet_json(list.path(), dir.path(), &["status"]);
    assert_eq!(code, 0, "{err}\n{view}");
    assert_eq!(view["targets"].as_array().unwrap().len(), 3, "{view}");
}
