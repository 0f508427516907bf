//! The zero-downtime proof, started (issue 6): an "old app" and a "new app" client — plain
//! tokio-postgres, not the code under test — read and write the whole time while a
//! rename-column recipe goes expand → new app starts → backfill → old app stops → gate →
//! contract. Neither client may see a single error, and every row either wrote must be
//! present and correct in the final schema.

use crate::common::{bellows, pg_client, Engine, TestDb};
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rename_column_with_both_app_versions_running_postgres() {
    let db = TestDb::new(Engine::Postgres, "proof").await;
    db.sql(
        "CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email_address text NOT NULL); \
         INSERT INTO users (email_address) SELECT 'seed-' || g || '@example.com' FROM generate_series(1, 100000) g",
    )
    .await;
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
        "text",
    ];
    let (code, out, err) = bellows(
        &[
            &new[..],
            &["--requires-app", ">=2.0.0", "--migrations", path],
        ]
        .concat(),
        dir.path(),
    );
    assert_eq!(code, 0, "{out}{err}");

    let stop_old = Arc::new(AtomicBool::new(false));
    let stop_new = Arc::new(AtomicBool::new(false));
    let old = tokio::spawn(app(
        db.url.clone(),
        "email_address",
        "old",
        stop_old.clone(),
    ));
    tokio::time::sleep(Duration::from_millis(300)).await;
    tokio::task::block_in_place(|| cli(&["expand"]));
    let new_app = tokio::spawn(app(
        db.url.clone(),
        "primary_email",
        "new",
        stop_new.clone(),
    ));
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
    let client = pg_client(&db.url).await;
    for (id, value) in old.written.iter().chain(&new_app.written) {
        let row = client
            .query_one("SELECT primary_email FROM users WHERE id = $1", &[id])
            .await
            .unwrap();
        let got: Option<String> = row.get(0);
        assert_eq!(
            got.as_deref(),
            Some(value.as_str()),
            "row {id} survived correct"
        );
    }
    let missing: i64 = client
        .query_one(
            "SELECT count(*) FROM users WHERE primary_email IS NULL",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(missing, 0, "every seeded row was carried over");
    eprintln!(
        "old app: {} operations, new app: {} operations, 0 errors",
        old.operations, new_app.operations
    );
}
