//! Every generated recipe is valid SQL on the real servers: its expand phase applies, and then
//! its contract (recipes without a backfill) or its down section runs.

use crate::common::{bellows, Engine, TestDb};

mod model;

const SCHEMA: &str = "CREATE TABLE accounts (id bigint PRIMARY KEY); \
    CREATE TABLE users (id bigint PRIMARY KEY, email_address varchar(200), name varchar(100), points int, account_id bigint); \
    INSERT INTO accounts VALUES (1); \
    INSERT INTO users VALUES (1, 'a@example.com', 'a', 1, 1), (2, 'b@example.com', NULL, 2, 1)";

/// (op arguments, has a backfill)
fn recipes() -> Vec<(Vec<&'static str>, bool)> {
    vec![
        (
            vec![
                "--op",
                "rename-column",
                "users",
                "email_address",
                "primary_email",
                "--type",
                "varchar(200)",
            ],
            true,
        ),
        (
            vec!["--op", "change-type", "users", "points", "bigint"],
            true,
        ),
        (
            vec![
                "--op",
                "add-not-null",
                "users",
                "name",
                "--default",
                "'?'",
                "--type",
                "varchar(100)",
            ],
            true,
        ),
        (
            vec![
                "--op",
                "add-foreign-key",
                "users",
                "account_id",
                "accounts",
                "id",
            ],
            false,
        ),
        (vec!["--op", "add-unique", "users", "email_address"], false),
        (vec!["--op", "add-index", "users", "name", "points"], false),
        (
            vec![
                "--op",
                "add-not-null",
                "users",
                "points",
                "--default",
                "0",
                "--current-default",
                "7",
                "--type",
                "int",
            ],
            true,
        ),
        (vec!["--op", "drop-column", "users", "points"], false),
        (
            vec![
                "--op",
                "drop-column",
                "users",
                "name",
                "--placeholder",
                "''",
            ],
            false,
        ),
        (vec!["--op", "rename-table", "accounts", "tenants"], false),
    ]
}

async fn every_recipe_applies(engine: Engine) {
    let dialect = if engine == Engine::Postgres {
        "postgres"
    } else {
        "mysql"
    };
    for (args, has_backfill) in recipes() {
        let db = TestDb::new(engine, "recipe").await;
        db.sql(SCHEMA).await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_str().unwrap();
        generate_into(dialect, path, &args);
        let db_args = ["--database-url", db.url.as_str(), "--migrations", path];
        let run = |cmd: &[&str]| bellows(&[cmd, &db_args[..]].concat(), dir.path());
        let (code, out, err) = run(&["expand"]);
        assert_eq!(code, 0, "{args:?} expand: {out}{err}");
        if has_backfill {
            let (code, out, err) = run(&["abort", &version(path)]);
            assert_eq!(code, 0, "{args:?} down: {out}{err}");
        } else {
            assert_eq!(run(&["rollout", "record", "--app-version", "2.0.0"]).0, 0);
            let (code, out, err) = run(&["contract"]);
            assert_eq!(code, 0, "{args:?} contract: {out}{err}");
        }
        let count_sql = match engine {
            Engine::Postgres => "SELECT COUNT(*)::text FROM users",
            Engine::Mysql => "SELECT CAST(COUNT(*) AS CHAR) FROM users",
        };
        let count = db.scalar(count_sql).await;
        assert_eq!(count.as_deref(), Some("2"), "{args:?}: no row lost");
    }
}

/// `bellows new recipe ARGS` for `dialect` into `path`, gated on app 2.0.0.
fn generate_into(dialect: &str, path: &str, args: &[&str]) {
    let mut new = vec![
        "new",
        "recipe",
        "--dialect",
        dialect,
        "--migrations",
        path,
        "--requires-app",
        ">=2.0.0",
    ];
    new.extend(args);
    let (code, out, err) = bellows(&new, std::path::Path::new(path));
    assert_eq!(code, 0, "{args:?}: {out}{err}");
}

fn version(dir: &str) -> String {
    let name = std::fs::read_dir(dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name();
    name.to_string_lossy()
        .split('_')
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn every_recipe_applies_postgres() {
    every_recipe_applies(Engine::Postgres).await;
}

#[tokio::test]
async fn every_recipe_applies_mariadb() {
    every_recipe_applies(Engine::Mysql).await;
}

#[test]
fn refused_recipes_write_nothing_and_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap();
    let args = [
        "new",
        "r",
        "--op",
        "rename-column",
        "t",
        "a",
        "b",
        "--type",
        "datetime",
        "--dialect",
        "mysql",
        "--requires-app",
        ">=2.0.0",
        "--migrations",
        path,
    ];
    let (code, _, err) = bellows(&args, dir.path());
    assert_eq!(
        code, 2,
        "no placeholder is derived for a datetime column on MySQL"
    );
    assert!(err.contains("--placeholder"), "{err}");
    let (code, _, err) = bellows(
        &[
            "new",
            "d",
            "--op",
            "drop-column",
            "t",
            "c",
            "--migrations",
            path,
        ],
        dir.path(),
    );
    assert_eq!(
        code, 2,
        "a contract that removes what old apps use needs a gate"
    );
    assert!(err.contains("needs --requires-app"), "{err}");
    let using = [
        "new",
        "c",
        "--op",
        "change-type",
        "t",
        "c",
        "bigint",
        "--using",
        "{} * 100",
        "--requires-app",
        ">=2.0.0",
        "--migrations",
        path,
    ];
    let (code, _, err) = bellows(&using, dir.path());
    assert_eq!(code, 2);
    assert!(err.contains("--reverse"), "{err}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing written"
    );
}

#[test]
fn every_recipe_lints_clean() {
    for dialect in ["postgres", "mysql", "mariadb"] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_str().unwrap();
        for (args, _) in recipes() {
            generate_into(dialect, path, &args);
        }
        let (code, out, err) = bellows(&["lint", "--dialect", dialect, path], dir.path());
        assert_eq!(
            code, 0,
            "{dialect}: generated recipes must lint clean:\n{out}{err}"
        );
        assert!(
            out.contains(&format!("in {} file(s)", recipes().len())),
            "{out}"
        );
    }
}

#[test]
fn arguments_are_checked_against_the_op() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap();
    let new = |args: &[&str]| {
        let mut all = vec![
            "new",
            "n",
            "--requires-app",
            ">=2.0.0",
            "--migrations",
            path,
        ];
        all.extend(args);
        bellows(&all, dir.path())
    };
    let (code, _, err) = new(&["--op", "rename-column", "users", "a", "--type", "text"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("required arguments were not provided") && err.contains("<NEW>"),
        "{err}"
    );
    let (code, _, err) = new(&["--op", "rename-column", "users", "a", "b"]);
    assert_eq!(
        code, 2,
        "no table users in the (empty) folder, and no --type"
    );
    assert!(
        err.contains("no table users in the migrations folder") && err.contains("--type TYPE"),
        "{err}"
    );
    let (code, _, err) = new(&["--op", "add-index", "users", "a", "--placeholder", "0"]);
    assert_eq!(code, 2, "an option another op declares");
    assert!(err.contains("unexpected argument '--placeholder'"), "{err}");
    let (code, _, err) = new(&["--op", "rename-table", "a", "b", "c"]);
    assert_eq!(code, 2);
    assert!(err.contains("unexpected argument 'c'"), "{err}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing written"
    );
    let (code, out, err) = bellows(&["new", "--help"], dir.path());
    assert_eq!(code, 0, "{err}");
    for line in [
        "rename-column:   TABLE OLD NEW [--type TYPE]",
        "add-index:       TABLE COLUMNS...",
    ] {
        assert!(
            out.contains(line),
            "--help lists the ops and their arguments: {out}"
        );
    }
}
