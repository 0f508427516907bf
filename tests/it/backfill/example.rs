//! The example rename (`migrations-example/`, PostgreSQL and MySQL twins) end to end through
//! the binary: rows written before the rename, `up` (expand and backfill), the contract
//! refused until the backfill is done, then contracted with every address kept.

use super::number;
use crate::common::{bellows, Engine, TestDb};
use std::path::PathBuf;

const RENAME: &str = "20261110090000_rename_users_email_address.sql";

async fn rename_end_to_end(engine: Engine) {
    let db = TestDb::new(engine, "bf_example").await;
    let example = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("migrations-example");
    let example = if engine == Engine::Mysql {
        example.join("mysql")
    } else {
        example
    };
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&example).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() && path.file_name().unwrap() != RENAME {
            std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    let cwd = std::env::temp_dir();
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend([
            "--database-url",
            &db.url,
            "--migrations",
            dir.path().to_str().unwrap(),
        ]);
        bellows(&all, &cwd)
    };
    let (code, out, err) = run(&["expand"]);
    assert_eq!(code, 0, "{out}{err}");
    // The example's seed migration, then 5,000 more.
    let seeded = number(&db, "SELECT CAST(count(*) AS CHAR) FROM users").await;
    assert_eq!(seeded, 50_000);
    let rows = seeded + 5_000;
    let insert = match engine {
        Engine::Postgres => "INSERT INTO users (email_address) SELECT 'late' || g || '@example.com' FROM generate_series(1, 5000) g".to_string(),
        Engine::Mysql => "INSERT INTO users (email_address) SELECT CONCAT('late', a.id, '-', b.id, '@example.com') FROM \
                          (SELECT 1 AS id UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5) a, \
                          (SELECT seq AS id FROM seq_1_to_1000) b".to_string(),
    };
    db.sql(&insert).await;
    std::fs::copy(example.join(RENAME), dir.path().join(RENAME)).unwrap();

    let (code, out, err) = run(&["expand"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, err) = run(&["rollout", "record", "--app-version", "2.4.0"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(&["contract"]);
    assert_eq!(code, 1, "contract waits for the backfill: {err}");
    assert!(err.contains("backfill has not completed"), "{err}");

    let (code, out, err) = run(&["up", "--format", "json"]);
    assert_eq!(code, 0, "{out}{err}");
    let summary: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(summary["backfills"][0]["rows"], rows, "{out}");
    assert!(
        out.lines().any(|l| l.contains("\"event\":\"batch\"")),
        "{out}"
    );

    let (code, out, _) = run(&["status"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("backfilled") && out.contains(&format!("[backfilled {rows} rows]")),
        "{out}"
    );

    let (code, out, err) = run(&["contract"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("contracted 20261110090000"), "{out}");
    let missing = number(&db, "SELECT CAST(count(*) AS CHAR) FROM users WHERE primary_email NOT LIKE '%@example.com' OR primary_email IS NULL").await;
    assert_eq!(missing, 0);
    assert_eq!(
        number(&db, "SELECT CAST(count(*) AS CHAR) FROM users").await,
        rows
    );
    // The rename keeps what email_address had: NOT NULL and UNIQUE.
    let schema = match engine {
        Engine::Postgres => "current_schema()",
        Engine::Mysql => "DATABASE()",
    };
    let nullable = number(
        &db,
        &format!(
            "SELECT CAST(count(*) AS CHAR) FROM information_schema.columns WHERE table_schema = {schema} \
             AND table_name = 'users' AND column_name = 'primary_email' AND is_nullable = 'YES'"
        ),
    )
    .await;
    assert_eq!(nullable, 0, "primary_email is NOT NULL");
    let taken = db
        .try_sql(
            "INSERT INTO users (primary_email) SELECT primary_email FROM users ORDER BY id LIMIT 1",
        )
        .await;
    let taken = taken.expect_err("a duplicate email is refused");
    assert!(taken.to_lowercase().contains("duplicate"), "{taken}");
    let null = db
        .try_sql("INSERT INTO users (primary_email) VALUES (NULL)")
        .await;
    let null = null.expect_err("a NULL email is refused");
    assert!(null.contains("null") || null.contains("NULL"), "{null}");
}

#[tokio::test]
async fn postgres_example_rename_expand_backfill_contract() {
    rename_end_to_end(Engine::Postgres).await;
}

#[tokio::test]
async fn mariadb_example_rename_expand_backfill_contract() {
    rename_end_to_end(Engine::Mysql).await;
}
