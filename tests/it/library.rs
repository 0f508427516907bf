//! bellows as an application uses it: from the app's own pool, `status()` polled by a
//! health endpoint on the pool's session (PostgreSQL) or one kept connection (MySQL), and the example app of `examples/shop-app`
//! built the way docs/library.md says (a broken embedded migration fails its build).

use crate::common::{migrations, Engine, TestDb};
use bellows::migration::load_dir;
use bellows::Bellows;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The server sessions on the test database (but the asking one), as a sorted list.
async fn sessions(db: &TestDb) -> Vec<String> {
    let sql = match db.engine {
        Engine::Postgres => format!(
            "SELECT string_agg(pid::text, ',' ORDER BY pid) FROM pg_stat_activity WHERE datname = '{}' AND pid <> pg_backend_pid()",
            db.name
        ),
        Engine::Mysql => format!(
            "SELECT GROUP_CONCAT(ID ORDER BY ID) FROM information_schema.PROCESSLIST WHERE DB = '{}' AND ID <> CONNECTION_ID()",
            db.name
        ),
    };
    let list = db.scalar(&sql).await.unwrap_or_default();
    list.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

async fn from_the_pool_status_keeps_one_connection(engine: Engine) {
    let db = TestDb::new(engine, "lib_pool").await;
    let dir = migrations(&[("1_a.sql", "CREATE TABLE a (id int PRIMARY KEY);\n")]);
    let files = load_dir(dir.path(), engine.dialect()).unwrap();
    // The pools stay open for the whole test, as an app's would.
    let (mut pg, mut my) = (None, None);
    let app = match engine {
        Engine::Postgres => {
            let pool = pg.insert(sqlx::PgPool::connect(&db.url).await.unwrap());
            Bellows::from_pg_pool(pool, files).unwrap()
        }
        Engine::Mysql => {
            let pool = my.insert(sqlx::MySqlPool::connect(&db.url).await.unwrap());
            Bellows::from_mysql_pool(pool, files).unwrap()
        }
    };
    assert_eq!(app.apply_expand().await.unwrap().len(), 1);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    match engine {
        Engine::Postgres => pool_sessions_are_borrowed(&db, &app).await,
        Engine::Mysql => one_kept_session(&db, &app).await,
    }
    drop((pg, my));
}

/// MySQL: the pool is not borrowed from; `status()` keeps one connection between calls.
async fn one_kept_session(db: &TestDb, app: &Bellows) {
    let before = sessions(db).await;
    assert_eq!(
        app.status().await.unwrap()[0].next,
        bellows::engine::Next::Done
    );
    let kept = sessions(db).await;
    let reader: Vec<&String> = kept.iter().filter(|id| !before.contains(id)).collect();
    // A session closed just before may still be listed for a moment (MariaDB's process
    // list): what matters is that later calls open none.
    assert!(
        (1..=2).contains(&reader.len()),
        "status keeps its connection: {before:?} then {kept:?}"
    );
    for _ in 0..5 {
        let status = app.status().await.unwrap();
        assert_eq!(status[0].next, bellows::engine::Next::Done);
    }
    let after = sessions(db).await;
    assert!(
        reader.iter().any(|id| after.contains(id))
            && after
                .iter()
                .all(|id| before.contains(id) || kept.contains(id)),
        "five more calls, the same session and no new one: {kept:?} then {after:?}"
    );
}

/// PostgreSQL: what takes no lock borrows the pool's sessions, so no session of bellows'
/// own (named `bellows`) is opened by `status()` or by a registered instance's heartbeat.
async fn pool_sessions_are_borrowed(db: &TestDb, app: &Bellows) {
    let own =
        "SELECT CAST(count(*) AS text) FROM pg_stat_activity WHERE application_name = 'bellows'";
    let own = format!("{own} AND datname = '{}'", db.name);
    assert_eq!(db.scalar(&own).await.as_deref(), Some("0"));
    for _ in 0..6 {
        let status = app.status().await.unwrap();
        assert_eq!(status[0].next, bellows::engine::Next::Done);
        assert_eq!(db.scalar(&own).await.as_deref(), Some("0"), "status");
    }
    let instance = app.register_instance("shop", "1.0.0").await.unwrap();
    assert_eq!(db.scalar(&own).await.as_deref(), Some("0"), "register");
    instance.deregister().await.unwrap();
    let stopped =
        "SELECT CAST(count(*) AS text) FROM bellows.app_instances WHERE stopped_at IS NOT NULL";
    assert_eq!(db.scalar(stopped).await.as_deref(), Some("1"));
}

#[tokio::test]
async fn from_the_pool_status_keeps_one_connection_postgres() {
    from_the_pool_status_keeps_one_connection(Engine::Postgres).await;
}

#[tokio::test]
async fn from_the_pool_status_keeps_one_connection_mariadb() {
    from_the_pool_status_keeps_one_connection(Engine::Mysql).await;
}

/// Where the example app builds: beside the crate's own target dir, kept between runs.
fn app_target() -> PathBuf {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(&tmp).join("shop-app")
}

fn cargo_build(manifest: &Path) -> (bool, String) {
    let target = app_target();
    let out = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--manifest-path"])
        .arg(manifest)
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The example app builds, starts against a real database (applies its expand phases,
/// registers, deregisters), and a copy with a broken migration fails `cargo build` naming
/// the file and line.
#[tokio::test]
async fn the_example_app_builds_runs_and_refuses_a_broken_migration() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let app = root.join("examples/shop-app");
    let (ok, err) = cargo_build(&app.join("Cargo.toml"));
    assert!(ok, "{err}");
    let db = TestDb::new(Engine::Postgres, "shop_app").await;
    let binary = app_target().join("debug/shop-app");
    let out = Command::new(binary)
        .env("DATABASE_URL", &db.url)
        .env("SHOP_EXIT_AFTER_START", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("applied 20261101090000 create_users"),
        "{stdout}"
    );
    assert!(stdout.contains("deregistered"), "{stdout}");

    let copy = tempfile::tempdir().unwrap();
    for dir in ["src", "migrations"] {
        std::fs::create_dir(copy.path().join(dir)).unwrap();
        for entry in std::fs::read_dir(app.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, copy.path().join(dir).join(path.file_name().unwrap())).unwrap();
        }
    }
    std::fs::copy(app.join("build.rs"), copy.path().join("build.rs")).unwrap();
    std::fs::copy(app.join("Cargo.lock"), copy.path().join("Cargo.lock")).unwrap();
    let manifest = std::fs::read_to_string(app.join("Cargo.toml"))
        .unwrap()
        .replace(
            "path = \"../..\"",
            &format!("path = {:?}", root.display().to_string()),
        );
    std::fs::write(copy.path().join("Cargo.toml"), manifest).unwrap();
    std::fs::write(
        copy.path().join("migrations/20261201090000_broken.sql"),
        "-- bellows:expand\nALTER TABLE users ADD COLUMN x int;\nBEGIN;\n",
    )
    .unwrap();
    let (ok, err) = cargo_build(&copy.path().join("Cargo.toml"));
    assert!(!ok, "a broken migration fails the build");
    assert!(
        err.contains("migrations/20261201090000_broken.sql:3:"),
        "the build names the file and line: {err}"
    );
}

/// A migration with only a contract phase is marked expanded, but `apply_expand` does not
/// report it as applied (it ran nothing).
async fn a_contract_only_migration_is_not_reported(engine: Engine) {
    let db = TestDb::new(engine, "lib_contract_only").await;
    db.sql("CREATE TABLE old_t (id int PRIMARY KEY)").await;
    let dir = migrations(&[("1_drop.sql", "-- bellows:contract\nDROP TABLE old_t;\n")]);
    let app = Bellows::connect(&db.url, load_dir(dir.path(), engine.dialect()).unwrap()).unwrap();
    let applied = app.apply_expand().await.unwrap();
    assert!(applied.is_empty(), "{applied:?}");
    let status = app.status().await.unwrap();
    assert!(
        matches!(status[0].next, bellows::engine::Next::Contract { .. }),
        "{:?}",
        status[0].next
    );
}

#[tokio::test]
async fn a_contract_only_migration_is_not_reported_postgres() {
    a_contract_only_migration_is_not_reported(Engine::Postgres).await;
}

#[tokio::test]
async fn a_contract_only_migration_is_not_reported_mariadb() {
    a_contract_only_migration_is_not_reported(Engine::Mysql).await;
}
