//! The folder and its order: a pending migration older than an applied one is refused
//! unless allowed, and a folder that shares nothing with the database is refused.

use crate::common::{bellows_on, migrations, Engine, TestDb};

const CREATE_B: &str = "CREATE TABLE b (id int PRIMARY KEY);\n";
const CREATE_A: &str = "CREATE TABLE a (id int PRIMARY KEY);\n";

async fn late_merge_is_refused_unless_allowed(engine: Engine) {
    let db = TestDb::new(engine, "order").await;
    let dir = migrations(&[("2_create_b.sql", CREATE_B)]);
    let (code, out, err) = bellows_on(&db, dir.path(), &["expand"]);
    assert_eq!(code, 0, "{out}{err}");
    std::fs::write(dir.path().join("1_create_a.sql"), CREATE_A).unwrap();
    let (code, out, err) = bellows_on(&db, dir.path(), &["expand"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("migration 1 is pending but the later migration 2 is already applied"),
        "{err}"
    );
    assert!(err.contains("--allow-out-of-order"), "{err}");
    // MariaDB's information_schema spans every database (the foreign-folder test creates its
    // own `a` at the same time); PostgreSQL's is this database's.
    let exists = if engine == Engine::Postgres {
        "SELECT CAST(COUNT(*) AS CHAR) FROM information_schema.tables WHERE table_name = 'a'"
    } else {
        "SELECT CAST(COUNT(*) AS CHAR) FROM information_schema.tables WHERE table_name = 'a' AND table_schema = DATABASE()"
    };
    assert_eq!(
        db.scalar(exists).await.as_deref(),
        Some("0"),
        "nothing applied"
    );
    let (code, out, err) = bellows_on(&db, dir.path(), &["status"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("out of order"), "{out}");
    let (code, out, err) = bellows_on(&db, dir.path(), &["expand", "--allow-out-of-order"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(db.scalar(exists).await.as_deref(), Some("1"));
}

async fn a_foreign_folder_is_refused(engine: Engine) {
    let db = TestDb::new(engine, "foreign").await;
    let dir = migrations(&[("1_create_a.sql", CREATE_A), ("2_create_b.sql", CREATE_B)]);
    let (code, out, err) = bellows_on(&db, dir.path(), &["expand"]);
    assert_eq!(code, 0, "{out}{err}");
    let other = migrations(&[]);
    for command in ["expand", "contract"] {
        let (code, out, err) = bellows_on(&db, other.path(), &[command]);
        assert_eq!(code, 1, "{command}: {out}{err}");
        assert!(
            err.contains("the database has 2 applied migration(s), none of them among the 0 migration file(s)"),
            "{command}: {err}"
        );
        assert!(err.contains("--migrations DIR"), "{err}");
    }
}

#[tokio::test]
async fn postgres_late_merge_is_refused_unless_allowed() {
    late_merge_is_refused_unless_allowed(Engine::Postgres).await;
}

#[tokio::test]
async fn mariadb_late_merge_is_refused_unless_allowed() {
    late_merge_is_refused_unless_allowed(Engine::Mysql).await;
}

#[tokio::test]
async fn postgres_foreign_folder_is_refused() {
    a_foreign_folder_is_refused(Engine::Postgres).await;
}

#[tokio::test]
async fn mariadb_foreign_folder_is_refused() {
    a_foreign_folder_is_refused(Engine::Mysql).await;
}
