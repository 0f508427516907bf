//! Everything that talks to a database: URLs, connections, the migration lock, timeouts,
//! retries and bellows' own state tables. PostgreSQL and MySQL/MariaDB each implement
//! [`Backend`]; the engine sees only the trait.

mod batch;
#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod postgres;
mod probe;
mod queries;
pub mod state;
mod types;
mod url;

pub use batch::{Batch, BatchDone, SqlValue};
pub use types::{
    AppliedPhase, Event, IndexState, Instance, InstanceChange, Progress, Record, Replication,
    Rollout, State, Step, StepError,
};
pub use url::{redact_message, DatabaseUrl};

use crate::{Dialect, Error, Result};
use async_trait::async_trait;
use std::time::Duration;

/// How long to wait for a connection before calling the database unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A connection to one database, with what bellows needs of it.
#[async_trait]
pub trait Backend: Send {
    /// The dialect of the server (MariaDB when a `mysql://` URL reaches a MariaDB server).
    fn dialect(&self) -> Dialect;
    /// The server's version string.
    fn server_version(&self) -> &str;
    /// Run one statement of bellows' own (simple protocol, no result).
    async fn execute(&mut self, sql: &str) -> Result<()>;
    /// Try the migration lock once; `false` when another session holds it.
    async fn try_lock(&mut self) -> Result<bool>;
    /// Who holds the migration lock, where the database says.
    async fn lock_holder(&mut self) -> Option<String>;
    /// Release the migration lock.
    async fn release_lock(&mut self) -> Result<()>;
    /// The state-schema version, `None` when bellows never ran on this database.
    async fn state_version(&mut self) -> Result<Option<i64>>;
    /// Record the state-schema version.
    async fn set_state_version(&mut self, version: i64) -> Result<()>;
    /// Every migration record, in version order (empty when there is no state yet).
    async fn records(&mut self) -> Result<Vec<Record>>;
    /// Write progress on its own.
    async fn write_progress(&mut self, progress: &Progress<'_>) -> Result<()>;
    /// Run a step under its lock timeout and write `progress` with it (in the same
    /// transaction where the step is transactional).
    async fn run_step(&mut self, step: &Step<'_>, progress: &Progress<'_>)
        -> Result<(), StepError>;
    /// The state of an index by name (PostgreSQL concurrent builds).
    async fn index_state(&mut self, name: &str) -> Result<IndexState>;
    /// Append to the events log.
    async fn record_event(&mut self, event: &Event<'_>) -> Result<()>;
    /// Record a finished rollout of the app.
    async fn record_rollout(&mut self, app_version: &str, actor: &str) -> Result<()>;
    /// The latest recorded rollout.
    async fn latest_rollout(&mut self) -> Result<Option<Rollout>>;
    /// Register, heartbeat, deregister or prune app instances; returns the rows touched.
    async fn change_instance(&mut self, change: InstanceChange<'_>) -> Result<u64>;
    /// Every registered instance (empty when there is no state yet).
    async fn instances(&mut self) -> Result<Vec<Instance>>;
    /// Rows of a query whose columns are all text (cast them), with bound values.
    async fn query_rows(
        &mut self,
        sql: &str,
        binds: &[SqlValue],
    ) -> Result<Vec<Vec<Option<String>>>>;
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

/// Where to connect: a URL, or the options of an application's existing sqlx pool.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Target {
    /// A database URL.
    Url(DatabaseUrl),
    /// The connect options of a PostgreSQL pool.
    #[cfg(feature = "postgres")]
    Postgres(sqlx::postgres::PgConnectOptions),
    /// The connect options of a MySQL/MariaDB pool.
    #[cfg(feature = "mysql")]
    Mysql(sqlx::mysql::MySqlConnectOptions),
}

impl Target {
    /// The dialect of the target (MySQL for a MySQL pool, even on MariaDB).
    #[must_use]
    pub fn dialect(&self) -> Dialect {
        match self {
            Target::Url(url) => url.dialect(),
            #[cfg(feature = "postgres")]
            Target::Postgres(_) => Dialect::Postgres,
            #[cfg(feature = "mysql")]
            Target::Mysql(_) => Dialect::Mysql,
        }
    }
}

/// Connect to a [`Target`].
///
/// # Errors
/// [`Error::Connect`] when it cannot be reached or refuses the login (within 10 s).
pub async fn connect_target(target: &Target) -> Result<Box<dyn Backend>> {
    match target {
        Target::Url(url) => connect(url).await,
        #[cfg(feature = "postgres")]
        Target::Postgres(options) => {
            let shown = format!(
                "the pool's PostgreSQL database {}",
                options.get_database().unwrap_or_default()
            );
            Ok(Box::new(
                postgres::PgBackend::connect_with(options.clone(), shown).await?,
            ))
        }
        #[cfg(feature = "mysql")]
        Target::Mysql(options) => {
            let shown = format!(
                "the pool's MySQL database {}",
                options.get_database().unwrap_or_default()
            );
            Ok(Box::new(
                mysql::MySqlBackend::connect_with(options.clone(), shown).await?,
            ))
        }
    }
}

/// Connect to the database a URL names.
///
/// # Errors
/// [`Error::Connect`] when it cannot be reached or refuses the login (within 10 s).
pub async fn connect(url: &DatabaseUrl) -> Result<Box<dyn Backend>> {
    let connecting = async {
        match url.dialect() {
            #[cfg(feature = "postgres")]
            Dialect::Postgres => {
                Ok(Box::new(postgres::PgBackend::connect(url).await?) as Box<dyn Backend>)
            }
            #[cfg(feature = "mysql")]
            Dialect::Mysql | Dialect::Mariadb => {
                Ok(Box::new(mysql::MySqlBackend::connect(url).await?) as Box<dyn Backend>)
            }
            #[allow(unreachable_patterns)]
            other => Err(Error::Url(format!(
                "this build of bellows has no {other} support (cargo feature)"
            ))),
        }
    };
    tokio::time::timeout(CONNECT_TIMEOUT, connecting)
        .await
        .map_err(|_| Error::Connect {
            url: url.to_string(),
            source: sqlx::Error::PoolTimedOut,
        })?
}

/// Take the migration lock, polling every 200 ms for up to `wait`.
///
/// # Errors
/// [`Error::LockBusy`] naming the holder when `wait` passes; database errors.
pub async fn acquire_lock(db: &mut dyn Backend, wait: Duration) -> Result<()> {
    let started = std::time::Instant::now();
    while !db.try_lock().await? {
        let waited = started.elapsed();
        if waited >= wait {
            return Err(Error::LockBusy {
                holder: db.lock_holder().await,
                waited,
            });
        }
        tokio::time::sleep(Duration::from_millis(200).min(wait - waited)).await;
    }
    Ok(())
}

/// Create or upgrade the state tables to [`state::SCHEMA_VERSION`]. Call under the
/// migration lock.
///
/// # Errors
/// [`Error::StateTooNew`] when a newer bellows wrote them; database errors.
pub async fn ensure_state(db: &mut dyn Backend) -> Result<()> {
    let dialect = db.dialect();
    let found = match db.state_version().await? {
        Some(v) => v,
        None => {
            for sql in state::bootstrap(dialect) {
                db.execute(&sql).await?;
            }
            0
        }
    };
    if found > state::SCHEMA_VERSION {
        return Err(Error::StateTooNew {
            found,
            supported: state::SCHEMA_VERSION,
        });
    }
    let upgrades = state::upgrades(dialect);
    for (from, statements) in upgrades
        .iter()
        .enumerate()
        .skip(usize::try_from(found).unwrap_or(0))
    {
        for sql in statements {
            db.execute(sql).await?;
        }
        db.set_state_version(i64::try_from(from).unwrap_or(0) + 1)
            .await?;
    }
    Ok(())
}

/// Classify a driver error of a migration statement.
pub(crate) fn step_error(index: usize, source: sqlx::Error, blocker: Option<String>) -> StepError {
    let Some(db) = source.as_database_error() else {
        return StepError::Failed { index, source };
    };
    let code = db.code().unwrap_or_default().to_string();
    #[cfg(feature = "mysql")]
    let number = db
        .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
        .map(sqlx::mysql::MySqlDatabaseError::number);
    #[cfg(not(feature = "mysql"))]
    let number: Option<u16> = None;
    match (code.as_str(), number) {
        ("55P03", _) | (_, Some(1205 | 3572)) => StepError::LockTimeout { blocker },
        ("40P01" | "40001", _) | (_, Some(1213)) => StepError::Transient(source),
        _ => StepError::Failed { index, source },
    }
}
