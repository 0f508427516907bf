//! Everything that talks to a database. Public: [`DatabaseUrl`] (with the password
//! redacted whenever it is shown), the records a caller reads back ([`Instance`],
//! [`State`]) and the database's table sizes for the linter. Inside the crate: a small
//! [`Backend`] trait that each dialect implements once (connection primitives only), the
//! dialect-generic `store` that owns bellows' own tables, the `catalog` readers of the
//! user's schema, and the keyset queries of backfills.

pub(crate) mod adopt;
mod batch;
pub(crate) mod catalog;
mod connect;
mod driver;
pub(crate) mod keyset;
#[cfg(feature = "mysql")]
mod lease;
#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "mysql")]
mod mysql_replication;
#[cfg(feature = "postgres")]
mod postgres;
pub(crate) mod preflight;
mod probe;
mod row;
pub(crate) mod schema_live;
pub(crate) mod store;
mod tls;
mod types;
mod url;
mod value;
pub(crate) mod waits;

pub use adopt::Tool;
#[doc(hidden)]
pub use batch::{Batch, BatchDone, Checkpoint};
pub use catalog::is_galera;
#[doc(hidden)]
pub use connect::connect;
pub(crate) use connect::{borrow_from_pool, connect_target, Target};
#[doc(hidden)]
pub use driver::Sql;
#[doc(hidden)]
pub use row::Row;
#[doc(hidden)]
pub use schema_live::live_dump;
pub use schema_live::recipe_model;
pub(crate) use types::{
    Event, IndexState, InstanceChange, Progress, Record, Rollout, DEFAULT_LEASE_EXPIRY,
};
pub use types::{Instance, State};
#[doc(hidden)]
pub use types::{LeaseTerms, Replication, Step, StepError};
pub use url::{redact_message, DatabaseUrl};
#[doc(hidden)]
pub use value::{Bound, SqlValue};

use crate::{Dialect, Error, Result};
use async_trait::async_trait;
use std::time::Duration;

/// A connection to one database: the primitives bellows needs of it, and nothing that is
/// the same on every database (that lives in [`store`], [`catalog`] and the engine). Each
/// dialect implements it once. Not part of the API (hidden; the crate's own tests use it).
#[doc(hidden)]
#[async_trait]
pub trait Backend: Send + Sync {
    /// The dialect of the server (MariaDB when a `mysql://` URL reaches a MariaDB server).
    fn dialect(&self) -> Dialect;
    /// The server's version string.
    fn server_version(&self) -> &str;
    /// The connection bellows' own statements run on, this session's id on the server
    /// (what blockers are compared to) and where the second connection that looks for
    /// blockers is kept.
    fn session(&mut self) -> Session<'_>;
    /// The connection bellows' own statements run on.
    fn sql(&mut self) -> &mut dyn Sql {
        self.session().sql
    }
    /// Run one statement of bellows' own (simple protocol, no result).
    async fn execute(&mut self, sql: &str) -> Result<()> {
        self.sql().execute(sql).await
    }
    /// Rows of a query whose columns are all text (cast them), with bound values.
    async fn query(&mut self, sql: &str, binds: &[SqlValue]) -> Result<Vec<Row>> {
        self.sql().query(sql, binds).await
    }
    /// Run a statement with bound values; the rows it touched.
    async fn execute_with(&mut self, sql: &str, binds: &[SqlValue]) -> Result<u64> {
        self.sql().execute_with(sql, binds).await
    }
    /// Who this runner is and how long its lease lasts, on servers where the lock is a
    /// lease in a table (Galera); other servers ignore it.
    fn set_lease_terms(&mut self, _terms: LeaseTerms) {}
    /// Try `lock` once; `false` when another session holds it.
    async fn try_lock(&mut self, lock: Lock) -> Result<bool>;
    /// Who holds `lock`, where the database says.
    async fn lock_holder(&mut self, lock: Lock) -> Option<String>;
    /// Release `lock`.
    async fn release_lock(&mut self, lock: Lock) -> Result<()>;
    /// Run a step under its lock timeout, then `bookkeeping` (in the same transaction
    /// where the step is transactional), without looking for blockers.
    async fn run_unprobed(&mut self, step: &Step<'_>, bookkeeping: &Bound)
        -> Result<(), StepError>;
    /// The sessions blocking session `id`, described (asked on the probe connection).
    async fn blockers_of(&mut self, id: i64) -> Option<String>;
    /// How long into a lock wait to look for the blocker.
    fn probe_delay(&self, lock_timeout: Duration) -> Duration {
        probe::probe_delay(lock_timeout)
    }
    /// Run a step under its lock timeout, then `bookkeeping` (in the same transaction
    /// where the step is transactional); on a lock timeout, name the sessions that held the
    /// lock, as a second connection saw them while the step waited.
    async fn run_step(&mut self, step: &Step<'_>, bookkeeping: &Bound) -> Result<(), StepError> {
        let Some(timeout) = step.lock_timeout else {
            return self.run_unprobed(step, bookkeeping).await;
        };
        if self.session().probe.is_none() {
            let probe = self.open_another().await.map_err(StepError::Internal)?;
            *self.session().probe = Some(probe);
        }
        let (id, mut probe) = {
            let session = self.session();
            (session.id, session.probe.take())
        };
        let delay = self.probe_delay(timeout);
        let blockers = async {
            match probe.as_mut() {
                Some(p) => p.blockers_of(id).await,
                None => None,
            }
        };
        let (result, blocker) =
            probe::while_probing(self.run_unprobed(step, bookkeeping), delay, blockers).await;
        *self.session().probe = probe;
        match result {
            Err(StepError::LockTimeout { index, .. }) => {
                Err(StepError::LockTimeout { index, blocker })
            }
            other => other,
        }
    }
    /// One backfill batch and its checkpoint, in one transaction; `None` when no key is left.
    async fn run_batch(&mut self, batch: &Batch<'_>) -> Result<Option<BatchDone>, StepError>;
    /// A new connection to the same database (backfill workers).
    async fn open_another(&self) -> Result<Box<dyn Backend>>;
    /// Replication as this server sees it: on PostgreSQL the largest `replay_lag` among the
    /// standbys connected to this primary; on MySQL/MariaDB this server's own replication
    /// when it is a replica (every channel), [`Replication::Stopped`] when a replica thread
    /// is not running.
    ///
    /// # Errors
    /// Database errors; [`Error::Config`] on PostgreSQL when the role may not see the lag of
    /// the standbys (it needs `pg_read_all_stats`, e.g. through `pg_monitor`).
    async fn replication(&mut self) -> Result<Replication>;
}

/// What every connection has: its driver connection, its id on the server, and the probe
/// connection that looks for blockers (see [`Backend::session`]).
#[doc(hidden)]
pub struct Session<'a> {
    /// The driver connection.
    pub sql: &'a mut dyn Sql,
    /// This session's id on the server.
    pub id: i64,
    /// The second connection that looks for blockers, opened on demand.
    pub probe: &'a mut Option<Box<dyn Backend>>,
}

/// bellows' two session-level locks on a database (advisory locks on PostgreSQL, `GET_LOCK`
/// on MySQL/MariaDB). Whoever needs both takes [`Lock::Backfill`] first.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    /// The migration lock: expand phases, creating the state tables, the start of a
    /// backfill, contract and abort. Held for seconds, so app startup may wait for it.
    Migrations,
    /// The backfill lock: held for a whole backfill run (hours), and by contract and abort,
    /// which must not run while a backfill does. App startup never takes it.
    Backfill,
}

/// Take `lock`, polling every 200 ms for up to `wait`.
///
/// # Errors
/// [`Error::LockBusy`] naming the holder when `wait` passes; database errors.
pub(crate) async fn acquire_lock(db: &mut dyn Backend, lock: Lock, wait: Duration) -> Result<()> {
    let started = std::time::Instant::now();
    while !db.try_lock(lock).await? {
        let waited = started.elapsed();
        if waited >= wait {
            let holder = db.lock_holder(lock).await;
            return Err(Error::LockBusy {
                holder: match lock {
                    Lock::Migrations => holder,
                    Lock::Backfill => Some(format!(
                        "the backfill lock, which a backfill, contract or abort holds: {}",
                        holder.unwrap_or_else(|| "holder unknown".into())
                    )),
                },
                waited,
            });
        }
        tokio::time::sleep(Duration::from_millis(200).min(wait - waited)).await;
    }
    Ok(())
}

/// Whether a driver error means the connection is gone: the socket closed or broke, the
/// server ended the session (PostgreSQL admin shutdown 57P01-57P03, MySQL/MariaDB 1927
/// "connection was killed", 2006/2013 "server has gone away" / "lost connection").
pub(crate) fn connection_lost(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolClosed => true,
        sqlx::Error::Protocol(message) => {
            message.contains("expected to read") || message.contains("EOF")
        }
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            matches!(
                code.as_ref(),
                "57P01" | "57P02" | "57P03" | "08006" | "08003"
            ) || mysql_number(db.as_ref()).is_some_and(|n| matches!(n, 1927 | 2006 | 2013))
        }
        _ => false,
    }
}

/// The MySQL/MariaDB error number of a database error, if it is one.
pub(crate) fn mysql_number(db: &dyn sqlx::error::DatabaseError) -> Option<u16> {
    #[cfg(feature = "mysql")]
    return db
        .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
        .map(sqlx::mysql::MySqlDatabaseError::number);
    #[cfg(not(feature = "mysql"))]
    {
        let _ = db;
        None
    }
}

/// Classify a driver error of a migration statement.
pub(crate) fn step_error(index: usize, source: sqlx::Error, blocker: Option<String>) -> StepError {
    if connection_lost(&source) {
        return StepError::ConnectionLost { index, source };
    }
    let Some(db) = source.as_database_error() else {
        return StepError::Failed { index, source };
    };
    let code = db.code().unwrap_or_default().to_string();
    let number = mysql_number(db);
    match (code.as_str(), number) {
        ("55P03", _) | (_, Some(1205 | 3572)) => StepError::LockTimeout { index, blocker },
        ("40P01" | "40001", _) | (_, Some(1213)) => StepError::Transient(source),
        ("57014" | "70100", _) => StepError::StatementTimeout(source),
        _ => StepError::Failed { index, source },
    }
}

/// The server's version and the estimated rows of each of its user tables (negative:
/// never analysed), for the linter's live context. Read-only.
///
/// # Errors
/// [`Error::Connect`] when the database cannot be reached; database errors.
pub async fn table_estimates(url: &DatabaseUrl) -> Result<(String, Vec<(String, i64)>)> {
    let mut db = connect(url).await?;
    let tables = catalog::table_estimates(db.as_mut()).await?;
    Ok((db.server_version().to_string(), tables))
}

/// The schema of the database at `url` (every user table), for `bellows lint
/// --database-url`: it seeds the folder lint's model. Read-only.
///
/// # Errors
/// Connection and catalog errors.
pub async fn lint_schema(url: &DatabaseUrl) -> Result<crate::lint::LiveSchema> {
    let mut db = connect(url).await?;
    let schema = schema_live::schema_model(db.as_mut(), None).await?;
    Ok(crate::lint::LiveSchema { schema })
}
