//! sqlx's `_sqlx_migrations`, created with sqlx 0.8's DDL and rows written the way its
//! migrator writes them (checksum: SHA-384 of the file, computed by the server itself).

use super::{
    expand_runs_only_the_new_file, folder, migrated_by_hand, recorded, ADD_EMAIL, CREATE_USERS,
};
use crate::common::{bellows_on, Engine, TestDb};

async fn sqlx_history(db: &TestDb, rows: &[(i64, &str, &str, bool)]) {
    let (table, checksum) = match db.engine {
        Engine::Postgres => (
            "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMPTZ NOT NULL DEFAULT now(),
    success BOOLEAN NOT NULL,
    checksum BYTEA NOT NULL,
    execution_time BIGINT NOT NULL
);",
            "sha384(convert_to({}, 'UTF8'))",
        ),
        Engine::Mysql => (
            "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    success BOOLEAN NOT NULL,
    checksum BLOB NOT NULL,
    execution_time BIGINT NOT NULL
);",
            "UNHEX(SHA2({}, 384))",
        ),
    };
    db.sql(table).await;
    for (version, description, text, success) in rows {
        let quoted = format!("'{}'", text.replace('\'', "''"));
        let sum = checksum.replace("{}", &quoted);
        db.sql(&format!(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES ({version}, '{description}', {success}, {sum}, 1234567)"
        ))
        .await;
    }
}

async fn adopts_and_expands_only_the_new_file(engine: Engine) {
    let db = TestDb::new(engine, "adopt_sqlx").await;
    let dir = folder();
    migrated_by_hand(&db).await;
    sqlx_history(
        &db,
        &[
            (1, "create users", CREATE_USERS, true),
            (2, "add email", ADD_EMAIL, true),
        ],
    )
    .await;
    let (code, out, err) = bellows_on(&db, dir.path(), &["expand"]);
    assert_eq!(code, 1, "expand before adopt is refused: {out}\n{err}");
    assert!(
        err.contains("sqlx already ran migration 1") && err.contains("run `bellows adopt`"),
        "{err}"
    );
    let (code, out, err) = bellows_on(&db, dir.path(), &["adopt", "--dry-run"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(recorded(&db).await, "0", "a dry run records nothing");
    let (code, out, err) = bellows_on(&db, dir.path(), &["adopt"]);
    assert_eq!(code, 0, "{out}\n{err}");
    insta::assert_snapshot!("sqlx_adopted", out);
    assert_eq!(recorded(&db).await, "2");
    let (code, again, _) = bellows_on(&db, dir.path(), &["adopt"]);
    assert_eq!(code, 0);
    assert!(
        again.contains("already recorded") && again.contains("recorded 0 migrations"),
        "{again}"
    );
    expand_runs_only_the_new_file(&db, dir.path()).await;
}

#[tokio::test]
async fn sqlx_history_adopted_postgres() {
    adopts_and_expands_only_the_new_file(Engine::Postgres).await;
}

#[tokio::test]
async fn sqlx_history_adopted_mysql() {
    adopts_and_expands_only_the_new_file(Engine::Mysql).await;
}

async fn changed_missing_and_failed_stop_it(engine: Engine) {
    let db = TestDb::new(engine, "adopt_sqlx_bad").await;
    let dir = folder();
    migrated_by_hand(&db).await;
    let ran_before_an_edit = "ALTER TABLE users ADD COLUMN email text;\n";
    sqlx_history(
        &db,
        &[
            (1, "create users", CREATE_USERS, true),
            (2, "add email", ran_before_an_edit, true),
            (9, "dropped later", "SELECT 1;", true),
        ],
    )
    .await;
    let (code, out, err) = bellows_on(&db, dir.path(), &["adopt"]);
    assert_eq!(code, 1, "{out}\n{err}");
    insta::assert_snapshot!("sqlx_refused", out);
    assert_eq!(recorded(&db).await, "0", "nothing recorded when refused");
    let (code, out, err) = bellows_on(&db, dir.path(), &["adopt", "--allow-missing"]);
    assert_eq!(code, 1, "still changed: {out}\n{err}");
    let (code, out, err) = bellows_on(
        &db,
        dir.path(),
        &[
            "adopt",
            "--allow-missing",
            "--allow-changed",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["recorded"], serde_json::json!([1, 2]), "{out}");
    assert_eq!(report["lines"][1]["verdict"], "changed", "{out}");
    assert_eq!(report["lines"][3]["verdict"], "missing", "{out}");
    expand_runs_only_the_new_file(&db, dir.path()).await;
}

#[tokio::test]
async fn sqlx_changed_and_missing_postgres() {
    changed_missing_and_failed_stop_it(Engine::Postgres).await;
}

#[tokio::test]
async fn sqlx_changed_and_missing_mysql() {
    changed_missing_and_failed_stop_it(Engine::Mysql).await;
}

async fn a_failed_run_stops_it(engine: Engine) {
    let db = TestDb::new(engine, "adopt_sqlx_failed").await;
    let dir = folder();
    migrated_by_hand(&db).await;
    sqlx_history(
        &db,
        &[
            (1, "create users", CREATE_USERS, true),
            (2, "add email", ADD_EMAIL, false),
        ],
    )
    .await;
    let (code, out, err) = bellows_on(
        &db,
        dir.path(),
        &["adopt", "--allow-missing", "--allow-changed"],
    );
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        out.contains("2 ") && out.contains("failed: sqlx recorded this run as failed"),
        "{out}"
    );
    assert!(out.contains("refused, nothing recorded: 1 failed"), "{out}");
    assert_eq!(recorded(&db).await, "0");
}

#[tokio::test]
async fn sqlx_failed_run_postgres() {
    a_failed_run_stops_it(Engine::Postgres).await;
}

#[tokio::test]
async fn sqlx_failed_run_mysql() {
    a_failed_run_stops_it(Engine::Mysql).await;
}
