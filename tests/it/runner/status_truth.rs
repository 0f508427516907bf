//! `status` tells the truth: a drifted migration says so, a failed contract shows its error
//! and line, a contract-ready migration shows the gate's verdict now, and `--check` exits 1
//! when a person should look.

use crate::common::{bellows_on, migrations, Engine, TestDb};

const GATED: &str = "-- bellows:expand\nALTER TABLE t ADD COLUMN b int;\n\
                     -- bellows:contract requires-app=>=2.0.0\nALTER TABLE t DROP COLUMN a;\n";
const FAILING: &str = "-- bellows:expand\nALTER TABLE u ADD COLUMN b int;\n\
                       -- bellows:contract\nALTER TABLE u DROP COLUMN b;\nALTER TABLE u DROP COLUMN nope;\n";

async fn status_tells_the_truth(engine: Engine) {
    let db = TestDb::new(engine, "status_truth").await;
    db.sql("CREATE TABLE t (id int PRIMARY KEY, a int)").await;
    db.sql("CREATE TABLE u (id int PRIMARY KEY)").await;
    let dir = migrations(&[("1_failing.sql", FAILING), ("2_gated.sql", GATED)]);
    let (code, out, err) = bellows_on(&db, dir.path(), &["expand"]);
    assert_eq!(code, 0, "{out}{err}");

    let (code, out, err) = bellows_on(&db, dir.path(), &["status", "--check"]);
    assert_eq!(code, 0, "nothing needs a person yet: {out}{err}");
    assert!(out.contains("gate closed: requires app >=2.0.0"), "{out}");

    let (code, out, err) = bellows_on(&db, dir.path(), &["contract"]);
    assert_eq!(code, 2, "the second DROP fails: {out}{err}");
    let (code, out, err) = bellows_on(&db, dir.path(), &["status", "--check"]);
    assert_eq!(code, 1, "{out}{err}");
    let row = out.lines().find(|l| l.contains("failing")).unwrap();
    assert!(row.contains("; failed (line 5)"), "{row}");
    if engine == Engine::Mysql {
        // MySQL commits each DDL statement: the first DROP stays done.
        assert!(row.contains("stopped at statement 2"), "{row}");
    }
    assert!(
        row.to_lowercase().contains("nope"),
        "the error names the column: {row}"
    );

    let edited = GATED.replace("ADD COLUMN b int", "ADD COLUMN b bigint");
    std::fs::write(dir.path().join("2_gated.sql"), edited).unwrap();
    let (code, out, err) = bellows_on(&db, dir.path(), &["status", "--check", "--format", "json"]);
    assert_eq!(code, 1, "{out}{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["migrations"][1]["next"]["action"], "drifted", "{out}");
    let (_, out, _) = bellows_on(&db, dir.path(), &["status"]);
    let row = out.lines().find(|l| l.contains("gated")).unwrap();
    assert!(row.contains("drifted"), "{row}");
}

#[tokio::test]
async fn postgres_status_tells_the_truth() {
    status_tells_the_truth(Engine::Postgres).await;
}

#[tokio::test]
async fn mariadb_status_tells_the_truth() {
    status_tells_the_truth(Engine::Mysql).await;
}
