//! Phases that stop half way: MySQL resumes at the failed statement; PostgreSQL rebuilds an
//! INVALID index left by a failed concurrent build.

use super::{column_exists, table_exists};
use crate::common::{bellows, bellows_on, migrations, Engine, TestDb};

#[tokio::test]
async fn a_failed_mysql_phase_resumes_at_the_failed_statement() {
    let db = TestDb::new(Engine::Mysql, "resume").await;
    let file = "CREATE TABLE a (id int PRIMARY KEY);\nALTER TABLE b ADD COLUMN x int;\nCREATE TABLE c (id int PRIMARY KEY);\n";
    let dir = migrations(&[("1_a.sql", file)]);
    let path = dir.path().to_str().unwrap();
    let (code, _, err) = bellows_on(&db, dir.path(), &["expand"]);
    assert_eq!(code, 2);
    assert!(err.contains("1_a.sql:2:"), "{err}");
    assert!(
        table_exists(&db, "a").await,
        "statement 1 stays applied (MySQL DDL commits)"
    );
    let (_, out, _) = bellows(
        &["status", "--database-url", &db.url, "--migrations", path],
        dir.path(),
    );
    assert!(
        out.contains("expanding") && out.contains("resumes at statement 2"),
        "{out}"
    );

    // Fixing the statement that failed is not drift: it never ran.
    std::fs::write(
        dir.path().join("1_a.sql"),
        file.replace("ALTER TABLE b", "ALTER TABLE a"),
    )
    .unwrap();
    let (code, out, err) = bellows_on(&db, dir.path(), &["expand"]);
    assert_eq!(
        code, 0,
        "re-running CREATE TABLE a would fail, so this proves the resume: {out}{err}"
    );
    assert!(column_exists(&db, "a", "x").await);
    assert!(table_exists(&db, "c").await);

    // Changing a statement that did run is drift.
    std::fs::write(
        dir.path().join("1_a.sql"),
        file.replace(
            "id int PRIMARY KEY);\nALTER",
            "id bigint PRIMARY KEY);\nALTER",
        ),
    )
    .unwrap();
    let (code, _, err) = bellows_on(&db, dir.path(), &["expand"]);
    assert_eq!(code, 1, "{err}");
}

#[tokio::test]
async fn an_invalid_index_from_a_failed_concurrent_build_is_rebuilt() {
    let db = TestDb::new(Engine::Postgres, "invalid").await;
    db.sql("CREATE TABLE t (a int); INSERT INTO t VALUES (1), (1), (2);")
        .await;
    let dir = migrations(&[(
        "1_a.sql",
        "ALTER TABLE t ADD COLUMN b int;\nCREATE UNIQUE INDEX CONCURRENTLY t_a_key ON t (a);\nALTER TABLE t ADD COLUMN c int;\n",
    )]);
    let (code, _, err) = bellows_on(&db, dir.path(), &["expand"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("1_a.sql:2:") && err.contains("could not create unique index"),
        "{err}"
    );
    assert_eq!(
        db.scalar("SELECT indisvalid::text FROM pg_index WHERE indexrelid = 't_a_key'::regclass")
            .await
            .as_deref(),
        Some("false")
    );
    assert!(
        column_exists(&db, "t", "b").await,
        "the step before the concurrent build committed"
    );

    db.sql("DELETE FROM t WHERE a = 1; INSERT INTO t (a) VALUES (1);")
        .await;
    let (code, _, err) = bellows_on(&db, dir.path(), &["expand"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("INVALID") && err.contains("dropping it to rebuild"),
        "{err}"
    );
    assert_eq!(
        db.scalar("SELECT indisvalid::text FROM pg_index WHERE indexrelid = 't_a_key'::regclass")
            .await
            .as_deref(),
        Some("true")
    );
    assert!(column_exists(&db, "t", "c").await);
}
