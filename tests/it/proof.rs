//! The zero-downtime proof, started (issue 6): an "old app" and a "new app" client — plain
//! tokio-postgres, not the code under test — read and write the whole time while a
//! rename-column recipe goes expand → new app starts → backfill → old app stops → gate →
//! contract. Neither client may see a single error, and every row either wrote must be
//! present and correct in the final schema.

use crate::common::{bellows, pg_client, Engine, TestDb};
use mysql_async::prelude::Queryable;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// What a client did: rows it wrote (id, value) and the errors it saw.
#[derive(Default)]
struct Log {
    written: Vec<(i64, String)>,
    errors: Vec<String>,
    operations: u64,
}

/// The MySQL twin of [`app`], on mysql_async.
async fn mysql_app(
    url: String,
    column: &'static str,
    tag: &'static str,
    stop: Arc<AtomicBool>,
) -> Log {
    let mut conn = mysql_async::Conn::from_url(url.as_str()).await.unwrap();
    let mut log = Log::default();
    let mut n = 0u64;
    while !stop.load(Ordering::SeqCst) {
        n += 1;
        let value = format!("{tag}-{n}@example.com");
        let updated = format!("{tag}-{n}-updated@example.com");
        let result = async {
            conn.exec_drop(
                format!("INSERT INTO users ({column}) VALUES (?)"),
                (value.as_str(),),
            )
            .await?;
            let id = i64::try_from(conn.last_insert_id().unwrap_or_default()).unwrap_or_default();
            conn.exec_drop(
                format!("UPDATE users SET {column} = ? WHERE id = ?"),
                (updated.as_str(), id),
            )
            .await?;
            let read: Option<String> = conn
                .exec_first(format!("SELECT {column} FROM users WHERE id = ?"), (id,))
                .await?;
            Ok::<_, mysql_async::Error>((id, read.unwrap_or_default()))
        }
        .await;
        log.operations += 3;
        match result {
            Ok((id, read)) if read == updated => log.written.push((id, updated)),
            Ok((id, read)) => log
                .errors
                .push(format!("row {id}: wrote {updated}, read {read}")),
            Err(e) => log.errors.push(e.to_string()),
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let _ = conn.disconnect().await;
    log
}

/// Insert, update and read back rows through `column` until `stop`.
async fn app(url: String, column: &'static str, tag: &'static str, stop: Arc<AtomicBool>) -> Log {
    let client = pg_client(&url).await;
    let mut log = Log::default();
    let mut n = 0u64;
    while !stop.load(Ordering::SeqCst) {
        n += 1;
        let value = format!("{tag}-{n}@example.com");
        let insert = format!("INSERT INTO users ({column}) VALUES ($1) RETURNING id");
        let result = async {
            let id: i64 = client.query_one(insert.as_str(), &[&value]).await?.get(0);
            let updated = format!("{tag}-{n}-updated@example.com");
            client
                .execute(
                    format!("UPDATE users SET {column} = $1 WHERE id = $2").as_str(),
                    &[&updated, &id],
                )
                .await?;
            let read: String = client
                .query_one(
                    format!("SELECT {column} FROM users WHERE id = $1").as_str(),
                    &[&id],
                )
                .await?
                .get(0);
            Ok::<_, tokio_postgres::Error>((id, updated, read))
        }
        .await;
        log.operations += 3;
        match result {
            Ok((id, updated, read)) if read == updated => log.written.push((id, updated)),
            Ok((id, updated, read)) => log
                .errors
                .push(format!("row {id}: wrote {updated}, read {read}")),
            Err(e) => log.errors.push(e.to_string()),
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    log
}

/// Start a client of the old (`email_address`) or new (`primary_email`) app version.
fn start(
    engine: Engine,
    url: &str,
    new_version: bool,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<Log> {
    let (column, tag) = if new_version {
        ("primary_email", "new")
    } else {
        ("email_address", "old")
    };
    match engine {
        Engine::Postgres => tokio::spawn(app(url.to_string(), column, tag, stop)),
        Engine::Mysql => tokio::spawn(mysql_app(url.to_string(), column, tag, stop)),
    }
}

async fn rename_column_with_both_app_versions_running(engine: Engine) {
    let db = TestDb::new(engine, "proof").await;
    let dialect = match engine {
        Engine::Postgres => {
            db.sql(
                "CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email_address text NOT NULL); \
                 INSERT INTO users (email_address) SELECT 'seed-' || g || '@example.com' FROM generate_series(1, 100000) g",
            )
            .await;
            "postgres"
        }
        Engine::Mysql => {
            db.sql("CREATE TABLE users (id bigint AUTO_INCREMENT PRIMARY KEY, email_address varchar(255) NOT NULL)").await;
            let digits = "(SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 \
                          UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)";
            db.sql(&format!(
                "INSERT INTO users (email_address) SELECT CONCAT('seed-', a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d, '@example.com') \
                 FROM {digits} a, {digits} b, {digits} c, {digits} e, {digits} f"
            ))
            .await;
            "mysql"
        }
    };
    let column_type = if engine == Engine::Postgres {
        "text"
    } else {
        "varchar(255)"
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap();
    let cli = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--database-url", db.url.as_str(), "--migrations", path]);
        let (code, out, err) = bellows(&all, dir.path());
        assert_eq!(code, 0, "{args:?}: {out}{err}");
    };
    let new = [
        "new",
        "rename",
        "--op",
        "rename-column",
        "users",
        "email_address",
        "primary_email",
        "--type",
        column_type,
    ];
    let more = [
        "--dialect",
        dialect,
        "--requires-app",
        ">=2.0.0",
        "--migrations",
        path,
    ];
    let (code, out, err) = bellows(&[&new[..], &more[..]].concat(), dir.path());
    assert_eq!(code, 0, "{out}{err}");

    let stop_old = Arc::new(AtomicBool::new(false));
    let stop_new = Arc::new(AtomicBool::new(false));
    let old = start(engine, &db.url, false, stop_old.clone());
    tokio::time::sleep(Duration::from_millis(300)).await;
    tokio::task::block_in_place(|| cli(&["expand"]));
    let new_app = start(engine, &db.url, true, stop_new.clone());
    tokio::time::sleep(Duration::from_millis(300)).await;
    tokio::task::block_in_place(|| cli(&["backfill"]));
    stop_old.store(true, Ordering::SeqCst);
    let old = old.await.unwrap();
    tokio::task::block_in_place(|| {
        cli(&["rollout", "record", "--app-version", "2.0.0"]);
        cli(&["contract"]);
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop_new.store(true, Ordering::SeqCst);
    let new_app = new_app.await.unwrap();

    assert!(
        old.errors.is_empty(),
        "the old app saw errors: {:?}",
        &old.errors[..old.errors.len().min(5)]
    );
    assert!(
        new_app.errors.is_empty(),
        "the new app saw errors: {:?}",
        &new_app.errors[..new_app.errors.len().min(5)]
    );
    assert!(
        old.operations > 30 && new_app.operations > 30,
        "both apps worked: {} / {}",
        old.operations,
        new_app.operations
    );
    for (id, value) in old.written.iter().chain(&new_app.written) {
        let got = db
            .scalar(&format!("SELECT primary_email FROM users WHERE id = {id}"))
            .await;
        assert_eq!(
            got.as_deref(),
            Some(value.as_str()),
            "row {id} survived correct"
        );
    }
    let missing = db
        .scalar(
            "SELECT CAST(COUNT(*) AS CHAR) FROM users WHERE primary_email IS NULL"
                .replace(
                    "AS CHAR",
                    if engine == Engine::Postgres {
                        "AS text"
                    } else {
                        "AS CHAR"
                    },
                )
                .as_str(),
        )
        .await;
    assert_eq!(
        missing.as_deref(),
        Some("0"),
        "every seeded row was carried over"
    );
    eprintln!(
        "{engine:?}: old app {} operations, new app {} operations, 0 errors",
        old.operations, new_app.operations
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rename_column_with_both_app_versions_running_postgres() {
    rename_column_with_both_app_versions_running(Engine::Postgres).await;
}

/// This test found that MariaDB refuses an INSERT omitting a NOT NULL column without a
/// default (1364) before BEFORE INSERT triggers run; the MySQL recipe now gives the old
/// column a default in the expand phase.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rename_column_with_both_app_versions_running_mariadb() {
    rename_column_with_both_app_versions_running(Engine::Mysql).await;
}
