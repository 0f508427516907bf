//! Replication throttles against real replicas (private set-ups of `crate::replication`):
//! lag made by pausing a standby's replay (PostgreSQL) or holding a replica's SQL thread
//! (MariaDB), a replica whose replication is stopped, broken or whose server is down. `bellows
//! backfill` runs as a process: it pauses naming the replica (password redacted), touches
//! no row while the lag or the outage lasts, and finishes once replication is back.

use super::{items, items_migration, number, verdict};
use crate::common::{bellows_on, migrations, pg_client, Engine, TestDb};
use crate::replication::{my_exec, my_row, my_text, wait_until, MariaPair, PgPair};
use bellows::db::{DatabaseUrl, Replication};
use mysql_async::prelude::Queryable;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ROWS: u64 = 3_000;
/// The password of the replica's watching user: must never be printed.
const PASSWORD: &str = "pw-S3cret-71";
/// How long a test keeps replication held back after the first pause.
const HOLD: Duration = Duration::from_secs(3);

/// `bellows ARGS --database-url <url> --migrations <dir>` running in the background, its
/// output collected as it comes; killed on drop if still running.
struct Running {
    child: Option<Child>,
    out: Arc<Mutex<String>>,
    err: Arc<Mutex<String>>,
}

impl Running {
    fn spawn(url: &str, dir: &Path, args: &[&str]) -> Running {
        let mut child = Command::new(env!("CARGO_BIN_EXE_bellows"))
            .args(args)
            .args(["--database-url", url, "--migrations"])
            .arg(dir)
            .current_dir(dir)
            .env_remove("DATABASE_URL")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let collect = |stream: Box<dyn Read + Send>| {
            let text = Arc::new(Mutex::new(String::new()));
            let sink = Arc::clone(&text);
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let mut sink = sink.lock().unwrap();
                    sink.push_str(&line);
                    sink.push('\n');
                }
            });
            text
        };
        let out = collect(Box::new(child.stdout.take().unwrap()));
        let err = collect(Box::new(child.stderr.take().unwrap()));
        Running {
            child: Some(child),
            out,
            err,
        }
    }

    fn output(&self) -> String {
        format!("{}{}", self.out.lock().unwrap(), self.err.lock().unwrap())
    }

    /// Wait until the output (stdout and stderr) contains `text`, the run still going.
    async fn wait_for(&mut self, text: &str) {
        wait_until(&format!("`{text}` in the output"), || {
            assert!(self.running(), "ended before `{text}`:\n{}", self.output());
            let found = self.output().contains(text);
            async move { found }
        })
        .await;
    }

    fn running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| c.try_wait().unwrap().is_none())
    }

    /// Wait for the exit (60 s at most); the exit code, stdout and stderr.
    async fn finish(mut self) -> (i32, String, String) {
        let started = Instant::now();
        let mut child = self.child.take().unwrap();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                panic!("bellows did not finish: {}", self.output());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        // The collecting threads end at end of file, just after the exit.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let out = self.out.lock().unwrap().clone();
        let err = self.err.lock().unwrap().clone();
        (status.code().unwrap_or(-1), out, err)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The `--format json` events of a run.
fn events(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

/// The reasons of the pauses before the first batch; asserts that the run finished.
fn pauses_before_first_batch(stdout: &str) -> Vec<String> {
    let events = events(stdout);
    assert!(events.iter().any(|e| e["event"] == "finished"), "{stdout}");
    events
        .iter()
        .take_while(|e| e["event"] != "batch")
        .filter(|e| e["event"] == "paused")
        .map(|e| e["reason"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Let the run finish (exit 0) and check that it paused at least twice before its first
/// batch, each time for the lag of `source` above the 1 s maximum; its stdout and stderr.
async fn finished_after_lag_pauses(run: Running, source: &str) -> (String, String) {
    let (code, out, err) = run.finish().await;
    assert_eq!(code, 0, "{out}{err}");
    let pauses = pauses_before_first_batch(&out);
    assert!(
        pauses.len() >= 2
            && pauses.iter().all(
                |r| r.starts_with(&format!("replication lag of {source} is "))
                    && r.ends_with(", above 1s")
            ),
        "{pauses:?}"
    );
    (out, err)
}

async fn rows_touched(db: &TestDb) -> i64 {
    number(
        db,
        "SELECT CAST(count(*) AS CHAR) FROM items WHERE touched > 0",
    )
    .await
}

/// A table of `ROWS` items on `db` and its migration, expanded; the migrations folder.
async fn expanded(db: &TestDb) -> tempfile::TempDir {
    items(db, ROWS).await;
    let dir = migrations(&[("1_fill.sql", &items_migration(db.engine, ""))]);
    let (code, out, err) = bellows_on(db, dir.path(), &["expand"]);
    assert_eq!(code, 0, "{out}{err}");
    dir
}

async fn pg_exec(url: &str, sql: &str) {
    pg_client(url)
        .await
        .batch_execute(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

#[tokio::test]
async fn postgres_standby_replay_lag_pauses_backfill() {
    let Some(pair) = PgPair::start().await else {
        return;
    };
    let (primary, standby) = (
        format!("{}/postgres", pair.primary),
        format!("{}/postgres", pair.standby),
    );
    // The standby stops replaying: what the primary writes from here on is lag.
    pg_exec(&standby, "SELECT pg_wal_replay_pause()").await;
    let db = TestDb::on(Engine::Postgres, &pair.primary, "bf_pg_lag").await;
    let dir = expanded(&db).await;
    wait_until("the standby's replay_lag to pass 1.5 s", || async {
        pg_client(&primary)
            .await
            .query_one(
                "SELECT coalesce(max(replay_lag) > interval '1.5 s', false) FROM pg_stat_replication",
                &[],
            )
            .await
            .unwrap()
            .get::<_, bool>(0)
    })
    .await;

    let mut run = Running::spawn(
        &db.url,
        dir.path(),
        &["backfill", "--max-replica-lag", "1s", "--format", "json"],
    );
    run.wait_for("replication lag of standby walreceiver (127.0.0.1)")
        .await;
    tokio::time::sleep(HOLD).await;
    assert!(run.running(), "finished while the standby lagged");
    assert_eq!(rows_touched(&db).await, 0);
    pg_exec(&standby, "SELECT pg_wal_replay_resume()").await;

    let (_, err) = finished_after_lag_pauses(run, "standby walreceiver (127.0.0.1)").await;
    // The pauses are said once, as events on stdout; the log does not repeat them.
    assert!(!err.contains("pausing"), "{err}");
    assert_eq!(verdict(&db).await, (0, 1, ROWS as i64));
}

/// What the primary's `pg_stat_replication` shows, read through the library: a caught-up
/// standby is no lag; a role that may not see the lag is refused; a stopped standby vanishes
/// and is no longer watched, which `--pause-while` can guard against.
#[tokio::test]
async fn postgres_standbys_are_seen_from_the_primary() {
    let Some(pair) = PgPair::start().await else {
        return;
    };
    let primary = format!("{}/postgres", pair.primary);
    let read = |url: String| async move {
        let mut db = bellows::db::connect(&DatabaseUrl::parse(&url).unwrap())
            .await
            .unwrap();
        db.replication().await
    };
    let streaming = read(primary.clone()).await.unwrap();
    assert!(
        matches!(streaming, Replication::Lag { .. }),
        "{streaming:?}"
    );
    pg_exec(
        &primary,
        &format!("CREATE ROLE app LOGIN PASSWORD '{PASSWORD}'"),
    )
    .await;
    let app = primary.replace(
        "postgres://postgres@",
        &format!("postgres://app:{PASSWORD}@"),
    );
    let refused = read(app.clone()).await.unwrap_err().to_string();
    assert!(
        refused.contains("cannot see the replication lag of the 1 standby(s)")
            && refused.contains("grant it pg_monitor"),
        "{refused}"
    );
    pg_exec(&primary, "GRANT pg_monitor TO app").await;
    assert!(matches!(read(app).await.unwrap(), Replication::Lag { .. }));

    pair.stop_standby();
    wait_until("the standby to leave pg_stat_replication", || async {
        matches!(read(primary.clone()).await, Ok(Replication::None))
    })
    .await;
    let db = TestDb::on(Engine::Postgres, &pair.primary, "bf_pg_gone").await;
    let dir = expanded(&db).await;
    let mut run = Running::spawn(
        &db.url,
        dir.path(),
        &[
            "backfill",
            "--pause-while",
            "SELECT count(*) = 0 FROM pg_stat_replication",
            "--format",
            "json",
        ],
    );
    run.wait_for("the health query says pause").await;
    tokio::time::sleep(HOLD).await;
    assert!(run.running(), "finished while the standby was away");
    assert_eq!(rows_touched(&db).await, 0);
    pair.start_standby().await;

    let (code, out, err) = run.finish().await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(!pauses_before_first_batch(&out).is_empty(), "{out}");
    assert_eq!(verdict(&db).await, (0, 1, ROWS as i64));
}

/// A MariaDB pair with a database of `ROWS` items (expanded) replicated to the replica, and
/// a user `watcher` (password [`PASSWORD`]) that may read the replica's status.
async fn maria_set_up(label: &str) -> Option<(MariaPair, TestDb, tempfile::TempDir)> {
    let pair = MariaPair::start().await?;
    let db = TestDb::on(Engine::Mysql, &pair.primary, label).await;
    let dir = expanded(&db).await;
    for sql in [
        format!("CREATE USER 'watcher'@'%' IDENTIFIED BY '{PASSWORD}'"),
        format!("GRANT SELECT ON {}.* TO 'watcher'@'%'", db.name),
        "GRANT SLAVE MONITOR ON *.* TO 'watcher'@'%'".to_string(),
    ] {
        my_exec(&pair.primary, &sql).await;
    }
    pair.wait_caught_up().await;
    Some((pair, db, dir))
}

/// `mysql://watcher:PASSWORD@host:port/db` on the server at `server`, and how it is shown.
fn watcher(server: &str, db: &TestDb) -> (String, String) {
    let at = server.trim_start_matches("mysql://root@");
    (
        format!("mysql://watcher:{PASSWORD}@{at}/{}", db.name),
        format!("mysql://watcher:***@{at}/{}", db.name),
    )
}

#[tokio::test]
async fn mariadb_replica_lag_pauses_backfill() {
    let Some((pair, db, dir)) = maria_set_up("bf_my_lag").await else {
        return;
    };
    let (replica, shown) = watcher(&pair.replica, &db);
    // The migrations' user may not read the primary's own replication status.
    for sql in [
        format!("CREATE USER 'app'@'%' IDENTIFIED BY '{PASSWORD}'"),
        format!("GRANT ALL ON {}.* TO 'app'@'%'", db.name),
    ] {
        my_exec(&pair.primary, &sql).await;
    }
    let app = db
        .url
        .replace("mysql://root@", &format!("mysql://app:{PASSWORD}@"));
    // A global read lock on the replica holds its SQL thread at the next replicated write.
    let mut lock = mysql_async::Conn::from_url(pair.replica.as_str())
        .await
        .unwrap();
    lock.query_drop("FLUSH TABLES WITH READ LOCK")
        .await
        .unwrap();
    db.sql("CREATE TABLE lag_marker (x int)").await;
    wait_until("Seconds_Behind_Master to reach 2", || async {
        my_row(&pair.replica, "SHOW SLAVE STATUS")
            .await
            .and_then(|r| r.get_opt::<Option<u64>, _>("Seconds_Behind_Master")?.ok())
            .flatten()
            .is_some_and(|s| s >= 2)
    })
    .await;

    let mut run = Running::spawn(
        &app,
        dir.path(),
        &[
            "backfill",
            "--replica",
            &replica,
            "--max-replica-lag",
            "1s",
            "--format",
            "json",
        ],
    );
    run.wait_for(&format!("replication lag of replica {shown} is "))
        .await;
    tokio::time::sleep(HOLD).await;
    assert!(run.running(), "finished while the replica lagged");
    assert_eq!(rows_touched(&db).await, 0);
    lock.query_drop("UNLOCK TABLES").await.unwrap();

    let (out, err) = finished_after_lag_pauses(run, &format!("replica {shown}")).await;
    // The pauses are events on stdout (checked above), not repeated in the log.
    assert!(
        !err.contains(&format!("replication lag of replica {shown}"))
            && err.contains(
                "cannot read the database server's own replication status, not watching it"
            ),
        "{err}"
    );
    assert!(
        !out.contains(PASSWORD) && !err.contains(PASSWORD),
        "{out}{err}"
    );
    assert_eq!(verdict(&db).await, (0, 1, ROWS as i64));
    // And the replica applied every batch.
    pair.wait_caught_up().await;
    let wrong_on_replica = my_text(
        &pair.replica,
        &format!(
            "SELECT CAST(count(*) AS CHAR) FROM {}.items WHERE new_val IS NULL OR new_val <> old_val * 2 OR touched <> 1",
            db.name
        ),
    )
    .await;
    assert_eq!(wrong_on_replica.as_deref(), Some("0"));
}

#[tokio::test]
async fn mariadb_broken_or_unreachable_replica_pauses_backfill() {
    let Some((mut pair, db, dir)) = maria_set_up("bf_my_broken").await else {
        return;
    };
    let (replica, shown) = watcher(&pair.replica, &db);
    let read = || async {
        bellows::db::connect(&DatabaseUrl::parse(&replica).unwrap())
            .await
            .unwrap()
            .replication()
            .await
            .unwrap()
    };
    db.sql("CREATE TABLE clash (id int PRIMARY KEY)").await;
    pair.wait_caught_up().await;
    my_exec(&pair.replica, "STOP SLAVE SQL_THREAD").await;
    assert_eq!(
        read().await,
        Replication::Stopped(
            "Slave_IO_Running Yes, Slave_SQL_Running No, Seconds_Behind_Master NULL".into()
        )
    );
    // A row only the replica has: replicating the primary's copy fails and stops the thread.
    let replica_db = format!("{}/{}", pair.replica, db.name);
    my_exec(&replica_db, "INSERT INTO clash VALUES (1)").await;
    db.sql("INSERT INTO clash VALUES (1)").await;
    my_exec(&pair.replica, "START SLAVE SQL_THREAD").await;
    wait_until("the replica to fail on the duplicate row", || async {
        matches!(read().await, Replication::Stopped(s) if s.contains("Duplicate entry '1'"))
    })
    .await;

    // The default --max-replica-lag (10 s): only the broken replication can pause. Both
    // workers hold back, not just the one that read the replica's status.
    let mut run = Running::spawn(
        &db.url,
        dir.path(),
        &[
            "backfill",
            "--replica",
            &replica,
            "--workers",
            "2",
            "--format",
            "json",
        ],
    );
    run.wait_for(&format!(
        "replication is not running on replica {shown}: Slave_IO_Running Yes, Slave_SQL_Running No, Seconds_Behind_Master NULL (last error: "
    ))
    .await;
    tokio::time::sleep(HOLD).await;
    assert!(run.running(), "finished while replication was broken");
    assert_eq!(rows_touched(&db).await, 0);
    // Repaired, but the replica's server goes away: still paused, connecting again fails
    // until it is back (and replicating by itself).
    my_exec(&replica_db, "DELETE FROM clash").await;
    pair.stop_replica();
    run.wait_for(&format!(
        "cannot read the replication status of replica {shown}: cannot connect to {shown}: "
    ))
    .await;
    assert_eq!(rows_touched(&db).await, 0);
    pair.start_replica();

    let (code, out, err) = run.finish().await;
    assert_eq!(code, 0, "{out}{err}");
    let pauses = pauses_before_first_batch(&out);
    let broken = pauses.iter().position(|r| {
        r.starts_with(&format!("replication is not running on replica {shown}"))
            && r.contains("Duplicate entry '1'")
    });
    let unreachable = pauses.iter().position(|r| {
        r.starts_with(&format!(
            "cannot read the replication status of replica {shown}"
        ))
    });
    assert!(
        broken.is_some_and(|b| unreachable.is_some_and(|u| b < u)),
        "{pauses:?}"
    );
    assert!(
        !out.contains(PASSWORD) && !err.contains(PASSWORD),
        "{out}{err}"
    );
    assert_eq!(verdict(&db).await, (0, 1, ROWS as i64));
}

#[tokio::test]
async fn replicas_that_cannot_be_watched_are_refused_before_any_row() {
    let Some((pair, db, dir)) = maria_set_up("bf_my_refused").await else {
        return;
    };
    my_exec(
        &pair.primary,
        &format!("CREATE USER 'blind'@'%' IDENTIFIED BY '{PASSWORD}'"),
    )
    .await;
    my_exec(
        &pair.primary,
        &format!("GRANT SELECT ON {}.* TO 'blind'@'%'", db.name),
    )
    .await;
    pair.wait_caught_up().await;
    let (not_a_replica, not_a_replica_shown) = watcher(&pair.primary, &db);
    let (replica, _) = watcher(&pair.replica, &db);
    let blind = replica.replace("watcher:", "blind:");
    let blind_shown = format!("{}***@", &blind[..blind.find(PASSWORD).unwrap()]);
    let postgres = format!("postgres://app:{PASSWORD}@127.0.0.1:5432/app");
    for (url, expected) in [
        (
            not_a_replica.as_str(),
            format!("replica {not_a_replica_shown} is not a replica"),
        ),
        (
            blind.as_str(),
            format!("cannot read the replication status of replica {blind_shown}"),
        ),
        (
            postgres.as_str(),
            "replica postgres://app:***@127.0.0.1:5432/app: PostgreSQL standbys are watched from the primary"
                .to_string(),
        ),
    ] {
        let (code, out, err) = bellows_on(&db, dir.path(), &["backfill", "--replica", url]);
        assert_eq!(code, 2, "{out}{err}");
        assert!(err.contains(&expected), "{expected}\n{err}");
        assert!(!out.contains(PASSWORD) && !err.contains(PASSWORD), "{out}{err}");
    }
    assert_eq!(rows_touched(&db).await, 0);
}
