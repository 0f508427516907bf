//! Backfills that cannot run safely are refused with the reason before any row is touched:
//! at load time for the statement, at the start of the run for the table and key.

use super::{items, number};
use crate::common::{bellows, migrations, Engine, TestDb};

const FILL: &str =
    "UPDATE items SET new_val = old_val * 2, touched = touched + 1 WHERE new_val IS NULL";

async fn refused(engine: Engine) {
    let db = TestDb::new(engine, "bf_bad").await;
    items(&db, 1000).await;
    db.sql("CREATE TABLE nokey (a int NOT NULL, b int)").await;
    let cwd = std::env::temp_dir();
    let run = |files: &[(&str, &str)], cmd: &str| {
        let dir = migrations(files);
        bellows(
            &[
                cmd,
                "--database-url",
                &db.url,
                "--migrations",
                dir.path().to_str().unwrap(),
            ],
            &cwd,
        )
    };
    // Found when the files are loaded: nothing reaches the database.
    let load_time = [
        (
            "UPDATE items SET touched = touched + 1 WHERE id > 0",
            "not idempotent",
        ),
        ("UPDATE items SET new_val = 1", "without WHERE"),
        (
            "INSERT INTO items (id, old_val) SELECT id + 1000000, old_val FROM items",
            "twice",
        ),
        ("UPDATE orders SET x = 1 WHERE x IS NULL", "table=items"),
    ];
    for (sql, reason) in load_time {
        let file = format!("-- bellows:backfill table=items\n{sql};\n");
        let (code, out, err) = run(&[("1_bad.sql", &file)], "up");
        assert_eq!(code, 2, "{sql}: {out}{err}");
        assert!(
            err.contains(reason) && err.contains("1_bad.sql:2"),
            "{sql}: {err}"
        );
    }
    // Found at the start of the backfill, before any batch.
    let run_time = [
        (
            "table=items key=nope",
            FILL.to_string(),
            "key column `nope` does not exist",
        ),
        (
            "table=items key=old_val",
            FILL.to_string(),
            "not covered by a unique index",
        ),
        ("table=items key=new_val", FILL.to_string(), "allows NULL"),
        (
            "table=missing",
            FILL.replace("items", "missing"),
            "table `missing` does not exist",
        ),
        (
            "table=nokey",
            "UPDATE nokey SET b = a WHERE b IS NULL".to_string(),
            "no primary key",
        ),
    ];
    // One version throughout: the database keeps its record between the runs, and a folder
    // that shares nothing with it would be refused.
    for (directives, sql, reason) in &run_time {
        let name = "1_bad.sql".to_string();
        let file = format!("-- bellows:backfill {directives}\n{sql};\n");
        let (code, out, err) = run(&[(&name, &file)], "up");
        assert_eq!(code, 2, "{directives}: {out}{err}");
        assert!(err.contains(reason), "{directives}: {err}");
        assert!(err.contains("before") || err.contains(&name), "{err}");
    }
    let touched = number(
        &db,
        "SELECT CAST(COALESCE(sum(touched), 0) AS CHAR) FROM items",
    )
    .await;
    assert_eq!(touched, 0, "no row was touched");
    if engine == Engine::Mysql {
        let file = "-- bellows:backfill table=items\nUPDATE items JOIN nokey ON nokey.a = items.id SET items.new_val = nokey.b WHERE items.new_val IS NULL;\n";
        let (code, _, err) = run(&[("9_join.sql", file)], "backfill");
        assert_eq!(code, 2);
        assert!(err.contains("multi-table UPDATE"), "{err}");
    }
}

#[tokio::test]
async fn postgres_bad_specs_are_refused_before_any_row() {
    refused(Engine::Postgres).await;
}

#[tokio::test]
async fn mariadb_bad_specs_are_refused_before_any_row() {
    refused(Engine::Mysql).await;
}
