//! Backfill benchmark (not a test, not in CI). On identical tables of N rows (default
//! 1,000,000), each loaded the same way, it runs, while a client does point reads and updates
//! of random rows of the table being worked on at a steady rate (default 500/s):
//! 1. `bellows up` with a default backfill section (the latency guard on, at its default
//!    target), on one table;
//! 2. the same with `--latency-target off` (full speed), on a second;
//! 3. the single-statement `UPDATE` a naive migration would run, on a third (last: its
//!    cleanup, MariaDB's purge above all, goes on after it);
//! 4. on PostgreSQL, when the `reshape` binary (crates.io) is installed, reshape's
//!    `add_column` with an `up` expression, on a fourth.
//!
//! Each method gets a fresh table: a second pass over the same rows costs more than the
//! first (their pages are fuller), which would favour whichever ran first. It prints rows/s
//! of each, the ratio to the single UPDATE, and the client's p50 / p99 / max latency idle
//! (before and after) and during each, with the machine's load average.
//!
//! ```text
//! cargo build --release --bin bellows --example bench_backfill
//! target/release/examples/bench_backfill postgres [ROWS] [CLIENT_OPS_PER_SEC]
//! target/release/examples/bench_backfill mariadb 1000000 500
//! ```
//! Servers: `BENCH_PG` (default postgres://postgres@127.0.0.1:5432) and `BENCH_MYSQL`
//! (default mysql://root@127.0.0.1:3306); the binary: `BELLOWS_BIN` (default
//! target/release/bellows); directives added to the backfill marker (e.g.
//! `max-rows-per-sec=50000`): `BENCH_DIRECTIVES`; flags added to each `bellows up`,
//! separated by `|`: `BENCH_ARGS`; `BENCH_SAMPLE=1` prints the server's wait
//! events and counters during each phase; `BENCH_ONLY=guard` (or `off`, `single`) runs only
//! that method besides the idle samples.

mod client;
mod server;

use client::{percentiles, under_load, Latencies};
use server::{load, memory_settings, purged, settle, sql, Sampler};
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

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// What one method did: rows, time, batches and pauses (bellows), the client's latencies.
struct Measured {
    name: String,
    rows: u64,
    took: Duration,
    detail: String,
    client: Latencies,
    load: String,
}

/// The bench's parameters and where it runs.
struct Bench {
    engine: Engine,
    rows: u64,
    rate: u64,
    url: String,
    bin: String,
    dir: tempfile::TempDir,
}

impl Bench {
    /// Run `work` on `table` under the client; sampled when asked.
    async fn phase<T>(
        &self,
        name: &str,
        table: &'static str,
        work: impl std::future::Future<Output = T>,
    ) -> (T, Duration, Latencies, String) {
        let load = load();
        let sampler = Sampler::start(self.engine, &self.url).await;
        let (out, took, client) =
            under_load(self.engine, &self.url, table, self.rows, self.rate, work).await;
        if let Some(s) = sampler {
            s.report(name).await;
        }
        (out, took, client, load)
    }

    async fn idle(&self, name: &str) -> Measured {
        let (_, took, client, load) = self
            .phase(
                name,
                "bench_single",
                tokio::time::sleep(Duration::from_secs(5)),
            )
            .await;
        Measured {
            name: name.into(),
            rows: 0,
            took,
            detail: String::new(),
            client,
            load,
        }
    }

    async fn single(&self) -> Measured {
        let update = sql(
            self.engine,
            &self.url,
            &["UPDATE bench_single SET b = a WHERE b IS NULL"],
        );
        let (_, took, client, load) = self.phase("single UPDATE", "bench_single", update).await;
        let t = Instant::now();
        match self.engine {
            Engine::Postgres => sql(self.engine, &self.url, &["VACUUM ANALYZE bench_single"]).await,
            Engine::Mariadb => purged(&self.url).await,
        }
        println!(
            "cleanup after the single UPDATE (VACUUM / InnoDB purge): {:.1?}",
            t.elapsed()
        );
        Measured {
            name: "single UPDATE".into(),
            rows: self.rows,
            took,
            detail: String::new(),
            client,
            load,
        }
    }

    /// `bellows up` on `table` with `args` added (e.g. `--latency-target off`).
    async fn bellows(&self, name: &str, table: &'static str, args: &[&str]) -> Measured {
        // One folder for the bench's runs: each adds its migration (`up` runs only the new
        // one; the earlier ones are applied).
        let version = std::fs::read_dir(self.dir.path()).expect("folder").count() + 1;
        std::fs::write(
            self.dir.path().join(format!("{version}_{table}.sql")),
            format!(
                "-- bellows:backfill table={table} {}\nUPDATE {table} SET b = a WHERE b IS NULL;\n",
                std::env::var("BENCH_DIRECTIVES").unwrap_or_default()
            ),
        )
        .expect("write the migration");
        // Started when first polled, inside `under_load`: the client is already running then.
        let cmd = {
            let (bin, url, dir) = (
                self.bin.clone(),
                self.url.clone(),
                self.dir.path().to_path_buf(),
            );
            let mut args: Vec<String> = args.iter().map(|a| (*a).to_string()).collect();
            if let Ok(extra) = std::env::var("BENCH_ARGS") {
                args.extend(extra.split('|').map(str::to_string));
            }
            run_blocking(move || {
                std::process::Command::new(bin)
                    .args(["up", "--format", "json", "--database-url", &url])
                    .args(&args)
                    .arg("--migrations")
                    .arg(dir)
                    .output()
                    .expect("run bellows (cargo build --release --bin bellows first)")
            })
        };
        let (out, wall, client, load) = self.phase(name, table, cmd).await;
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let events: Vec<serde_json::Value> = stdout
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        let summary = events.last().expect("a JSON summary");
        let b = &summary["backfills"][0];
        let (pauses, paused_ms) = events
            .iter()
            .filter(|e| e["event"] == "paused")
            .fold((0, 0), |(n, t), e| {
                (n + 1, t + e["ms"].as_u64().unwrap_or(0))
            });
        let sizes: Vec<u64> = events
            .iter()
            .filter_map(|e| e["batch_keys"].as_u64())
            .collect();
        let median = |mut v: Vec<u64>| {
            v.sort_unstable();
            v.get(v.len() / 2).copied().unwrap_or(0)
        };
        Measured {
            name: name.into(),
            rows: b["rows"].as_u64().unwrap_or(0),
            took: Duration::from_millis(b["duration_ms"].as_u64().unwrap_or(1)),
            detail: format!(
                "{} batches (median {} keys, longest {} ms), {pauses} pauses ({paused_ms} ms); process wall {wall:.1?}",
                b["batches"],
                median(sizes),
                b["max_batch_ms"]
            ),
            client,
            load,
        }
    }
}

/// Print one method's line: throughput and ratio, the client's latency and its ratio to idle.
fn report(m: &Measured, single_rate: Option<f64>, idle_p99: Duration) {
    #[allow(clippy::cast_precision_loss)]
    let rate = m.rows as f64 / m.took.as_secs_f64();
    let (l, failed) = &m.client;
    let of = |reads: Option<bool>| -> Vec<Duration> {
        l.iter()
            .filter(|(r, _)| reads.is_none_or(|want| *r == want))
            .map(|(_, d)| *d)
            .collect()
    };
    let (p50, p99, max) = percentiles(of(None));
    let (_, reads_p99, _) = percentiles(of(Some(true)));
    let (_, updates_p99, _) = percentiles(of(Some(false)));
    let throughput = if m.rows == 0 {
        format!("{:>9.1?} {:>24}", m.took, "")
    } else {
        format!(
            "{:>9.1?} {rate:>10.0} rows/s {:>7}",
            m.took,
            single_rate.map_or(String::new(), |s| format!("{:.2}x", rate / s))
        )
    };
    println!(
        "{:<22} {throughput}  p50 {:>9}  p99 {:>9} ({:>5.1}x idle; reads {:>9}, updates {:>9})  max {:>10}  failed {failed}  [{}]",
        m.name,
        ms(p50),
        ms(p99),
        p99.as_secs_f64() / idle_p99.as_secs_f64().max(1e-6),
        ms(reads_p99),
        ms(updates_p99),
        ms(max),
        m.load
    );
    if !m.detail.is_empty() {
        println!("{:<22} {}", "", m.detail);
    }
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
        .unwrap_or(1_000_000);
    let rate: u64 = args.get(3).and_then(|v| v.parse().ok()).unwrap_or(500);
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let wanted = |m: &str| only.is_empty() || only == m;
    let base = server(engine);
    let admin = match engine {
        Engine::Postgres => format!("{base}/postgres"),
        Engine::Mariadb => format!("{base}/mysql"),
    };
    let bench = Bench {
        engine,
        rows,
        rate,
        url: format!("{base}/{DB}"),
        bin: std::env::var("BELLOWS_BIN").unwrap_or_else(|_| {
            concat!(env!("CARGO_MANIFEST_DIR"), "/target/release/bellows").into()
        }),
        dir: tempfile::tempdir().expect("tempdir"),
    };
    let drop = match engine {
        Engine::Postgres => format!("DROP DATABASE IF EXISTS {DB} WITH (FORCE)"),
        Engine::Mariadb => format!("DROP DATABASE IF EXISTS {DB}"),
    };
    sql(engine, &admin, &[&drop, &format!("CREATE DATABASE {DB}")]).await;

    let t = Instant::now();
    let reshape = reshape_bin().filter(|_| engine == Engine::Postgres && only.is_empty());
    let mut tables = vec!["bench_single"];
    for (method, table) in [("guard", "bench_guard"), ("off", "bench_off")] {
        if wanted(method) {
            tables.push(table);
        }
    }
    if reshape.is_some() {
        tables.push("bench_reshape");
    }
    let load_sql: Vec<String> = tables
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
        &bench.url,
        &load_sql.iter().map(String::as_str).collect::<Vec<_>>(),
    )
    .await;
    println!(
        "loaded {} x {rows} rows in {:.1?}; {}",
        tables.len(),
        t.elapsed(),
        load()
    );
    println!("server: {}", memory_settings(engine, &bench.url).await);
    settle(engine, &bench.url).await;

    let mut done = vec![bench.idle("idle (before)").await];
    if wanted("guard") {
        done.push(
            bench
                .bellows("bellows (guard 2x)", "bench_guard", &[])
                .await,
        );
        settle(engine, &bench.url).await;
    }
    if wanted("off") {
        done.push(
            bench
                .bellows(
                    "bellows (guard off)",
                    "bench_off",
                    &["--latency-target", "off"],
                )
                .await,
        );
        settle(engine, &bench.url).await;
    }
    // The single UPDATE goes last: on MariaDB the purge of its one huge transaction goes on
    // in the background long after the history list looks short, and slowed whichever
    // method ran next (bellows with the guard on: client p99 78-470 ms after it, 68 ms
    // without it, in runs on the same machine).
    if wanted("single") {
        done.push(bench.single().await);
        settle(engine, &bench.url).await;
    }
    if let Some(reshape) = reshape {
        let (took, client) = run_reshape(&reshape, &bench.url, rows, rate).await;
        done.push(Measured {
            name: "reshape add_column".into(),
            rows,
            took,
            detail: String::new(),
            client,
            load: load(),
        });
        settle(engine, &bench.url).await;
    }
    done.push(bench.idle("idle (after)").await);

    let engine_name = if engine == Engine::Postgres {
        "PostgreSQL"
    } else {
        "MariaDB"
    };
    println!(
        "\n{engine_name}, {rows} rows; client: {rate} point reads and updates of random rows per second"
    );
    let idle_p99 = percentiles(done[0].client.0.iter().map(|(_, d)| *d).collect()).1;
    #[allow(clippy::cast_precision_loss)]
    let single_rate = done
        .iter()
        .find(|m| m.name == "single UPDATE")
        .map(|m| m.rows as f64 / m.took.as_secs_f64());
    for m in &done {
        report(m, single_rate, idle_p99);
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
