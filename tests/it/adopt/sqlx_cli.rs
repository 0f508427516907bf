//! The real sqlx-cli (`sqlx migrate run`) migrates the database, then bellows adopts it.
//! Needs the `sqlx` binary: `$BELLOWS_SQLX_CLI`, else `sqlx` on the PATH (install:
//! `cargo install sqlx-cli --version 0.8.6 --no-default-features --features postgres,mysql,native-tls --locked`).
//! Skipped with a loud message without it (CI included: sqlx-cli is not part of the
//! machine, and the other adopt tests write `_sqlx_migrations` exactly as sqlx-cli does).

use super::{expand_runs_only_the_new_file, folder, recorded};
use crate::common::{bellows_on, Engine, TestDb};
use std::process::Command;

fn sqlx_cli() -> Option<String> {
    let bin = std::env::var("BELLOWS_SQLX_CLI").unwrap_or_else(|_| "sqlx".into());
    // Bypass libtest's capture so the skip shows in CI logs.
    let found = Command::new(&bin)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr().lock(),
            "SKIPPED: no sqlx-cli (set BELLOWS_SQLX_CLI or put `sqlx` on the PATH)"
        );
    }
    found.then_some(bin)
}

async fn migrated_by_sqlx_cli(engine: Engine) {
    let Some(bin) = sqlx_cli() else { return };
    let db = TestDb::new(engine, "adopt_sqlx_cli").await;
    let dir = folder();
    let new_file = dir.path().join("3_add_note.sql");
    let kept = std::fs::read_to_string(&new_file).unwrap();
    std::fs::remove_file(&new_file).unwrap();
    let out = Command::new(bin)
        .args(["migrate", "run", "--source"])
        .arg(dir.path())
        .args(["--database-url", &db.url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(&new_file, kept).unwrap();
    let (code, out, err) = bellows_on(&db, dir.path(), &["adopt"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("1  create_users  matched: checksum equal"),
        "{out}"
    );
    assert!(
        out.contains("2  add_email     matched: checksum equal"),
        "{out}"
    );
    assert_eq!(recorded(&db).await, "2");
    expand_runs_only_the_new_file(&db, dir.path()).await;
}

#[tokio::test]
async fn sqlx_cli_postgres() {
    migrated_by_sqlx_cli(Engine::Postgres).await;
}

#[tokio::test]
async fn sqlx_cli_mysql() {
    migrated_by_sqlx_cli(Engine::Mysql).await;
}
