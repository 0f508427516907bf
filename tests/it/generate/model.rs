//! `bellows new` against the schema (issue 12's done-when): `rename-column users email
//! primary_email` with no `--type` or `--placeholder`, from a database URL and offline from
//! the folder, on both engines; after expand, backfill and contract the new column is still
//! UNIQUE and NOT NULL (a duplicate and a NULL insert both fail).

use crate::common::{bellows, bellows_on, migrations, Engine, TestDb};

fn create_users(engine: Engine) -> String {
    let t = match engine {
        Engine::Postgres => "text",
        Engine::Mysql => "varchar(255)",
    };
    format!("CREATE TABLE users (id bigint PRIMARY KEY, email {t} NOT NULL UNIQUE)")
}

/// Expand, backfill, record the rollout, contract; then the new column refuses a duplicate
/// and a NULL, and the old one is gone.
async fn cycle_keeps_unique_and_not_null(db: &TestDb, dir: &std::path::Path) {
    db.sql("INSERT INTO users (id, email) VALUES (1, 'a@example.com'), (2, 'b@example.com')")
        .await;
    for cmd in [
        &["expand"][..],
        &["backfill"],
        &["rollout", "record", "--app-version", "2.0.0"],
        &["contract"],
    ] {
        let (code, out, err) = bellows_on(db, dir, cmd);
        assert_eq!(code, 0, "{:?} {cmd:?}: {out}{err}", db.engine);
    }
    let dup = db
        .try_sql("INSERT INTO users (id, primary_email) VALUES (3, 'a@example.com')")
        .await;
    assert!(
        dup.is_err(),
        "{:?}: a duplicate primary_email inserted",
        db.engine
    );
    let null = db
        .try_sql("INSERT INTO users (id, primary_email) VALUES (4, NULL)")
        .await;
    assert!(
        null.is_err(),
        "{:?}: a NULL primary_email inserted",
        db.engine
    );
    let old = db.try_sql("SELECT email FROM users").await;
    assert!(old.is_err(), "{:?}: the old column is gone", db.engine);
    db.sql("INSERT INTO users (id, primary_email) VALUES (5, 'c@example.com')")
        .await;
}

fn new_args(dir: &str) -> Vec<&str> {
    vec![
        "new",
        "rename",
        "--op",
        "rename-column",
        "users",
        "email",
        "primary_email",
        "--requires-app",
        "2.0.0",
        "--migrations",
        dir,
    ]
}

async fn from_the_database(engine: Engine) {
    let db = TestDb::new(engine, "new_live").await;
    db.sql(&create_users(engine)).await;
    let dir = migrations(&[]);
    let path = dir.path().to_str().unwrap();
    let mut args = new_args(path);
    args.extend(["--database-url", db.url.as_str()]);
    let (code, out, err) = bellows(&args, dir.path());
    assert_eq!(code, 0, "{out}{err}");
    let file = std::fs::read_dir(dir.path())
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let text = std::fs::read_to_string(file.path()).unwrap();
    if engine == Engine::Mysql {
        assert!(
            text.contains("`primary_email`"),
            "written for MySQL: {text}"
        );
    }
    cycle_keeps_unique_and_not_null(&db, dir.path()).await;
}

async fn offline_from_the_folder(engine: Engine) {
    let db = TestDb::new(engine, "new_offline").await;
    let create = format!("-- bellows:expand\n{};\n", create_users(engine));
    let dir = migrations(&[("20200101000000_users.sql", &create)]);
    let path = dir.path().to_str().unwrap();
    let (code, out, err) = bellows_on(&db, dir.path(), &["expand"]);
    assert_eq!(code, 0, "{out}{err}");
    let mut args = new_args(path);
    if engine == Engine::Mysql {
        args.extend(["--dialect", "mariadb"]);
    }
    let (code, out, err) = bellows(&args, dir.path());
    assert_eq!(code, 0, "{out}{err}");
    cycle_keeps_unique_and_not_null(&db, dir.path()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rename_from_the_database_postgres() {
    from_the_database(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rename_from_the_database_mariadb() {
    from_the_database(Engine::Mysql).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rename_offline_from_the_folder_postgres() {
    offline_from_the_folder(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rename_offline_from_the_folder_mariadb() {
    offline_from_the_folder(Engine::Mysql).await;
}

/// A database URL of one engine and `--dialect` of the other: refused, nothing written.
#[tokio::test]
async fn a_dialect_that_contradicts_the_database_is_refused() {
    let db = TestDb::new(Engine::Mysql, "new_dialect").await;
    db.sql(&create_users(Engine::Mysql)).await;
    let dir = migrations(&[]);
    let mut args = new_args(dir.path().to_str().unwrap());
    args.extend(["--database-url", db.url.as_str(), "--dialect", "postgres"]);
    let (code, _, err) = bellows(&args, dir.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("does not match the database"), "{err}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
