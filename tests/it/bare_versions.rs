//! `requires-app="2.0.0"` is `>=2.0.0`: an app rolled out at 3.1.0 opens the gate (semver
//! alone reads `^2.0.0`, which 3.1.0 never matches), and `bellows new --requires-app 2.0.0`
//! writes `>=2.0.0`.

use crate::common::{bellows, bellows_on, Engine, TestDb};

async fn a_bare_version_is_opened_by_a_later_major(engine: Engine) {
    let db = TestDb::new(engine, "bare").await;
    db.sql("CREATE TABLE users (id bigint PRIMARY KEY, points int)")
        .await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap();
    let dialect = match engine {
        Engine::Postgres => "postgres",
        Engine::Mysql => "mysql",
    };
    let (code, out, err) = bellows(
        &[
            "new",
            "drop_points",
            "--op",
            "drop-column",
            "users",
            "points",
            "--dialect",
            dialect,
            "--migrations",
            path,
            "--requires-app",
            "2.0.0",
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{out}{err}");
    let file = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().ends_with(".sql"))
        .expect("the generated file")
        .path();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("-- bellows:contract requires-app=\">=2.0.0\""),
        "a bare version is written as >=:\n{text}"
    );
    // A hand-written file with the bare version means the same.
    std::fs::write(&file, text.replace("\">=2.0.0\"", "\"2.0.0\"")).unwrap();

    let (code, out, err) = bellows_on(&db, dir.path(), &["expand"]);
    assert_eq!(code, 0, "expand: {out}{err}");
    let (code, out, err) = bellows_on(
        &db,
        dir.path(),
        &["rollout", "record", "--app-version", "1.9.0"],
    );
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = bellows_on(&db, dir.path(), &["contract"]);
    assert_ne!(code, 0, "1.9.0 does not satisfy 2.0.0: {out}{err}");
    let (code, out, err) = bellows_on(
        &db,
        dir.path(),
        &["rollout", "record", "--app-version", "3.1.0"],
    );
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = bellows_on(&db, dir.path(), &["contract"]);
    assert_eq!(
        code, 0,
        "an app at 3.1.0 opens a requires-app=\"2.0.0\" gate: {out}{err}"
    );
    let gone = match engine {
        Engine::Postgres => "SELECT count(*)::text FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'points'",
        Engine::Mysql => "SELECT CAST(count(*) AS CHAR) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'users' AND column_name = 'points'",
    };
    assert_eq!(
        db.scalar(gone).await.as_deref(),
        Some("0"),
        "the contract ran"
    );
}

#[tokio::test]
async fn bare_requires_app_is_at_least_postgres() {
    a_bare_version_is_opened_by_a_later_major(Engine::Postgres).await;
}

#[tokio::test]
async fn bare_requires_app_is_at_least_mariadb() {
    a_bare_version_is_opened_by_a_later_major(Engine::Mysql).await;
}
