//! The contract's preflight: a contract whose statements would fail on the data as it is
//! (NULLs before NOT NULL, orphans before a foreign key, duplicates before a unique key) is
//! refused before anything changes, with the count, and goes through once the data is fixed.

use crate::common::{bellows_on, migrations, Engine, TestDb};
use std::path::Path;

/// `bellows new NAME --op OP ARGS...` into `dir`.
fn recipe(db: &TestDb, dir: &Path, args: &[&str]) {
    let dialect = match db.engine {
        Engine::Postgres => "postgres",
        Engine::Mysql => "mariadb",
    };
    let all = [args, &["--requires-app", "1.0.0", "--dialect", dialect][..]].concat();
    let (code, out, err) = crate::common::bellows(
        &[&["new"][..], &all, &["--migrations", dir.to_str().unwrap()]].concat(),
        dir,
    );
    assert_eq!(code, 0, "{out}{err}");
}

fn contract(db: &TestDb, dir: &Path) -> (i32, String, String) {
    bellows_on(db, dir, &["contract"])
}

#[tokio::test]
async fn postgres_add_not_null_over_nulls_is_refused_before_anything_changes() {
    let db = TestDb::new(Engine::Postgres, "pre_nn").await;
    db.sql("CREATE TABLE users (id int PRIMARY KEY, name text)")
        .await;
    db.sql("INSERT INTO users VALUES (1, 'a'), (2, NULL), (3, NULL)")
        .await;
    let dir = migrations(&[]);
    recipe(
        &db,
        dir.path(),
        &["name_required", "--op", "add-not-null", "users", "name"],
    );
    for step in [
        &["expand"][..],
        &["rollout", "record", "--app-version", "1.0.0"],
    ] {
        let (code, out, err) = bellows_on(&db, dir.path(), step);
        assert_eq!(code, 0, "{out}{err}");
    }
    let (code, out, err) = contract(&db, dir.path());
    assert_eq!(code, 1, "{out}{err}");
    let said = format!("{out}{err}");
    assert!(
        said.contains("2 rows of \"users\" fail CHECK (\"name\" IS NOT NULL)"),
        "{said}"
    );
    assert!(said.contains("nothing was changed"), "{said}");
    let constraints = db
        .scalar("SELECT CAST(count(*) AS text) FROM pg_constraint WHERE conrelid = 'users'::regclass AND contype = 'c'")
        .await;
    assert_eq!(
        constraints.as_deref(),
        Some("0"),
        "no NOT VALID check left behind"
    );
    db.sql("UPDATE users SET name = '?' WHERE name IS NULL")
        .await;
    let (code, out, err) = contract(&db, dir.path());
    assert_eq!(code, 0, "{out}{err}");
    let nullable = db
        .scalar("SELECT is_nullable FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'name'")
        .await;
    assert_eq!(nullable.as_deref(), Some("NO"));
}

#[tokio::test]
async fn mariadb_add_foreign_key_over_orphans_is_refused_before_anything_changes() {
    let db = TestDb::new(Engine::Mysql, "pre_fk").await;
    db.sql("CREATE TABLE accounts (id int PRIMARY KEY)").await;
    db.sql("CREATE TABLE users (id int PRIMARY KEY, account_id int)")
        .await;
    db.sql("INSERT INTO accounts VALUES (1)").await;
    db.sql("INSERT INTO users VALUES (1, 1), (2, 7), (3, NULL)")
        .await;
    let dir = migrations(&[]);
    recipe(
        &db,
        dir.path(),
        &[
            "users_account",
            "--op",
            "add-foreign-key",
            "users",
            "account_id",
            "accounts",
            "id",
        ],
    );
    for step in [
        &["expand"][..],
        &["rollout", "record", "--app-version", "1.0.0"],
    ] {
        let (code, out, err) = bellows_on(&db, dir.path(), step);
        assert_eq!(code, 0, "{out}{err}");
    }
    let (code, out, err) = contract(&db, dir.path());
    assert_eq!(code, 1, "{out}{err}");
    let said = format!("{out}{err}");
    assert!(
        said.contains(
            "1 rows of `users` have a (`account_id`) with no matching row in `accounts` (orphans)"
        ),
        "{said}"
    );
    let fks = db
        .scalar("SELECT CAST(count(*) AS CHAR) FROM information_schema.table_constraints WHERE table_schema = DATABASE() AND constraint_type = 'FOREIGN KEY'")
        .await;
    assert_eq!(fks.as_deref(), Some("0"), "no foreign key over orphans");
    db.sql("INSERT INTO accounts VALUES (7)").await;
    let (code, out, err) = contract(&db, dir.path());
    assert_eq!(code, 0, "{out}{err}");
    let fks = db
        .scalar("SELECT CAST(count(*) AS CHAR) FROM information_schema.table_constraints WHERE table_schema = DATABASE() AND constraint_type = 'FOREIGN KEY'")
        .await;
    assert_eq!(fks.as_deref(), Some("1"));
}

#[tokio::test]
async fn mariadb_unique_over_duplicates_is_refused() {
    let db = TestDb::new(Engine::Mysql, "pre_uq").await;
    db.sql("CREATE TABLE t (id int PRIMARY KEY, email varchar(50))")
        .await;
    db.sql("INSERT INTO t VALUES (1, 'a'), (2, 'a'), (3, 'b'), (4, NULL), (5, NULL)")
        .await;
    let file = "-- bellows:expand\nSELECT 1;\n-- bellows:contract\nALTER TABLE t ADD UNIQUE INDEX t_email (email);\n";
    let dir = migrations(&[("1_unique_email.sql", file)]);
    let (code, out, err) = bellows_on(&db, dir.path(), &["expand"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = contract(&db, dir.path());
    assert_eq!(code, 1, "{out}{err}");
    let said = format!("{out}{err}");
    assert!(
        said.contains("1 key values of (email) repeat in t (")
            && said.contains("1_unique_email.sql:4)"),
        "{said}"
    );
    db.sql("DELETE FROM t WHERE id = 2").await;
    let (code, out, err) = contract(&db, dir.path());
    assert_eq!(code, 0, "NULLs are not duplicates: {out}{err}");
}

async fn dropping_a_column_whose_replacement_lacks_its_constraints(engine: Engine) {
    let db = TestDb::new(engine, "pre_loss").await;
    db.sql("CREATE TABLE t (id int PRIMARY KEY, email varchar(50) NOT NULL)")
        .await;
    db.sql("CREATE UNIQUE INDEX t_email ON t (email)").await;
    db.sql("INSERT INTO t VALUES (1, 'a'), (2, 'b')").await;
    let file = "-- bellows:expand\nALTER TABLE t ADD COLUMN mail varchar(50);\n\
                -- bellows:backfill table=t key=id\nUPDATE t SET mail = email WHERE mail IS NULL;\n\
                -- bellows:contract\nALTER TABLE t DROP COLUMN email;\n";
    let dir = migrations(&[("1_rename_email.sql", file)]);
    for step in ["expand", "backfill"] {
        let (code, out, err) = bellows_on(&db, dir.path(), &[step]);
        assert_eq!(code, 0, "{out}{err}");
    }
    let (code, out, err) = contract(&db, dir.path());
    assert_eq!(code, 1, "{out}{err}");
    let said = format!("{out}{err}");
    assert!(
        said.contains("loses its NOT NULL and UNIQUE: its replacement mail does not have it"),
        "{said}"
    );
    assert!(said.contains("--force 1"), "{said}");
    let (code, out, err) = bellows_on(&db, dir.path(), &["contract", "1", "--force"]);
    assert_eq!(code, 0, "forced: {out}{err}");
}

#[tokio::test]
async fn postgres_dropping_a_column_whose_replacement_lacks_its_constraints_is_refused() {
    dropping_a_column_whose_replacement_lacks_its_constraints(Engine::Postgres).await;
}

#[tokio::test]
async fn mariadb_dropping_a_column_whose_replacement_lacks_its_constraints_is_refused() {
    dropping_a_column_whose_replacement_lacks_its_constraints(Engine::Mysql).await;
}
