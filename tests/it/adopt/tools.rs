//! dbmate, golang-migrate, Rails, refinery and Flyway histories (each table as the tool
//! creates it), and `--baseline` for anything else.

use super::{expand_runs_only_the_new_file, folder, migrated_by_hand, recorded};
use crate::common::{bellows_on, Engine, TestDb};

/// The tool's DDL and rows saying versions 1 and 2 ran. The checksums are those the tools
/// record for `CREATE_USERS` and `ADD_EMAIL`, computed outside bellows: refinery's with std's
/// `DefaultHasher` (SipHash-1-3, zero keys) over name, version as i32 and SQL; Flyway's with
/// Python's `zlib.crc32` over the text without its line breaks, read as a signed int.
fn history(tool: &str, engine: Engine) -> Vec<String> {
    let pg = engine == Engine::Postgres;
    let v: Vec<&str> = match tool {
        "dbmate" => vec![
            "create table if not exists schema_migrations (version varchar(128) primary key)",
            "insert into schema_migrations (version) values ('1'), ('2')",
        ],
        "golang-migrate" => vec![
            "CREATE TABLE IF NOT EXISTS schema_migrations (version bigint not null primary key, dirty boolean not null)",
            "INSERT INTO schema_migrations (version, dirty) VALUES (2, false)",
        ],
        "rails" if pg => vec![
            "CREATE TABLE schema_migrations (version character varying NOT NULL PRIMARY KEY)",
            "CREATE TABLE ar_internal_metadata (key character varying NOT NULL PRIMARY KEY, value character varying, created_at timestamp(6) NOT NULL, updated_at timestamp(6) NOT NULL)",
            "INSERT INTO schema_migrations (version) VALUES ('1'), ('2')",
        ],
        "rails" => vec![
            "CREATE TABLE schema_migrations (version varchar(255) NOT NULL PRIMARY KEY)",
            "CREATE TABLE ar_internal_metadata (`key` varchar(255) NOT NULL PRIMARY KEY, value varchar(255), created_at datetime(6) NOT NULL, updated_at datetime(6) NOT NULL)",
            "INSERT INTO schema_migrations (version) VALUES ('1'), ('2')",
        ],
        "refinery" => vec![
            if pg {
                "CREATE TABLE IF NOT EXISTS refinery_schema_history( version INT4 PRIMARY KEY, name VARCHAR(255), applied_on VARCHAR(255), checksum VARCHAR(255))"
            } else {
                "CREATE TABLE IF NOT EXISTS refinery_schema_history( version INTEGER PRIMARY KEY, name VARCHAR(255), applied_on VARCHAR(255), checksum VARCHAR(255))"
            },
            "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES (1, 'create_users', '2024-05-01T10:00:00Z', '7542637154555581470'), (2, 'add_email', '2024-05-02T10:00:00Z', '12812728873258737938')",
        ],
        "flyway" => vec![
            if pg {
                r#"CREATE TABLE "flyway_schema_history" ("installed_rank" INT NOT NULL, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL, "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" INTEGER, "installed_by" VARCHAR(100) NOT NULL, "installed_on" TIMESTAMP NOT NULL DEFAULT now(), "execution_time" INTEGER NOT NULL, "success" BOOLEAN NOT NULL, CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank"))"#
            } else {
                "CREATE TABLE `flyway_schema_history` (`installed_rank` INT NOT NULL, `version` VARCHAR(50), `description` VARCHAR(200) NOT NULL, `type` VARCHAR(20) NOT NULL, `script` VARCHAR(1000) NOT NULL, `checksum` INT, `installed_by` VARCHAR(100) NOT NULL, `installed_on` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, `execution_time` INT NOT NULL, `success` BOOL NOT NULL, CONSTRAINT `flyway_schema_history_pk` PRIMARY KEY (`installed_rank`)) ENGINE=InnoDB"
            },
            "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES (1, '1', 'create users', 'SQL', 'V1__create_users.sql', -89234327, 'app', 12, true), (2, '2', 'add email', 'SQL', 'V2__add_email.sql', 928138173, 'app', 7, true), (3, NULL, 'views', 'SQL', 'R__views.sql', 99, 'app', 3, true)",
        ],
        other => panic!("no history for {other}"),
    };
    v.into_iter().map(str::to_string).collect()
}

async fn adopted_from(engine: Engine, tool: &str) {
    let db = TestDb::new(engine, &format!("adopt_{}", tool.replace('-', "_"))).await;
    let dir = folder();
    migrated_by_hand(&db).await;
    for sql in history(tool, engine) {
        db.sql(&sql).await;
    }
    let (code, out, err) = bellows_on(&db, dir.path(), &["adopt", "--format", "json"]);
    assert_eq!(code, 0, "{tool}: {out}\n{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["from"], tool, "detected: {out}");
    assert_eq!(
        report["recorded"],
        serde_json::json!([1, 2]),
        "{tool}: {out}"
    );
    assert_eq!(report["lines"][2]["verdict"], "pending", "{tool}: {out}");
    if matches!(tool, "refinery" | "flyway") {
        for line in 0..2 {
            let detail = report["lines"][line]["detail"].as_str().unwrap_or_default();
            assert!(detail.starts_with("checksum equal"), "{tool}: {out}");
        }
    }
    expand_runs_only_the_new_file(&db, dir.path()).await;
}

/// A file edited since refinery or Flyway ran it is reported as changed and stops the
/// adoption; for Flyway, line endings alone are no change (it reads lines).
async fn changed_file_found(engine: Engine, tool: &str) {
    let db = TestDb::new(engine, &format!("adopt_changed_{tool}")).await;
    let dir = folder();
    migrated_by_hand(&db).await;
    for sql in history(tool, engine) {
        db.sql(&sql).await;
    }
    let crlf = super::CREATE_USERS.replace('\n', "\r\n");
    std::fs::write(dir.path().join("1_create_users.sql"), crlf).unwrap();
    let edited = format!("{}-- edited after it ran\n", super::ADD_EMAIL);
    std::fs::write(dir.path().join("2_add_email.sql"), edited).unwrap();
    let (code, out, err) = bellows_on(&db, dir.path(), &["adopt", "--format", "json"]);
    assert_eq!(code, 1, "{tool}: {out}\n{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let first = if tool == "flyway" {
        "matched"
    } else {
        "changed"
    };
    assert_eq!(report["lines"][0]["verdict"], first, "{tool}: {out}");
    assert_eq!(report["lines"][1]["verdict"], "changed", "{tool}: {out}");
    let algorithm = if tool == "flyway" {
        "(CRC32 "
    } else {
        "(SipHash-1-3 "
    };
    let detail = report["lines"][1]["detail"].as_str().unwrap_or_default();
    assert!(detail.contains(algorithm), "{tool}: {detail}");
    assert_eq!(recorded(&db).await, "0");
}

#[tokio::test]
async fn refinery_changed_file_postgres() {
    changed_file_found(Engine::Postgres, "refinery").await;
}

#[tokio::test]
async fn refinery_changed_file_mysql() {
    changed_file_found(Engine::Mysql, "refinery").await;
}

#[tokio::test]
async fn flyway_changed_file_postgres() {
    changed_file_found(Engine::Postgres, "flyway").await;
}

#[tokio::test]
async fn flyway_changed_file_mysql() {
    changed_file_found(Engine::Mysql, "flyway").await;
}

macro_rules! tool_tests {
    ($($pg:ident, $my:ident => $tool:literal;)*) => {$(
        #[tokio::test]
        async fn $pg() {
            adopted_from(Engine::Postgres, $tool).await;
        }
        #[tokio::test]
        async fn $my() {
            adopted_from(Engine::Mysql, $tool).await;
        }
    )*};
}

tool_tests! {
    dbmate_postgres, dbmate_mysql => "dbmate";
    golang_migrate_postgres, golang_migrate_mysql => "golang-migrate";
    rails_postgres, rails_mysql => "rails";
    refinery_postgres, refinery_mysql => "refinery";
    flyway_postgres, flyway_mysql => "flyway";
}

async fn golang_migrate_dirty_and_no_history(engine: Engine) {
    let db = TestDb::new(engine, "adopt_dirty").await;
    let dir = folder();
    migrated_by_hand(&db).await;
    let (code, _, err) = bellows_on(&db, dir.path(), &["adopt"]);
    assert_eq!(code, 1, "no history: {err}");
    assert!(
        err.contains("no migration history found") && err.contains("--baseline VERSION"),
        "{err}"
    );
    db.sql("CREATE TABLE IF NOT EXISTS schema_migrations (version bigint not null primary key, dirty boolean not null)").await;
    db.sql("INSERT INTO schema_migrations (version, dirty) VALUES (2, true)")
        .await;
    let (code, out, err) = bellows_on(&db, dir.path(), &["adopt"]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        out.contains("golang-migrate recorded this run as failed"),
        "{out}"
    );
    assert_eq!(recorded(&db).await, "0");
    let (code, out, err) = bellows_on(&db, dir.path(), &["adopt", "--baseline", "2"]);
    assert_eq!(code, 0, "{out}\n{err}");
    insta::assert_snapshot!("baseline", out);
    expand_runs_only_the_new_file(&db, dir.path()).await;
}

#[tokio::test]
async fn dirty_then_baseline_postgres() {
    golang_migrate_dirty_and_no_history(Engine::Postgres).await;
}

#[tokio::test]
async fn dirty_then_baseline_mysql() {
    golang_migrate_dirty_and_no_history(Engine::Mysql).await;
}
