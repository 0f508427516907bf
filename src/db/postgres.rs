//! PostgreSQL: session advisory lock, `lock_timeout` (`SET LOCAL` inside a step's
//! transaction), `pg_blocking_pids` for the blocker, batch timeouts, and the standbys' lag
//! in `pg_stat_replication`.

use super::tls::Tls;
use super::types::{Replication, Step, StepError};
use super::{driver, store, Backend, Batch, BatchDone, Bound, Lock, Row, Session, SqlValue};
use crate::{Dialect, Error, Result};
use async_trait::async_trait;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgConnection, Postgres};
use sqlx::{Connection as _, Executor as _, Row as _};
use std::time::Duration;

/// First key of the two-key advisory lock of migrations: "bell" in ASCII.
const LOCK_CLASS: i64 = 0x6265_6c6c;
/// First key of the two-key advisory lock of backfills: "bfil" in ASCII.
const BACKFILL_CLASS: i64 = 0x6266_696c;

/// The two keys of `lock`'s advisory lock on the database whose name hashes to `key`.
fn lock_keys(lock: Lock, key: i64) -> [SqlValue; 2] {
    let class = match lock {
        Lock::Migrations => LOCK_CLASS,
        Lock::Backfill => BACKFILL_CLASS,
    };
    [SqlValue::Int(class), SqlValue::Int(key)]
}

/// The session a [`PgBackend`] works on: its own, or one borrowed from an application's pool
/// for reads that take no lock and change no session setting.
enum PgConn {
    Own(PgConnection),
    Pooled(PoolConnection<Postgres>),
}

impl std::ops::Deref for PgConn {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        match self {
            PgConn::Own(conn) => conn,
            PgConn::Pooled(conn) => conn,
        }
    }
}

impl std::ops::DerefMut for PgConn {
    fn deref_mut(&mut self) -> &mut PgConnection {
        match self {
            PgConn::Own(conn) => conn,
            PgConn::Pooled(conn) => conn,
        }
    }
}

/// A PostgreSQL connection (plus a second one, opened on demand, to find blockers).
pub(super) struct PgBackend {
    conn: PgConn,
    probe: Option<Box<dyn Backend>>,
    options: PgConnectOptions,
    url: String,
    tls: Tls,
    pid: i64,
    version: String,
    /// Second key of the advisory lock: a hash of the database name.
    lock_key: i64,
    /// The session `lock_timeout` bellows last set, while it is known to hold.
    session_lock_timeout: Option<String>,
}

impl PgBackend {
    /// Connect with ready-made options (e.g. an application's pool's); `shown` names the
    /// database in messages.
    pub(super) async fn connect_with(
        options: PgConnectOptions,
        shown: String,
        tls: Tls,
    ) -> Result<Self> {
        let connect_err = |source| Error::Connect {
            url: shown.clone(),
            source,
        };
        let options = options.application_name("bellows");
        let conn = PgConnection::connect_with(&options)
            .await
            .map_err(|e| connect_err(tls.explain(e)))?;
        Self::on(PgConn::Own(conn), options, shown, tls).await
    }

    /// Borrow a session of an application's pool, for reads only: the caller takes no lock
    /// and changes no session setting on it (it goes back to the pool when dropped).
    pub(super) async fn borrow(pool: &sqlx::PgPool, shown: String) -> Result<Self> {
        let options = (*pool.connect_options()).clone();
        let tls = Tls::of_postgres(&options);
        let conn = pool.acquire().await.map_err(|e| Error::Connect {
            url: shown.clone(),
            source: tls.explain(e),
        })?;
        Self::on(PgConn::Pooled(conn), options, shown, tls).await
    }

    async fn on(
        mut conn: PgConn,
        options: PgConnectOptions,
        shown: String,
        tls: Tls,
    ) -> Result<Self> {
        let connect_err = |source| Error::Connect {
            url: shown.clone(),
            source,
        };
        let row = conn
            .fetch_one("SELECT CAST(pg_backend_pid() AS int8), current_setting('server_version'), CAST(hashtext('bellows:' || current_database()) AS int8)")
            .await
            .map_err(connect_err)?;
        Ok(PgBackend {
            pid: row.try_get(0).map_err(connect_err)?,
            version: row.try_get(1).map_err(connect_err)?,
            lock_key: row.try_get(2).map_err(connect_err)?,
            session_lock_timeout: None,
            conn,
            probe: None,
            options,
            url: shown,
            tls,
        })
    }
}

#[async_trait]
impl Backend for PgBackend {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn server_version(&self) -> &str {
        &self.version
    }

    fn session(&mut self) -> Session<'_> {
        Session {
            sql: &mut *self.conn,
            id: self.pid,
            probe: &mut self.probe,
        }
    }

    async fn try_lock(&mut self, lock: Lock) -> Result<bool> {
        let binds = lock_keys(lock, self.lock_key);
        let rows = self
            .query(
                "SELECT CAST(pg_try_advisory_lock(CAST($1 AS int4), CAST($2 AS int4)) AS text)",
                &binds,
            )
            .await?;
        Ok(Row::scalar(&rows) == Some("true"))
    }

    async fn lock_holder(&mut self, lock: Lock) -> Option<String> {
        let binds = lock_keys(lock, self.lock_key);
        let rows = self.query(
            "SELECT CAST(a.pid AS text), coalesce(a.usename, ''), coalesce(a.application_name, ''), \
             coalesce(host(a.client_addr), 'local'), CAST(CAST(EXTRACT(EPOCH FROM now() - a.backend_start) AS bigint) AS text) \
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE l.locktype = 'advisory' AND l.granted AND l.classid = CAST(CAST($1 AS int4) AS oid) AND l.objid = CAST(CAST($2 AS int4) AS oid) AND l.objsubid = 2",
            &binds,
        ).await.ok()?;
        let r = rows.first()?;
        Some(format!(
            "held by pid {}, user {}, application '{}', from {}, connected {}s ago",
            r.text(0),
            r.text(1),
            r.text(2),
            r.text(3),
            r.text(4)
        ))
    }

    async fn release_lock(&mut self, lock: Lock) -> Result<()> {
        let binds = lock_keys(lock, self.lock_key);
        self.query(
            "SELECT CAST(pg_advisory_unlock(CAST($1 AS int4), CAST($2 AS int4)) AS text)",
            &binds,
        )
        .await
        .map(drop)
    }

    async fn run_unprobed(
        &mut self,
        step: &Step<'_>,
        bookkeeping: &Bound,
    ) -> Result<(), StepError> {
        let timeout = step
            .lock_timeout
            .map_or("0".to_string(), |t| format!("{}ms", t.as_millis()));
        // One round trip less per step when the session already has this timeout.
        if self.session_lock_timeout.take().as_deref() != Some(timeout.as_str()) {
            self.conn
                .execute(format!("SET lock_timeout = '{timeout}'").as_str())
                .await
                .map_err(|e| StepError::Internal(Error::db("setting lock_timeout")(e)))?;
        }
        // Inside a transaction each later statement gets what is left of the step's budget.
        let budget = |left: Duration| format!("SET LOCAL lock_timeout = '{}ms'", left.as_millis());
        let result =
            driver::run_step::<Postgres>(&mut *self.conn, step, bookkeeping, Some(&budget)).await;
        // A step's own SQL may set the timeout (or reset every setting): then set it again.
        let touches_it = step.statements.iter().any(|s| {
            let sql = s.sql.to_ascii_lowercase();
            sql.contains("lock_timeout") || sql.contains("reset") || sql.contains("set_config")
        });
        if result.is_ok() && !touches_it {
            self.session_lock_timeout = Some(timeout);
        }
        result
    }

    async fn run_batch(&mut self, batch: &Batch<'_>) -> Result<Option<BatchDone>, StepError> {
        let setup = [
            format!(
                "SET LOCAL lock_timeout = '{}ms'",
                batch.lock_timeout.as_millis().max(1)
            ),
            format!(
                "SET LOCAL statement_timeout = '{}ms'",
                batch.statement_limit.as_millis()
            ),
            // The batch and its checkpoint commit together, so a commit lost in a server
            // crash loses both and the batch simply runs again: no need to wait for the
            // WAL flush (or a synchronous standby) before the next batch.
            "SET LOCAL synchronous_commit = off".into(),
            // Have the kernel write the pages this batch evicts from shared buffers as it
            // goes. Left at the default (0) they pile up as dirty OS cache until the next
            // checkpoint's fsync writes them all at once, and every app commit waits behind
            // that fsync: client p99 fell from about 1 s to under 0.1 s in the benchmark.
            "SET LOCAL backend_flush_after = '256kB'".into(),
        ];
        let checkpoint = store::checkpoint_sql(Dialect::Postgres);
        driver::run_batch::<Postgres>(&mut *self.conn, batch, &setup, "", &checkpoint).await
    }

    async fn blockers_of(&mut self, id: i64) -> Option<String> {
        let rows = self
            .query(
                "SELECT CAST(pid AS text), coalesce(usename, ''), coalesce(application_name, ''), coalesce(state, ''), \
                 CAST(coalesce(CAST(EXTRACT(EPOCH FROM now() - xact_start) AS bigint), 0) AS text), left(coalesce(query, ''), 80) \
                 FROM pg_stat_activity WHERE pid = ANY(pg_blocking_pids(CAST($1 AS int4)))",
                &[SqlValue::Int(id)],
            )
            .await
            .ok()?;
        let described: Vec<String> = rows
            .iter()
            .map(|r| {
                format!(
                    "pid {} (user {}, application '{}', {}, transaction open {}s, last query: {})",
                    r.text(0),
                    r.text(1),
                    r.text(2),
                    r.text(3),
                    r.text(4),
                    r.text(5)
                )
            })
            .collect();
        (!described.is_empty()).then(|| described.join("; "))
    }

    async fn open_another(&self) -> Result<Box<dyn Backend>> {
        Ok(Box::new(
            PgBackend::connect_with(self.options.clone(), self.url.clone(), self.tls.clone())
                .await?,
        ))
    }

    async fn replication(&mut self) -> Result<Replication> {
        // Without pg_read_all_stats a role sees each walsender's pid and nothing else.
        let rows = self.query(
            "SELECT CAST(count(*) AS text), CAST(count(*) FILTER (WHERE state IS NULL) AS text), \
             CAST(CAST(EXTRACT(EPOCH FROM max(replay_lag)) * 1000 AS bigint) AS text), \
             (array_agg(format('%s (%s)', application_name, coalesce(host(client_addr), 'local socket')) \
                        ORDER BY replay_lag DESC NULLS LAST))[1] \
             FROM pg_stat_replication",
            &[],
        ).await?;
        let row = rows.first().cloned().unwrap_or(Row(Vec::new()));
        let (senders, hidden) = (row.get::<i64>(0)?, row.get::<i64>(1)?);
        if hidden > 0 {
            return Err(Error::Config(format!(
                "this role cannot see the replication lag of the {hidden} standby(s) in pg_stat_replication; \
                 grant it pg_monitor (or pg_read_all_stats)"
            )));
        }
        if senders == 0 {
            return Ok(Replication::None);
        }
        // NULL replay_lag: the standbys replayed everything and have been idle since.
        Ok(match row.opt::<i64>(2)? {
            Some(ms) => Replication::Lag {
                lag: Duration::from_millis(u64::try_from(ms).unwrap_or(0)),
                at: row.opt_text(3).map(|w| format!("standby {w}")),
            },
            None => Replication::Lag {
                lag: Duration::ZERO,
                at: None,
            },
        })
    }
}
