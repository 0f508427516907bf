//! `bellows adopt` against history tables created exactly as each tool creates them, on both
//! engines: what matched, what stops the adoption, and that `expand` then runs only the new
//! files.

mod sqlx;
mod sqlx_cli;
mod tools;

use crate::common::{bellows_on, migrations, Engine, TestDb};

/// A project that another tool migrated up to version 2; version 3 is new.
pub(super) const CREATE_USERS: &str =
    "CREATE TABLE users (id int PRIMARY KEY, name varchar(100));\n";
pub(super) const ADD_EMAIL: &str = "ALTER TABLE users ADD COLUMN email varchar(200);\n";
pub(super) const ADD_NOTE: &str = "ALTER TABLE users ADD COLUMN note varchar(200);\n";

pub(super) fn folder() -> tempfile::TempDir {
    migrations(&[
        ("1_create_users.sql", CREATE_USERS),
        ("2_add_email.sql", ADD_EMAIL),
        ("3_add_note.sql", ADD_NOTE),
    ])
}

/// What the other tool did to the schema: versions 1 and 2.
pub(super) async fn migrated_by_hand(db: &TestDb) {
    db.sql(CREATE_USERS).await;
    db.sql(ADD_EMAIL).await;
}

/// How many migrations bellows has recorded.
pub(super) async fn recorded(db: &TestDb) -> String {
    let sql = match db.engine {
        Engine::Postgres => "SELECT COUNT(*)::text FROM bellows.migrations",
        Engine::Mysql => "SELECT CAST(COUNT(*) AS CHAR) FROM bellows_migrations",
    };
    db.scalar(sql).await.unwrap_or_default()
}

/// After adopting 1 and 2, `expand` applies 3 only, and says so.
pub(super) async fn expand_runs_only_the_new_file(db: &TestDb, dir: &std::path::Path) {
    let (code, out, err) = bellows_on(db, dir, &["expand"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("expanded 3 add_note"), "{out}");
    assert!(
        !out.contains("create_users") && !out.contains("add_email"),
        "{out}"
    );
    let (code, out, err) = bellows_on(db, dir, &["status", "--check"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(recorded(db).await, "3");
}
