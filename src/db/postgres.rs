//! PostgreSQL: session advisory lock, `lock_timeout`, transactional steps that commit with
//! their progress, `pg_blocking_pids` for the blocker, and index validity for concurrent
//! builds.

use super::probe::{probe_delay, while_probing};
use super::types::{
    Event, IndexState, Instance, InstanceChange, Progress, Record, Replication, Rollout, Step,
    StepError,
};
use super::{batch, queries, step_error, Backend, DatabaseUrl};
use super::{Batch, BatchDone, SqlValue};
use crate::{Dialect, Error, Result};
use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{Connection, Executor, Row};
use std::str::FromStr;
use std::time::Duration;

/// First key of the two-key advisory lock: "bell" in ASCII.
const LOCK_CLASS: i32 = 0x6265_6c6c;

/// A PostgreSQL connection (plus a second one, opened on demand, to find blockers).
pub struct PgBackend {
    conn: PgConnection,
    probe: Option<PgConnection>,
    options: PgConnectOptions,
    url: String,
    pid: i32,
    version: String,
    /// Second key of the advisory lock: a hash of the database name.
    lock_key: i32,
}

impl PgBackend {
    /// Connect.
    pub async fn connect(url: &DatabaseUrl) -> Result<Self> {
        let options =
            PgConnectOptions::from_str(&url.expose()).map_err(|source| Error::Connect {
                url: url.to_string(),
                source,
            })?;
        Self::connect_with(options, url.to_string()).await
    }

    /// Connect with ready-made options (e.g. an application's pool's); `shown` names the
    /// database in messages.
    pub async fn connect_with(options: PgConnectOptions, shown: String) -> Result<Self> {
        let url = shown;
        let connect_err = |source| Error::Connect {
            url: url.clone(),
            source,
        };
        let options = options.application_name("bellows");
        let mut conn = PgConnection::connect_with(&options)
            .await
            .map_err(connect_err)?;
        let row = conn
            .fetch_one("SELECT pg_backend_pid(), current_setting('server_version'), hashtext('bellows:' || current_database())")
            .await
            .map_err(connect_err)?;
        let pid = row.try_get(0).map_err(connect_err)?;
        let version = row.try_get(1).map_err(connect_err)?;
        let lock_key = row.try_get(2).map_err(connect_err)?;
        Ok(PgBackend {
            conn,
            probe: None,
            options,
            url: url.clone(),
            pid,
            version,
            lock_key,
        })
    }

    async fn probe_conn(&mut self) -> Result<&mut PgConnection> {
        if self.probe.is_none() {
            let conn = PgConnection::connect_with(&self.options)
                .await
                .map_err(|source| Error::Connect {
                    url: self.url.clone(),
                    source,
                })?;
            self.probe = Some(conn);
        }
        Ok(self.probe.as_mut().expect("just opened"))
    }

    async fn describe_lock_holder(&mut self) -> Option<String> {
        let row = sqlx::query(
            "SELECT a.pid, coalesce(a.usename, ''), coalesce(a.application_name, ''), \
             coalesce(host(a.client_addr), 'local'), CAST(EXTRACT(EPOCH FROM now() - a.backend_start) AS bigint) \
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE l.locktype = 'advisory' AND l.granted AND l.classid = CAST(CAST($1 AS int4) AS oid) AND l.objid = CAST(CAST($2 AS int4) AS oid) AND l.objsubid = 2",
        )
        .bind(LOCK_CLASS)
        .bind(self.lock_key)
        .fetch_optional(&mut self.conn)
        .await
        .ok()??;
        let (pid, user, app, addr, age): (i32, String, String, String, i64) = (
            row.try_get(0).ok()?,
            row.try_get(1).ok()?,
            row.try_get(2).ok()?,
            row.try_get(3).ok()?,
            row.try_get(4).ok()?,
        );
        Some(format!("held by pid {pid}, user {user}, application '{app}', from {addr}, connected {age}s ago"))
    }

    async fn run_in_transaction(
        &mut self,
        step: &Step<'_>,
        progress: &Progress<'_>,
    ) -> Result<(), StepError> {
        let mut tx = self
            .conn
            .begin()
            .await
            .map_err(|e| StepError::Internal(Error::db("BEGIN")(e)))?;
        if let Some(timeout) = step.lock_timeout {
            let set = format!("SET LOCAL lock_timeout = '{}ms'", timeout.as_millis());
            tx.execute(set.as_str())
                .await
                .map_err(|e| StepError::Internal(Error::db("setting lock_timeout")(e)))?;
        }
        for (i, s) in step.statements.iter().enumerate() {
            tx.execute(s.sql.as_str())
                .await
                .map_err(|e| step_error(i, e, None))?;
        }
        queries::write_progress(&mut *tx, Dialect::Postgres, progress)
            .await
            .map_err(|e| StepError::Internal(Error::db("recording progress")(e)))?;
        tx.commit()
            .await
            .map_err(|e| step_error(step.statements.len().saturating_sub(1), e, None))
    }

    async fn run_alone(
        &mut self,
        step: &Step<'_>,
        progress: &Progress<'_>,
    ) -> Result<(), StepError> {
        let timeout = step
            .lock_timeout
            .map_or("0".to_string(), |t| format!("{}ms", t.as_millis()));
        self.conn
            .execute(format!("SET lock_timeout = '{timeout}'").as_str())
            .await
            .map_err(|e| StepError::Internal(Error::db("setting lock_timeout")(e)))?;
        for (i, s) in step.statements.iter().enumerate() {
            self.conn
                .execute(s.sql.as_str())
                .await
                .map_err(|e| step_error(i, e, None))?;
        }
        self.write_progress(progress)
            .await
            .map_err(StepError::Internal)
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

    async fn execute(&mut self, sql: &str) -> Result<()> {
        self.conn
            .execute(sql)
            .await
            .map_err(Error::db(format!("running `{sql}`")))?;
        Ok(())
    }

    async fn try_lock(&mut self) -> Result<bool> {
        let object = self.lock_key;
        sqlx::query_scalar("SELECT pg_try_advisory_lock($1, $2)")
            .bind(LOCK_CLASS)
            .bind(object)
            .fetch_one(&mut self.conn)
            .await
            .map_err(Error::db("taking the migration lock"))
    }

    async fn lock_holder(&mut self) -> Option<String> {
        self.describe_lock_holder().await
    }

    async fn release_lock(&mut self) -> Result<()> {
        let object = self.lock_key;
        sqlx::query("SELECT pg_advisory_unlock($1, $2)")
            .bind(LOCK_CLASS)
            .bind(object)
            .execute(&mut self.conn)
            .await
            .map_err(Error::db("releasing the migration lock"))?;
        Ok(())
    }

    async fn state_version(&mut self) -> Result<Option<i64>> {
        let exists: bool = sqlx::query_scalar("SELECT to_regclass('bellows.meta') IS NOT NULL")
            .fetch_one(&mut self.conn)
            .await
            .map_err(Error::db("looking for the state tables"))?;
        if !exists {
            return Ok(None);
        }
        let v: Option<String> =
            sqlx::query_scalar("SELECT v FROM bellows.meta WHERE k = 'schema_version'")
                .fetch_optional(&mut self.conn)
                .await
                .map_err(Error::db("reading the state-schema version"))?;
        Ok(Some(v.and_then(|v| v.parse().ok()).unwrap_or(0)))
    }

    async fn set_state_version(&mut self, version: i64) -> Result<()> {
        sqlx::query("INSERT INTO bellows.meta (k, v) VALUES ('schema_version', $1) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v")
            .bind(version.to_string())
            .execute(&mut self.conn)
            .await
            .map_err(Error::db("writing the state-schema version"))?;
        Ok(())
    }

    async fn records(&mut self) -> Result<Vec<Record>> {
        if self.state_version().await?.unwrap_or(0) == 0 {
            return Ok(Vec::new());
        }
        queries::records(&mut self.conn, Dialect::Postgres).await
    }

    async fn write_progress(&mut self, progress: &Progress<'_>) -> Result<()> {
        queries::write_progress(&mut self.conn, Dialect::Postgres, progress)
            .await
            .map_err(Error::db("recording progress"))
    }

    async fn run_step(
        &mut self,
        step: &Step<'_>,
        progress: &Progress<'_>,
    ) -> Result<(), StepError> {
        let Some(timeout) = step.lock_timeout else {
            return if step.in_transaction {
                self.run_in_transaction(step, progress).await
            } else {
                self.run_alone(step, progress).await
            };
        };
        let pid = self.pid;
        self.probe_conn().await.map_err(StepError::Internal)?;
        let mut probe = self.probe.take();
        let (result, blocker) = {
            let work = async {
                if step.in_transaction {
                    self.run_in_transaction(step, progress).await
                } else {
                    self.run_alone(step, progress).await
                }
            };
            while_probing(work, probe_delay(timeout), blockers(probe.as_mut(), pid)).await
        };
        self.probe = probe;
        match result {
            Err(StepError::LockTimeout { .. }) => Err(StepError::LockTimeout { blocker }),
            other => other,
        }
    }

    async fn index_state(&mut self, name: &str) -> Result<IndexState> {
        let valid: Option<bool> = sqlx::query_scalar(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass($1)",
        )
        .bind(Dialect::Postgres.quote_ident(name))
        .fetch_optional(&mut self.conn)
        .await
        .map_err(Error::db("checking index validity"))?;
        Ok(match valid {
            None => IndexState::Missing,
            Some(true) => IndexState::Valid,
            Some(false) => IndexState::Invalid,
        })
    }

    async fn record_event(&mut self, event: &Event<'_>) -> Result<()> {
        queries::record_event(&mut self.conn, Dialect::Postgres, event).await
    }

    async fn record_rollout(&mut self, app_version: &str, actor: &str) -> Result<()> {
        queries::record_rollout(&mut self.conn, Dialect::Postgres, app_version, actor).await
    }

    async fn change_instance(&mut self, change: InstanceChange<'_>) -> Result<u64> {
        queries::change_instance(&mut self.conn, Dialect::Postgres, change).await
    }

    async fn instances(&mut self) -> Result<Vec<Instance>> {
        if self.state_version().await?.unwrap_or(0) < 2 {
            return Ok(Vec::new());
        }
        queries::instances(&mut self.conn, Dialect::Postgres).await
    }

    async fn latest_rollout(&mut self) -> Result<Option<Rollout>> {
        if self.state_version().await?.unwrap_or(0) == 0 {
            return Ok(None);
        }
        queries::latest_rollout(&mut self.conn, Dialect::Postgres).await
    }

    async fn query_rows(
        &mut self,
        sql: &str,
        binds: &[SqlValue],
    ) -> Result<Vec<Vec<Option<String>>>> {
        batch::query_rows(&mut self.conn, sql, binds)
            .await
            .map_err(Error::db(format!("running `{sql}`")))
    }

    async fn open_another(&self) -> Result<Box<dyn Backend>> {
        Ok(Box::new(
            PgBackend::connect_with(self.options.clone(), self.url.clone()).await?,
        ))
    }

    async fn run_batch(&mut self, b: &Batch<'_>) -> Result<Option<BatchDone>, StepError> {
        batch::run_batch::<sqlx::Postgres>(&mut self.conn, b).await
    }

    async fn replication(&mut self) -> Result<Replication> {
        // Without pg_read_all_stats a role sees each walsender's pid and nothing else.
        let row = sqlx::query(
            "SELECT count(*), count(*) FILTER (WHERE state IS NULL), \
             CAST(EXTRACT(EPOCH FROM max(replay_lag)) AS float8), \
             (array_agg(format('%s (%s)', application_name, coalesce(host(client_addr), 'local socket')) \
                        ORDER BY replay_lag DESC NULLS LAST))[1] \
             FROM pg_stat_replication",
        )
        .fetch_one(&mut self.conn)
        .await
        .map_err(Error::db("reading pg_stat_replication"))?;
        let (senders, hidden, lag, worst): (i64, i64, Option<f64>, Option<String>) = (
            row.try_get(0)
                .map_err(Error::db("reading pg_stat_replication"))?,
            row.try_get(1)
                .map_err(Error::db("reading pg_stat_replication"))?,
            row.try_get(2)
                .map_err(Error::db("reading pg_stat_replication"))?,
            row.try_get(3)
                .map_err(Error::db("reading pg_stat_replication"))?,
        );
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
        Ok(match lag {
            Some(s) => Replication::Lag {
                lag: Duration::from_secs_f64(s.max(0.0)),
                at: worst.map(|w| format!("standby {w}")),
            },
            None => Replication::Lag {
                lag: Duration::ZERO,
                at: None,
            },
        })
    }
}

/// Describe the sessions blocking `pid`.
async fn blockers(conn: Option<&mut PgConnection>, pid: i32) -> Option<String> {
    let rows = sqlx::query(
        "SELECT pid, coalesce(usename, ''), coalesce(application_name, ''), coalesce(state, ''), \
         coalesce(CAST(EXTRACT(EPOCH FROM now() - xact_start) AS bigint), 0), left(coalesce(query, ''), 80) \
         FROM pg_stat_activity WHERE pid = ANY(pg_blocking_pids($1))",
    )
    .bind(pid)
    .fetch_all(conn?)
    .await
    .ok()?;
    let described: Vec<String> = rows
        .iter()
        .filter_map(|r| {
            let (pid, user, app, st, age, query): (i32, String, String, String, i64, String) =
                (r.try_get(0).ok()?, r.try_get(1).ok()?, r.try_get(2).ok()?, r.try_get(3).ok()?, r.try_get(4).ok()?, r.try_get(5).ok()?);
            Some(format!("pid {pid} (user {user}, application '{app}', {st}, transaction open {age}s, last query: {query})"))
        })
        .collect();
    (!described.is_empty()).then(|| described.join("; "))
}
