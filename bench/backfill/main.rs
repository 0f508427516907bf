//! Backfill benchmark (not a test, not in CI). On two identical tables of N rows (default
//! 5,000,000), each loaded the same way, it runs, while a client does point reads and updates
//! of random rows of the table being worked on at a steady rate (default 500/s):
//! 1. the single-statement `UPDATE` a naive migration would run, on one table;
//! 2. `bellows up` with a default backfill section doing the same, on the other;
//! 3. on PostgreSQL, when the `reshape` binary (crates.io) is installed, reshape's
//!    `add_column` with an `up` expression, on a third.
//!
//! Each method gets a fresh table: a second pass over the same rows costs more than the
//! first (their pages are fuller), which would favour whichever ran first.
//!
//! and prints rows/s of each, the ratio 2/1, the longest batch, and the client's p50 / p99 /
//! max latency idle and during each.
//!
//! ```text
//! cargo build --release --bin bellows
//! cargo run --release --example bench_backfill -- postgres 5000000 [CLIENT_OPS_PER_SEC]
//! cargo run --release --example bench_backfill -- mariadb 1000000
//! ```
//! Servers: `BENCH_PG` (default postgres://postgres@127.0.0.1:5432) and `BENCH_MYSQL`
//! (default mysql://root@127.0.0.1:3306); the binary: `BELLOWS_BIN` (default
//! target/release/bellows); directives added to the backfill marker (e.g.
//! `max-rows-per-sec=50000`): `BENCH_DIRECTIVES`.

use mysql_async::prelude::Queryable;
use rand::Rng;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

const DB: &str = "bellows_bench";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Engine {
    Postgres,
    Mariadb,
}

fn server(engine: Engine) -> String {
    match engine {
        Engine::Postgres => std::env::var("BENCH_PG")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into()),
        Engine::Mariadb => {
            std::env::var("BENCH_MYSQL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
        }
    }
}

/// Run statements (one per entry) on `url`.
async fn sql(engine: Engine, url: &str, statements: &[&str]) {
    match engine {
        Engine::Postgres => {
            let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .expect("connect");
            tokio::spawn(conn);
            for s in statements {
                client
                    .batch_execute(s)
                    .await
                    .unwrap_or_else(|e| panic!("{s}: {e}"));
            }
        }
        Engine::Mariadb => {
            let mut conn = mysql_async::Conn::from_url(url).await.expect("connect");
            for s in statements {
                conn.query_drop(*s)
                    .await
                    .unwrap_or_else(|e| panic!("{s}: {e}"));
            }
            conn.disconnect().await.expect("disconnect");
        }
    }
}

/// Connections of the client's pool.
const CONNECTIONS: u32 = 4;

/// When the measured work ended: requests due after it are not sent.
type StopAt = Arc<OnceLock<Instant>>;

/// Requests waiting for a free connection of the pool: when each was due.
type Queue = Arc<tokio::sync::Mutex<tokio::sync::mpsc::UnboundedReceiver<Instant>>>;

/// An open-loop schedule: request `i` is due at `start + i * every`, whatever happened to
/// the earlier ones. A latency is measured from when the request was due, not from when a
/// connection got round to it, so a request stuck behind a lock is charged for its wait and
/// so are the requests that queued while every connection was busy — as a real app's would
/// be (no coordinated omission).
struct Pacer {
    start: Instant,
    every: Duration,
    sent: u32,
}

impl Pacer {
    /// When the next request is due (waiting for it), or `None` once it is due after `stop`.
    async fn next(&mut self, stop: &StopAt) -> Option<Instant> {
        let due = self.start + self.every * self.sent;
        self.sent += 1;
        let past = |stop: &StopAt| stop.get().is_some_and(|at| due >= *at);
        if past(stop) {
            return None;
        }
        tokio::time::sleep_until(due.into()).await;
        (!past(stop)).then_some(due)
    }
}

/// Point reads and updates of random rows, `rate` requests per second served by a pool of
/// [`CONNECTIONS`] connections (a request waits for a free one), until `stop` is set; every
/// request's latency (failed ones included, e.g. a lock wait timeout) and the number that
/// failed.
async fn client(
    engine: Engine,
    url: String,
    table: &'static str,
    rows: u64,
    rate: u64,
    stop: StopAt,
) -> (Vec<(bool, Duration)>, u64) {
    let (send, queue) = tokio::sync::mpsc::unbounded_channel();
    let queue: Queue = Arc::new(tokio::sync::Mutex::new(queue));
    let mut pacer = Pacer {
        start: Instant::now(),
        every: Duration::from_secs_f64(1.0 / rate.max(1) as f64),
        sent: 0,
    };
    let schedule = tokio::spawn(async move {
        while let Some(due) = pacer.next(&stop).await {
            if send.send(due).is_err() {
                break;
            }
        }
    });
    let pool: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            tokio::spawn(connection(
                engine,
                url.clone(),
                table,
                rows,
                Arc::clone(&queue),
            ))
        })
        .collect();
    schedule.await.expect("client schedule");
    let mut all = (Vec::new(), 0);
    for c in pool {
        let (latencies, failed) = c.await.expect("client connection");
        all.0.extend(latencies);
        all.1 += failed;
    }
    all
}

/// One connection of the client's pool: serves queued requests until the queue closes.
async fn connection(
    engine: Engine,
    url: String,
    table: &'static str,
    rows: u64,
    queue: Queue,
) -> (Vec<(bool, Duration)>, u64) {
    let mut latencies = Vec::new();
    let mut failed = 0;
    let pick = move || {
        let mut r = rand::thread_rng();
        (
            r.gen_bool(0.5),
            i64::try_from(r.gen_range(1..=rows)).unwrap_or(1),
        )
    };
    match engine {
        Engine::Postgres => {
            let (c, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .expect("connect");
            tokio::spawn(conn);
            let read = c
                .prepare(&format!("SELECT pad FROM {table} WHERE id = $1"))
                .await
                .expect("prepare");
            let write = c
                .prepare(&format!("UPDATE {table} SET hits = hits + 1 WHERE id = $1"))
                .await
                .expect("prepare");
            while let Some(due) = next(&queue).await {
                let (is_read, id) = pick();
                let ok = if is_read {
                    c.query(&read, &[&id]).await.is_ok()
                } else {
                    c.execute(&write, &[&id]).await.is_ok()
                };
                failed += u64::from(!ok);
                latencies.push((is_read, due.elapsed()));
            }
        }
        Engine::Mariadb => {
            let mut c = mysql_async::Conn::from_url(url).await.expect("connect");
            while let Some(due) = next(&queue).await {
                let (is_read, id) = pick();
                let ok = if is_read {
                    c.exec_first::<String, _, _>(
                        format!("SELECT pad FROM {table} WHERE id = ?"),
                        (id,),
                    )
                    .await
                    .is_ok()
                } else {
                    c.exec_drop(
                        format!("UPDATE {table} SET hits = hits + 1 WHERE id = ?"),
                        (id,),
                    )
                    .await
                    .is_ok()
                };
                failed += u64::from(!ok);
                latencies.push((is_read, due.elapsed()));
            }
            c.disconnect().await.expect("disconnect");
        }
    }
    (latencies, failed)
}

/// The next queued request (when it was due), `None` once the schedule ended and the queue
/// is empty.
async fn next(queue: &Queue) -> Option<Instant> {
    queue.lock().await.recv().await
}

/// Wait until InnoDB has purged the undo history the single UPDATE left (so that the
/// purge does not compete with the next run), at most 10 minutes.
async fn purged(url: &str) {
    let mut conn = mysql_async::Conn::from_url(url).await.expect("connect");
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(600) {
        let len: Option<i64> = conn
            .query_first("SELECT count FROM information_schema.INNODB_METRICS WHERE name = 'trx_rseg_history_len'")
            .await
            .expect("history length");
        // The history counts transactions, not rows: the single UPDATE is one entry until
        // all its rows are purged, and the oldest, so the list runs (nearly) empty after it.
        if len.unwrap_or(0) < 10 {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    conn.disconnect().await.expect("disconnect");
}

/// Have the server write out the pages earlier phases dirtied, so that each measured phase
/// pays only for its own writes (otherwise the idle sample pays for the load and bellows for
/// the single UPDATE's VACUUM, at their next checkpoint). PostgreSQL: `CHECKPOINT`.
/// MariaDB: flush dirty pages down to 0% until fewer than 1% remain (at most 5 minutes).
async fn settle(engine: Engine, url: &str) {
    let t = Instant::now();
    match engine {
        Engine::Postgres => sql(engine, url, &["CHECKPOINT"]).await,
        Engine::Mariadb => {
            let mut conn = mysql_async::Conn::from_url(url).await.expect("connect");
            let pct: f64 = conn
                .query_first("SELECT @@innodb_max_dirty_pages_pct")
                .await
                .expect("read innodb_max_dirty_pages_pct")
                .unwrap_or(90.0);
            conn.query_drop("SET GLOBAL innodb_max_dirty_pages_pct = 0")
                .await
                .expect("flush dirty pages");
            while t.elapsed() < Duration::from_secs(300) {
                let (dirty, total): (u64, u64) = conn
                    .query_first(
                        "SELECT SUM(IF(variable_name = 'INNODB_BUFFER_POOL_PAGES_DIRTY', variable_value, 0)), \
                         SUM(IF(variable_name = 'INNODB_BUFFER_POOL_PAGES_TOTAL', variable_value, 0)) \
                         FROM information_schema.global_status",
                    )
                    .await
                    .expect("dirty pages")
                    .unwrap_or_default();
                if dirty * 100 < total.max(1) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            conn.query_drop(format!("SET GLOBAL innodb_max_dirty_pages_pct = {pct}"))
                .await
                .expect("restore innodb_max_dirty_pages_pct");
            conn.disconnect().await.expect("disconnect");
        }
    }
    println!("settled (dirty pages written) in {:.1?}", t.elapsed());
}

/// The server settings that decide whether the tables fit in memory.
async fn memory_settings(engine: Engine, url: &str) -> String {
    match engine {
        Engine::Postgres => {
            let (c, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .expect("connect");
            tokio::spawn(conn);
            let row = c
                .query_one(
                    "SELECT current_setting('shared_buffers'), current_setting('max_wal_size'),                      pg_size_pretty(pg_total_relation_size('bench_single'))",
                    &[],
                )
                .await
                .expect("settings");
            format!(
                "shared_buffers {}, max_wal_size {}; each table {}",
                row.get::<_, String>(0),
                row.get::<_, String>(1),
                row.get::<_, String>(2)
            )
        }
        Engine::Mariadb => {
            let mut c = mysql_async::Conn::from_url(url).await.expect("connect");
            let row: Option<(u64, u64, u64)> = c
                .query_first(
                    "SELECT @@innodb_buffer_pool_size >> 20, @@innodb_log_file_size >> 20,                      (data_length + index_length) >> 20 FROM information_schema.tables                      WHERE table_schema = DATABASE() AND table_name = 'bench_single'",
                )
                .await
                .expect("settings");
            c.disconnect().await.expect("disconnect");
            let (pool, log, table) = row.unwrap_or_default();
            format!("innodb_buffer_pool_size {pool} MB, innodb_log_file_size {log} MB; each table {table} MB")
        }
    }
}

/// p50, p99, max.
fn percentiles(mut l: Vec<Duration>) -> (Duration, Duration, Duration) {
    l.sort();
    if l.is_empty() {
        return Default::default();
    }
    let at = |q: f64| {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let i = ((l.len() - 1) as f64 * q).round() as usize;
        l[i]
    };
    (at(0.5), at(0.99), l[l.len() - 1])
}

/// Run `work` while the client runs; its result, its duration and the client's latencies.
async fn under_load<T>(
    engine: Engine,
    url: &str,
    table: &'static str,
    rows: u64,
    rate: u64,
    work: impl std::future::Future<Output = T>,
) -> (T, Duration, (Vec<(bool, Duration)>, u64)) {
    let stop = StopAt::default();
    let task = tokio::spawn(client(
        engine,
        url.to_string(),
        table,
        rows,
        rate,
        Arc::clone(&stop),
    ));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let t = Instant::now();
    let out = work.await;
    let took = t.elapsed();
    let _ = stop.set(Instant::now());
    (out, took, task.await.expect("client"))
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let engine = match args.get(1).map(String::as_str) {
        Some("mariadb" | "mysql") => Engine::Mariadb,
        _ => Engine::Postgres,
    };
    let rows: u64 = args
        .get(2)
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000_000);
    let rate: u64 = args.get(3).and_then(|v| v.parse().ok()).unwrap_or(500);
    let base = server(engine);
    let admin = match engine {
        Engine::Postgres => format!("{base}/postgres"),
        Engine::Mariadb => format!("{base}/mysql"),
    };
    let url = format!("{base}/{DB}");
    let bin = std::env::var("BELLOWS_BIN")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/target/release/bellows").into());
    let drop = match engine {
        Engine::Postgres => format!("DROP DATABASE IF EXISTS {DB} WITH (FORCE)"),
        Engine::Mariadb => format!("DROP DATABASE IF EXISTS {DB}"),
    };
    sql(engine, &admin, &[&drop, &format!("CREATE DATABASE {DB}")]).await;

    let t = Instant::now();
    let reshape = reshape_bin().filter(|_| engine == Engine::Postgres);
    let mut tables = vec!["bench_single", "bench_bellows"];
    if reshape.is_some() {
        tables.push("bench_reshape");
    }
    let load: Vec<String> = tables
        .iter()
        .flat_map(|t| match engine {
            Engine::Postgres => [
                format!("CREATE TABLE {t} (id bigint PRIMARY KEY, a int NOT NULL, hits int NOT NULL DEFAULT 0, pad text NOT NULL, b int)"),
                format!("INSERT INTO {t} (id, a, pad) SELECT g, g, repeat('x', 60) FROM generate_series(1, {rows}) g"),
                format!("VACUUM ANALYZE {t}"),
            ],
            Engine::Mariadb => [
                format!("CREATE TABLE {t} (id bigint PRIMARY KEY, a int NOT NULL, hits int NOT NULL DEFAULT 0, pad varchar(100) NOT NULL, b int)"),
                format!("INSERT INTO {t} (id, a, pad) SELECT seq, seq, REPEAT('x', 60) FROM seq_1_to_{rows}"),
                format!("ANALYZE TABLE {t}"),
            ],
        })
        .collect();
    sql(
        engine,
        &url,
        &load.iter().map(String::as_str).collect::<Vec<_>>(),
    )
    .await;
    println!(
        "loaded {} x {rows} rows in {:.1?}",
        tables.len(),
        t.elapsed()
    );
    println!("server memory: {}", memory_settings(engine, &url).await);
    settle(engine, &url).await;

    let (_, _, idle) = under_load(
        engine,
        &url,
        "bench_single",
        rows,
        rate,
        tokio::time::sleep(Duration::from_secs(5)),
    )
    .await;
    let (_, single, during_single) = under_load(
        engine,
        &url,
        "bench_single",
        rows,
        rate,
        sql(
            engine,
            &url,
            &["UPDATE bench_single SET b = a WHERE b IS NULL"],
        ),
    )
    .await;
    let t = Instant::now();
    match engine {
        Engine::Postgres => sql(engine, &url, &["VACUUM ANALYZE bench_single"]).await,
        Engine::Mariadb => purged(&url).await,
    }
    println!(
        "cleanup after the single UPDATE (VACUUM / InnoDB purge): {:.1?}",
        t.elapsed()
    );
    settle(engine, &url).await;

    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("1_bench.sql"),
        format!(
            "-- bellows:backfill table=bench_bellows {}\nUPDATE bench_bellows SET b = a WHERE b IS NULL;\n",
            std::env::var("BENCH_DIRECTIVES").unwrap_or_default()
        ),
    )
    .expect("write the migration");
    // Started when first polled, inside `under_load`: the client is already running then.
    let cmd = {
        let (bin, url, dir) = (bin.clone(), url.clone(), dir.path().to_path_buf());
        run_blocking(move || {
            std::process::Command::new(bin)
                .args([
                    "up",
                    "--format",
                    "json",
                    "--database-url",
                    &url,
                    "--migrations",
                ])
                .arg(dir)
                .output()
                .expect("run bellows (cargo build --release --bin bellows first)")
        })
    };
    let (out, bellows_wall, during_bellows) =
        under_load(engine, &url, "bench_bellows", rows, rate, cmd).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .expect("a JSON summary");
    let b = &summary["backfills"][0];
    let done = b["rows"].as_u64().unwrap_or(0);
    let backfill = Duration::from_millis(b["duration_ms"].as_u64().unwrap_or(1));

    #[allow(clippy::cast_precision_loss)]
    let per_sec = |n: u64, d: Duration| n as f64 / d.as_secs_f64();
    let (r1, r2) = (per_sec(rows, single), per_sec(done, backfill));
    let row = |name: &str, (l, failed): (Vec<(bool, Duration)>, u64)| {
        let n = l.len();
        let of = |reads: Option<bool>| -> Vec<Duration> {
            l.iter()
                .filter(|(r, _)| reads.is_none_or(|want| *r == want))
                .map(|(_, d)| *d)
                .collect()
        };
        let (p50, p99, max) = percentiles(of(None));
        let (_, reads_p99, _) = percentiles(of(Some(true)));
        let (_, updates_p99, _) = percentiles(of(Some(false)));
        println!(
            "{name:<24} {n:>6} ops  p50 {:>9}  p99 {:>9} (reads {:>9}, updates {:>9})  max {:>10}  failed {failed}",
            ms(p50),
            ms(p99),
            ms(reads_p99),
            ms(updates_p99),
            ms(max)
        );
    };
    let engine_name = if engine == Engine::Postgres {
        "PostgreSQL"
    } else {
        "MariaDB"
    };
    println!("\n{engine_name}, {rows} rows");
    println!("single UPDATE      {single:>10.1?}  {r1:>10.0} rows/s");
    println!(
        "bellows backfill   {backfill:>10.1?}  {r2:>10.0} rows/s  ({} batches, longest {} ms; process wall {bellows_wall:.1?})",
        b["batches"], b["max_batch_ms"]
    );
    println!("ratio bellows/single: {:.2}", r2 / r1);
    println!("\nclient latency ({rate} point reads and updates of random rows per second)");
    row("idle", idle);
    row("during single UPDATE", during_single);
    row("during bellows backfill", during_bellows);
    if let Some(reshape) = reshape {
        settle(engine, &url).await;
        let (took, during) = run_reshape(&reshape, &url, rows, rate).await;
        println!(
            "reshape add_column (up = a) {took:>10.1?}  {:>10.0} rows/s  ratio reshape/single: {:.2}",
            per_sec(rows, took),
            per_sec(rows, took) / r1
        );
        row("during reshape migrate", during);
    }
}

/// Run `f` on the blocking pool once the returned future is first polled.
async fn run_blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.expect("join")
}

/// The `reshape` binary (crates.io; PostgreSQL only): `RESHAPE_BIN`, or on `PATH`.
fn reshape_bin() -> Option<String> {
    if let Ok(bin) = std::env::var("RESHAPE_BIN") {
        return Some(bin);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("reshape"))
        .find(|p| p.is_file())
        .map(|p| p.to_string_lossy().into_owned())
}

/// reshape's way to the same result: an `add_column` whose `up` expression fills the new
/// column of every existing row (its `migrate` runs the backfill; the first migration is
/// completed at once). Timed as the whole command.
async fn run_reshape(
    bin: &str,
    url: &str,
    rows: u64,
    rate: u64,
) -> (Duration, (Vec<(bool, Duration)>, u64)) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("migrations")).expect("migrations folder");
    std::fs::write(
        dir.path().join("migrations/1_fill_b.toml"),
        "[[actions]]\ntype = \"add_column\"\ntable = \"bench_reshape\"\nup = \"a\"\n\n[actions.column]\nname = \"b2\"\ntype = \"INTEGER\"\n",
    )
    .expect("write the reshape migration");
    let cmd = {
        let (bin, cwd) = (bin.to_string(), dir.path().to_path_buf());
        let url = format!("{url}?sslmode=disable");
        run_blocking(move || {
            std::process::Command::new(bin)
                .args(["migration", "start", "--complete", "--url", &url])
                .current_dir(cwd)
                .output()
                .expect("run reshape")
        })
    };
    let (out, took, during) =
        under_load(Engine::Postgres, url, "bench_reshape", rows, rate, cmd).await;
    assert!(
        out.status.success(),
        "reshape: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (took, during)
}
