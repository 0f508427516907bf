//! Settings from bellows.toml, overridden by flags and the environment; sqlx file pairs.

use super::{column_exists, table_exists};
use crate::common::{bellows, bellows_env, migrations, Engine, TestDb};

#[tokio::test]
async fn bellows_toml_names_the_url_variable_and_the_folder() {
    let db = TestDb::new(Engine::Postgres, "toml").await;
    let project = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(project.path().join("db/migrations")).unwrap();
    std::fs::write(
        project.path().join("db/migrations/1_a.sql"),
        "CREATE TABLE a (id int);",
    )
    .unwrap();
    std::fs::write(
        project.path().join("bellows.toml"),
        "database_url_env = \"APP_DB_URL\"\nmigrations = \"db/migrations\"\nlock_timeout = \"1s\"\nlock_retries = 3\n",
    )
    .unwrap();
    let (code, _, err) = bellows(&["expand"], project.path());
    assert_eq!(code, 2);
    assert!(
        err.contains("set APP_DB_URL"),
        "the message names the configured variable: {err}"
    );
    let (code, out, err) = bellows_env(&["expand"], project.path(), &[("APP_DB_URL", &db.url)]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(table_exists(&db, "a").await);

    // A flag wins over the config file.
    let other = migrations(&[("2_b.sql", "CREATE TABLE b (id int);")]);
    let (code, _, err) = bellows_env(
        &["plan", "--migrations", other.path().to_str().unwrap()],
        project.path(),
        &[("APP_DB_URL", &db.url)],
    );
    assert_eq!(code, 0, "{err}");

    std::fs::write(
        project.path().join("bellows.toml"),
        "lock_timout = \"1s\"\n",
    )
    .unwrap();
    let (code, _, err) = bellows(&["status"], project.path());
    assert_eq!(code, 2);
    assert!(err.contains("unknown field `lock_timout`"), "{err}");

    std::fs::write(
        project.path().join("bellows.toml"),
        "lock_timeout = \"soon\"\n",
    )
    .unwrap();
    let (code, _, err) = bellows_env(
        &["status", "--migrations", "db/migrations"],
        project.path(),
        &[("DATABASE_URL", &db.url)],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("lock timeout = \"soon\" is not a duration"),
        "{err}"
    );
}

#[tokio::test]
async fn sqlx_up_down_pairs_are_expand_and_down() {
    let db = TestDb::new(Engine::Mysql, "sqlxpair").await;
    let dir = migrations(&[
        ("1_create_a.up.sql", "CREATE TABLE a (id int PRIMARY KEY);"),
        ("1_create_a.down.sql", "DROP TABLE a;"),
        ("2_add_b.up.sql", "ALTER TABLE a ADD COLUMN b int;"),
        ("2_add_b.down.sql", "ALTER TABLE a DROP COLUMN b;"),
    ]);
    let path = dir.path().to_str().unwrap();
    let (code, out, err) = bellows(
        &["expand", "--database-url", &db.url, "--migrations", path],
        dir.path(),
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(column_exists(&db, "a", "b").await);
    let (code, out, err) = bellows(
        &[
            "abort",
            "2",
            "--database-url",
            &db.url,
            "--migrations",
            path,
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(!column_exists(&db, "a", "b").await);
    assert!(table_exists(&db, "a").await);
}
