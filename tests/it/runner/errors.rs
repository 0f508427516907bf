//! Bad input gets a clear error and changes nothing: malformed files, duplicate versions,
//! unreachable databases, wrong passwords, a failing statement, drift.

use super::{state_exists, table_exists};
use crate::common::{bellows, bellows_on, migrations, Engine, TestDb};

#[tokio::test]
async fn malformed_files_are_refused_before_anything_runs() {
    let db = TestDb::new(Engine::Postgres, "malformed").await;
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("1_a.sql", "-- bellows:expnad\nCREATE TABLE a (id int);")],
            "1_a.sql:1: unknown marker `-- bellows:expnad`",
        ),
        (
            &[(
                "1_a.sql",
                "-- bellows:contract requires-app=soon\nDROP TABLE a;",
            )],
            "1_a.sql:1: requires-app=\"soon\" is not a semver range",
        ),
        (
            &[(
                "1_a.sql",
                "-- bellows:backfill key=id\nUPDATE a SET b = 1 WHERE b IS NULL;",
            )],
            "needs `table=<name>`",
        ),
        (
            &[(
                "1_a.sql",
                "CREATE TABLE a (id int);\n-- bellows:expand\nSELECT 1;",
            )],
            "1_a.sql:1: statement before the first",
        ),
        (
            &[(
                "1_a.sql",
                "-- bellows:expand\nCREATE TABLE a (id text DEFAULT 'x);",
            )],
            "1_a.sql:2: string literal starting at line 2",
        ),
        (
            &[
                ("1_a.sql", "CREATE TABLE a (id int);"),
                ("1_b.sql", "CREATE TABLE b (id int);"),
            ],
            "version 1 is used twice",
        ),
        (
            &[("add_a.sql", "CREATE TABLE a (id int);")],
            "file name must be <version>_<name>.sql",
        ),
        (
            &[("1_a.sql", "BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;")],
            "1_a.sql:1: bellows runs each phase in transactions of its own",
        ),
    ];
    for (files, expected) in cases {
        let dir = migrations(files);
        let (code, out, err) = bellows(
            &[
                "expand",
                "--database-url",
                &db.url,
                "--migrations",
                dir.path().to_str().unwrap(),
            ],
            dir.path(),
        );
        assert_eq!(code, 2, "{files:?}: {out}{err}");
        assert!(
            err.contains(expected),
            "{files:?}: expected `{expected}` in:\n{err}"
        );
        assert!(!table_exists(&db, "a").await, "{files:?}: nothing applied");
    }
    assert!(
        !state_exists(&db).await,
        "bad input never reached the database"
    );
}

#[tokio::test]
async fn unreachable_database_and_bad_urls_never_show_the_password() {
    let dir = migrations(&[("1_a.sql", "CREATE TABLE a (id int);")]);
    let path = dir.path().to_str().unwrap();
    let cases = [
        (
            "postgres://postgres:hunter2@127.0.0.1:1/db",
            "cannot connect to postgres://postgres:***@127.0.0.1:1/db",
        ),
        ("mysql://root:hunter2@127.0.0.1:3306/mysql", "Access denied"),
        (
            "postgresql://u:hunter2@127.0.0.1:notaport/db",
            "is not a URL",
        ),
        ("sqlite://u:hunter2@x/db", "unsupported scheme `sqlite://`"),
        ("postgres://u:hunter2@127.0.0.1", "names no database"),
    ];
    for (url, expected) in cases {
        let (code, out, err) = bellows(
            &["expand", "--database-url", url, "--migrations", path],
            dir.path(),
        );
        assert_eq!(code, 2, "{url}: {out}{err}");
        assert!(
            err.contains(expected),
            "{url}: expected `{expected}` in:\n{err}"
        );
        assert!(
            !err.contains("hunter2") && !out.contains("hunter2"),
            "{url}: password leaked:\n{err}"
        );
    }
    let (code, _, err) = bellows(&["status", "--migrations", path], dir.path());
    assert_eq!(code, 2);
    assert!(err.contains("no database URL"), "{err}");
}

#[tokio::test]
async fn a_failing_postgres_statement_leaves_nothing_of_its_transaction() {
    let db = TestDb::new(Engine::Postgres, "failtx").await;
    let dir = migrations(&[(
        "1_a.sql",
        "CREATE TABLE a (id int);\nALTER TABLE nope ADD COLUMN x int;\n",
    )]);
    let (code, _, err) = bellows_on(&db, dir.path(), &["expand"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("1_a.sql:2: expand phase of migration 1 failed")
            && err.contains("\"nope\" does not exist"),
        "{err}"
    );
    assert!(
        err.contains("   2 | ALTER TABLE nope"),
        "the failing line is shown: {err}"
    );
    assert!(!table_exists(&db, "a").await, "the whole step rolled back");
    let (_, out, _) = bellows(
        &[
            "status",
            "--database-url",
            &db.url,
            "--migrations",
            dir.path().to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(out.contains("pending"), "{out}");
    db.sql("CREATE TABLE nope (id int)").await;
    let (code, _, err) = bellows_on(&db, dir.path(), &["expand"]);
    assert_eq!(code, 0, "{err}");
    assert!(table_exists(&db, "a").await);
}

async fn drift(engine: Engine) {
    let db = TestDb::new(engine, "drift").await;
    let dir = migrations(&[("1_a.sql", "CREATE TABLE a (id int);\n")]);
    let path = dir.path().to_str().unwrap();
    let (code, _, err) = bellows(
        &["expand", "--database-url", &db.url, "--migrations", path],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    std::fs::write(
        dir.path().join("1_a.sql"),
        "-- a comment is not drift\nCREATE TABLE a (id int);   \n",
    )
    .unwrap();
    let (code, out, err) = bellows(
        &["expand", "--database-url", &db.url, "--migrations", path],
        dir.path(),
    );
    assert_eq!(code, 0, "{out}{err}");
    std::fs::write(dir.path().join("1_a.sql"), "CREATE TABLE a (id bigint);\n").unwrap();
    let (code, _, err) = bellows(
        &["expand", "--database-url", &db.url, "--migrations", path],
        dir.path(),
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("the expand phase changed since it was applied"),
        "{err}"
    );
    assert!(
        err.contains("-CREATE TABLE a (id int);") && err.contains("+CREATE TABLE a (id bigint);"),
        "diff hint: {err}"
    );
    let (code, _, err) = bellows(
        &[
            "expand",
            "--allow-drift",
            "--database-url",
            &db.url,
            "--migrations",
            path,
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
}

#[tokio::test]
async fn drift_is_refused_with_a_diff_postgres() {
    drift(Engine::Postgres).await;
}

#[tokio::test]
async fn drift_is_refused_with_a_diff_mariadb() {
    drift(Engine::Mysql).await;
}
