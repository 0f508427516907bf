//! The connection lost in the middle of a phase says which statement of which migration was
//! running and that a rerun resumes; a resumed MySQL phase whose first statement had
//! already taken effect says so and how to go on.

use crate::common::{bellows_on, migrations, Engine, TestDb};
use std::time::Duration;

async fn lost_connection_names_the_statement(engine: Engine) {
    let db = TestDb::new(engine, "conn_lost").await;
    let sleep = match engine {
        Engine::Postgres => "SELECT pg_sleep(8);",
        Engine::Mysql => "DO SLEEP(8);",
    };
    let dir = migrations(&[(
        "1_slow.sql",
        &format!("CREATE TABLE a (id int);\n{sleep}\n"),
    )]);
    let path = dir.path().to_path_buf();
    let url = db.url.clone();
    let run = tokio::task::spawn_blocking(move || {
        crate::common::bellows(
            &[
                "expand",
                "--database-url",
                &url,
                "--migrations",
                path.to_str().unwrap(),
            ],
            &path,
        )
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let kill = match engine {
        Engine::Postgres => "SELECT CAST(pg_terminate_backend(pid) AS text) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(8)%' AND pid <> pg_backend_pid()".to_string(),
        Engine::Mysql => {
            let id = db
                .scalar("SELECT CAST(ID AS CHAR) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'DO SLEEP(8)%'")
                .await
                .expect("the sleeping statement is running");
            format!("KILL CONNECTION {id}")
        }
    };
    db.sql(&kill).await;
    let (code, out, err) = run.await.unwrap();
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains(
            "the connection to the server was lost during statement 2 of 1 slow (expand phase,"
        ),
        "{err}"
    );
    assert!(err.contains("1_slow.sql:2): rerun to resume"), "{err}");
    std::fs::write(
        dir.path().join("1_slow.sql"),
        "CREATE TABLE a (id int);\nSELECT 1;\n",
    )
    .unwrap();
    let (code, out, err) = bellows_on(&db, dir.path(), &["expand"]);
    assert_eq!(code, 0, "the rerun resumes: {out}{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_lost_connection_names_the_statement() {
    lost_connection_names_the_statement(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_lost_connection_names_the_statement() {
    lost_connection_names_the_statement(Engine::Mysql).await;
}

#[tokio::test]
async fn mariadb_resumed_statement_that_already_took_effect_says_so() {
    let db = TestDb::new(Engine::Mysql, "already").await;
    db.sql("CREATE TABLE t (id int PRIMARY KEY, a int, b int, c int)")
        .await;
    let file = |second: &str| {
        format!("-- bellows:expand\nSELECT 1;\n-- bellows:contract\nALTER TABLE t DROP COLUMN a;\n{second}\n")
    };
    let dir = migrations(&[("1_drop.sql", &file("ALTER TABLE t DROP COLUMN nope;"))]);
    let (code, out, err) = bellows_on(&db, dir.path(), &["expand"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, err) = bellows_on(&db, dir.path(), &["contract"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        !err.contains("resumed at this statement"),
        "not a resumed run: {err}"
    );
    // As if an interrupted run had dropped b right before it died, unrecorded.
    db.sql("ALTER TABLE t DROP COLUMN b").await;
    std::fs::write(
        dir.path().join("1_drop.sql"),
        file("ALTER TABLE t DROP COLUMN b;"),
    )
    .unwrap();
    let (code, _, err) = bellows_on(&db, dir.path(), &["contract"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("1_drop.sql:5: contract phase of migration 1, resumed at this statement"),
        "{err}"
    );
    assert!(
        err.contains("it has already taken effect: check the schema"),
        "{err}"
    );
    std::fs::write(
        dir.path().join("1_drop.sql"),
        file("ALTER TABLE t DROP COLUMN IF EXISTS b;"),
    )
    .unwrap();
    let (code, out, err) = bellows_on(&db, dir.path(), &["contract"]);
    assert_eq!(code, 0, "idempotent, it goes through: {out}{err}");
}
