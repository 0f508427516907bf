//! What the bench asks the server: statements, the clean start of each phase, the settings
//! that matter, and (`BENCH_SAMPLE=1`) the server's own instrumentation during a phase.

use mysql_async::prelude::Queryable;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::Engine;

/// Run statements (one per entry) on `url`.
pub async fn sql(engine: Engine, url: &str, statements: &[&str]) {
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

/// Wait until InnoDB has purged the undo history the single UPDATE left (so that the
/// purge does not compete with the next run), at most 10 minutes.
pub async fn purged(url: &str) {
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
pub async fn settle(engine: Engine, url: &str) {
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

/// The server's version and the settings that decide whether the tables fit in memory.
pub async fn memory_settings(engine: Engine, url: &str) -> String {
    match engine {
        Engine::Postgres => {
            let (c, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .expect("connect");
            tokio::spawn(conn);
            let row = c
                .query_one(
                    "SELECT current_setting('server_version'), current_setting('shared_buffers'), \
                     current_setting('max_wal_size'), pg_size_pretty(pg_total_relation_size('bench_single'))",
                    &[],
                )
                .await
                .expect("settings");
            format!(
                "PostgreSQL {}, shared_buffers {}, max_wal_size {}; each table {}",
                row.get::<_, String>(0),
                row.get::<_, String>(1),
                row.get::<_, String>(2),
                row.get::<_, String>(3)
            )
        }
        Engine::Mariadb => {
            let mut c = mysql_async::Conn::from_url(url).await.expect("connect");
            let row: Option<(String, u64, u64, u64)> = c
                .query_first(
                    "SELECT @@version, @@innodb_buffer_pool_size >> 20, @@innodb_log_file_size >> 20, \
                     (data_length + index_length) >> 20 FROM information_schema.tables \
                     WHERE table_schema = DATABASE() AND table_name = 'bench_single'",
                )
                .await
                .expect("settings");
            c.disconnect().await.expect("disconnect");
            let (version, pool, log, table) = row.unwrap_or_default();
            format!("{version}, innodb_buffer_pool_size {pool} MB, innodb_log_file_size {log} MB; each table {table} MB")
        }
    }
}

/// The machine's load averages (`/proc/loadavg`), printed with every figure.
pub fn load() -> String {
    let l = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    format!(
        "load average {}",
        l.split_whitespace().take(3).collect::<Vec<_>>().join(", ")
    )
}

/// The server's instrumentation sampled during a phase (`BENCH_SAMPLE=1`): what the client's
/// connections and the server's processes wait on, every 25 ms, and the counters that moved.
pub struct Sampler {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<BTreeMap<String, u64>>,
    before: BTreeMap<String, f64>,
    engine: Engine,
    url: String,
}

const PG_WAITS: &str = "SELECT CASE WHEN application_name = 'bench_client' THEN 'client' \
    WHEN backend_type = 'client backend' THEN 'other backend' ELSE backend_type END || ' ' || \
    coalesce(wait_event_type || ':' || wait_event, 'on CPU') FROM pg_stat_activity \
    WHERE pid <> pg_backend_pid() AND (state = 'active' OR backend_type <> 'client backend') \
    AND coalesce(wait_event, '') NOT IN ('ClientRead', 'CheckpointerMain', 'BgWriterMain', \
    'BgWriterHibernate', 'WalWriterMain', 'AutoVacuumMain', 'LogicalLauncherMain', 'ArchiverMain')";

const PG_COUNTERS: &str = "SELECT 'checkpoints', (checkpoints_timed + checkpoints_req)::float8 FROM pg_stat_bgwriter \
    UNION ALL SELECT 'checkpoint sync ms', checkpoint_sync_time FROM pg_stat_bgwriter \
    UNION ALL SELECT 'buffers written by backends', buffers_backend::float8 FROM pg_stat_bgwriter \
    UNION ALL SELECT 'buffers written by checkpoints', buffers_checkpoint::float8 FROM pg_stat_bgwriter \
    UNION ALL SELECT 'WAL MB', wal_bytes::float8 / 1048576 FROM pg_stat_wal \
    UNION ALL SELECT 'WAL buffers full', wal_buffers_full::float8 FROM pg_stat_wal \
    UNION ALL SELECT 'WAL syncs', wal_sync::float8 FROM pg_stat_wal";

const MY_WAITS: &str = "SELECT CONCAT(IF(info LIKE '%hits%' OR info LIKE 'SELECT pad%', 'client ', 'other '), \
    IFNULL(NULLIF(state, ''), command)) FROM information_schema.processlist \
    WHERE id <> CONNECTION_ID() AND command <> 'Sleep' AND command <> 'Daemon' \
    UNION ALL SELECT 'trx in LOCK WAIT' FROM information_schema.innodb_trx WHERE trx_state = 'LOCK WAIT'";

const MY_COUNTERS: &str = "SELECT variable_name, variable_value FROM information_schema.global_status \
    WHERE variable_name IN ('INNODB_ROW_LOCK_WAITS', 'INNODB_ROW_LOCK_TIME', 'INNODB_LOG_WAITS', \
    'INNODB_BUFFER_POOL_WAIT_FREE', 'INNODB_OS_LOG_FSYNCS', 'INNODB_BUFFER_POOL_PAGES_FLUSHED', \
    'INNODB_BUFFER_POOL_READS', 'INNODB_HISTORY_LIST_LENGTH', 'INNODB_CHECKPOINT_AGE', 'INNODB_LSN_CURRENT')";

impl Sampler {
    /// Start sampling, or `None` unless `BENCH_SAMPLE=1`.
    pub async fn start(engine: Engine, url: &str) -> Option<Sampler> {
        if std::env::var("BENCH_SAMPLE").ok().as_deref() != Some("1") {
            return None;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let before = counters(engine, url).await;
        let (flag, u) = (Arc::clone(&stop), url.to_string());
        let task = tokio::spawn(async move {
            let mut seen = BTreeMap::new();
            let mut conn = open(engine, &u).await;
            while !flag.load(Ordering::SeqCst) {
                for w in waits(&mut conn).await {
                    *seen.entry(w).or_insert(0) += 1;
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            seen
        });
        Some(Sampler {
            stop,
            task,
            before,
            engine,
            url: url.to_string(),
        })
    }

    /// Stop and print what was seen.
    pub async fn report(self, phase: &str) {
        self.stop.store(true, Ordering::SeqCst);
        let seen = self.task.await.expect("sampler");
        let after = counters(self.engine, &self.url).await;
        println!("  server during {phase}:");
        let mut waits: Vec<_> = seen.into_iter().collect();
        waits.sort_by_key(|w| std::cmp::Reverse(w.1));
        for (w, n) in waits.iter().take(14) {
            println!("    {n:>6} samples  {w}");
        }
        let moved: Vec<String> = after
            .iter()
            .map(|(k, v)| {
                let d = v - self.before.get(k).copied().unwrap_or(0.0);
                let gauge = k.contains("LENGTH") || k.contains("AGE");
                if gauge {
                    format!("{k} {v:.0}")
                } else {
                    format!("{k} +{d:.0}")
                }
            })
            .collect();
        println!("    {}", moved.join("; "));
    }
}

/// One connection of the sampler's, kept for the whole phase.
enum Conn {
    Pg(tokio_postgres::Client),
    My(mysql_async::Conn),
}

async fn waits(conn: &mut Conn) -> Vec<String> {
    match conn {
        Conn::Pg(c) => c
            .query(PG_WAITS, &[])
            .await
            .map(|rows| rows.iter().map(|r| r.get::<_, String>(0)).collect())
            .unwrap_or_default(),
        Conn::My(c) => c.query::<String, _>(MY_WAITS).await.unwrap_or_default(),
    }
}

async fn open(engine: Engine, url: &str) -> Conn {
    match engine {
        Engine::Postgres => {
            let (c, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .expect("connect");
            tokio::spawn(conn);
            Conn::Pg(c)
        }
        Engine::Mariadb => Conn::My(mysql_async::Conn::from_url(url).await.expect("connect")),
    }
}

async fn counters(engine: Engine, url: &str) -> BTreeMap<String, f64> {
    match engine {
        Engine::Postgres => {
            let (c, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .expect("connect");
            tokio::spawn(conn);
            c.query(PG_COUNTERS, &[])
                .await
                .expect("counters")
                .iter()
                .map(|r| (r.get::<_, String>(0), r.get::<_, f64>(1)))
                .collect()
        }
        Engine::Mariadb => {
            let mut c = mysql_async::Conn::from_url(url).await.expect("connect");
            let rows: Vec<(String, String)> = c.query(MY_COUNTERS).await.expect("counters");
            let _ = c.disconnect().await;
            rows.into_iter()
                .map(|(k, v)| (k, v.parse().unwrap_or(0.0)))
                .collect()
        }
    }
}
