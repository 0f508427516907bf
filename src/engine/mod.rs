//! The phase runner: expand, contract, abort, plan and status over a loaded
//! migrations folder and one database, under the migration lock, with drift checks.

mod abort;
mod activity;
mod adopt;
mod backfill;
mod checked;
mod contract;
mod drift;
mod expand;
mod lifecycle;
mod phase_run;
mod plan;
mod preflight;
pub(crate) mod retry;
mod rollout;
mod status;
mod steps;

pub use activity::Activity;
pub use adopt::{AdoptFrom, AdoptLine, AdoptOptions, AdoptReport, AdoptVerdict};
pub use backfill::BackfillOptions;
pub(crate) use checked::refusals;
pub use checked::CheckedMigrations;
pub use contract::{ContractOutcome, ContractRefusal};
pub use expand::Applied;
pub use plan::{plan_offline, PlannedPhase, PlannedStatement};
pub use status::{MigrationStatus, Next, PhaseFailure};

use crate::db::{self, store, Backend, Lock, Record};
use crate::{Migration, PhaseKind, Result};
use std::time::Duration;

/// How the runner behaves; built once by the CLI or the application, from
/// `Settings::default()` and the `with_*` methods:
///
/// ```
/// use std::time::Duration;
/// let settings = bellows::engine::Settings::default()
///     .with_lock_timeout(Duration::from_secs(1))
///     .with_actor("deploy-bot");
/// assert_eq!(settings.lock_wait, Duration::from_secs(120));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Settings {
    /// Lock timeout for each DDL step (default 2 s).
    pub lock_timeout: Duration,
    /// Attempts per step when the lock timeout hits (default 10).
    pub lock_retries: u32,
    /// How long to wait for another runner's migration lock (default 2 minutes; the CLI
    /// fails at once unless `--lock-wait` says otherwise).
    pub lock_wait: Duration,
    /// Run even though applied phases changed on disk.
    pub allow_drift: bool,
    /// Apply a pending migration older than one already applied (default: refuse).
    pub allow_out_of_order: bool,
    /// Who runs (recorded with each phase and event).
    pub actor: String,
    /// Which host runs.
    pub host: String,
    /// The rollout gate's sources.
    pub gate: crate::gate::GateConfig,
    /// How often a registered app instance refreshes its heartbeat.
    pub heartbeat_every: Duration,
    /// The environment app instances register in (blue, green, canary, a region).
    pub environment: Option<String>,
    /// On Galera, where the lock is a lease in a table: how long a lease lasts unless its
    /// holder renews it (default 30 s; a killed runner blocks others this long).
    pub lease_expiry: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            lock_timeout: Duration::from_secs(2),
            lock_retries: 10,
            lock_wait: DEFAULT_LOCK_WAIT,
            allow_drift: false,
            allow_out_of_order: false,
            actor: "bellows".into(),
            host: gethostname::gethostname().to_string_lossy().into_owned(),
            gate: crate::gate::GateConfig::default(),
            heartbeat_every: Duration::from_secs(15),
            environment: None,
            lease_expiry: db::DEFAULT_LEASE_EXPIRY,
        }
    }
}

/// How long a runner waits for another runner's migration lock by default: long enough
/// for a replica starting beside another that is applying expand phases.
pub(crate) const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(120);

impl Settings {
    /// Lock timeout for each DDL step.
    #[must_use]
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// Attempts per step when the lock timeout hits (at least 1).
    #[must_use]
    pub fn with_lock_retries(mut self, attempts: u32) -> Self {
        self.lock_retries = attempts.max(1);
        self
    }

    /// How long to wait for another runner's migration lock (zero: fail at once).
    #[must_use]
    pub fn with_lock_wait(mut self, wait: Duration) -> Self {
        self.lock_wait = wait;
        self
    }

    /// Run even though applied phases changed on disk.
    #[must_use]
    pub fn with_allow_drift(mut self, allow: bool) -> Self {
        self.allow_drift = allow;
        self
    }

    /// Apply a pending migration older than one already applied.
    #[must_use]
    pub fn with_allow_out_of_order(mut self, allow: bool) -> Self {
        self.allow_out_of_order = allow;
        self
    }

    /// Who runs (recorded with each phase and event).
    #[must_use]
    pub fn with_actor(mut self, actor: impl Into<String>) -> Self {
        self.actor = actor.into();
        self
    }

    /// The rollout gate's sources.
    #[must_use]
    pub fn with_gate(mut self, gate: crate::gate::GateConfig) -> Self {
        self.gate = gate;
        self
    }

    /// How long a lease lock lasts unless renewed (Galera; at least 300 ms).
    #[must_use]
    pub fn with_lease_expiry(mut self, expiry: Duration) -> Self {
        self.lease_expiry = expiry.max(Duration::from_millis(300));
        self
    }

    /// How often a registered app instance refreshes its heartbeat.
    #[must_use]
    pub fn with_heartbeat_every(mut self, every: Duration) -> Self {
        self.heartbeat_every = every;
        self
    }

    /// The environment app instances register in (blue, green, canary, a region): the
    /// gate shows instances by environment, and `bellows rollout retire --env` retires one.
    #[must_use]
    pub fn with_environment(mut self, environment: impl Into<String>) -> Self {
        self.environment = Some(environment.into());
        self
    }
}

/// Migrations and a database, ready to run commands (what the CLI drives).
///
/// ```no_run
/// # async fn run() -> bellows::Result<()> {
/// use bellows::{db, engine::{CheckedMigrations, Runner, Settings}, migration::load_dir};
/// let url = db::DatabaseUrl::parse("postgres://postgres@127.0.0.1/app")?;
/// // Checked before connecting: a bad file never reaches the database.
/// let migrations = CheckedMigrations::new(load_dir("migrations".as_ref(), url.dialect())?, url.dialect())?;
/// let mut runner = Runner::connect(&url, migrations, Settings::default()).await?;
/// runner.expand().await?;
/// let outcome = runner.contract(None, false).await?;
/// if let Some(refused) = outcome.refused {
///     eprintln!("{} waits: {}", refused.version, refused.reason);
/// }
/// # Ok(()) }
/// ```
pub struct Runner {
    db: Box<dyn Backend>,
    migrations: CheckedMigrations,
    settings: Settings,
}

impl Runner {
    /// A runner over migrations already checked (for this database's dialect, or checked
    /// again here when the server turned out to be another one of the MySQL family).
    ///
    /// # Errors
    /// [`crate::Error::MigrationFile`] for a phase bellows cannot run on this server.
    pub(crate) fn with_checked(
        mut db: Box<dyn Backend>,
        migrations: CheckedMigrations,
        settings: Settings,
    ) -> Result<Self> {
        db.set_lease_terms(db::LeaseTerms::of(
            &settings.actor,
            &settings.host,
            settings.lease_expiry,
        ));
        let migrations = migrations.for_dialect(db.dialect())?;
        Ok(Runner {
            db,
            migrations,
            settings,
        })
    }

    /// Connect to the database `url` names and get ready to run `migrations` there.
    ///
    /// # Errors
    /// [`crate::Error::Connect`] when the database cannot be reached; a migration that cannot
    /// run on the server's dialect.
    pub async fn connect(
        url: &db::DatabaseUrl,
        migrations: CheckedMigrations,
        settings: Settings,
    ) -> Result<Self> {
        Self::with_checked(db::connect(url).await?, migrations, settings)
    }

    /// The database connection.
    pub(crate) fn backend(&mut self) -> &mut dyn Backend {
        self.db.as_mut()
    }

    /// The database connection, for good (the runner is done).
    pub(crate) fn into_backend(self) -> Box<dyn Backend> {
        self.db
    }

    /// The settings it runs with.
    #[must_use]
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The loaded migrations.
    #[must_use]
    pub fn migrations(&self) -> &[Migration] {
        self.migrations.migrations()
    }

    /// Create or upgrade the state tables (under the migration lock).
    ///
    /// # Errors
    /// Lock wait exceeded; database errors.
    pub async fn prepare_state(&mut self) -> Result<()> {
        if store::schema(self.db.as_mut()).await?.is_current() {
            return Ok(());
        }
        db::acquire_lock(self.db.as_mut(), Lock::Migrations, self.settings.lock_wait).await?;
        let result = store::ensure(self.db.as_mut()).await;
        self.unlock(result).await
    }

    /// Take the migration lock, make sure the state tables exist, and read the records.
    async fn lock(&mut self) -> Result<Vec<Record>> {
        db::acquire_lock(self.db.as_mut(), Lock::Migrations, self.settings.lock_wait).await?;
        let prepared = async {
            store::ensure(self.db.as_mut()).await?;
            self.read_checked().await
        }
        .await;
        if prepared.is_err() {
            let _ = self.db.release_lock(Lock::Migrations).await;
        }
        prepared
    }

    /// Take the backfill lock, then the migration lock (always in that order, so two runs
    /// never wait on each other's second lock), and read the records. For the commands that
    /// must not run beside a backfill: backfill, up, contract, abort.
    async fn lock_both(&mut self) -> Result<Vec<Record>> {
        db::acquire_lock(self.db.as_mut(), Lock::Backfill, self.settings.lock_wait).await?;
        let records = self.lock().await;
        if records.is_err() {
            let _ = self.db.release_lock(Lock::Backfill).await;
        }
        records
    }

    /// The records, checked against the folder (drift, the right folder). Reads only: no lock
    /// needed to look, the lock is needed to act.
    async fn read_checked(&mut self) -> Result<Vec<Record>> {
        let records = self.read_drift_checked().await?;
        lifecycle::same_folder(self.migrations.migrations(), &records)?;
        Ok(records)
    }

    /// The records, refused when a file changed since it ran (drift), unless allowed.
    async fn read_drift_checked(&mut self) -> Result<Vec<Record>> {
        let records = store::records(self.db.as_mut()).await?;
        let started = crate::backfill::started_backfills(self.db.as_mut()).await?;
        drift::check(
            self.migrations.migrations(),
            &records,
            &started,
            self.db.dialect(),
            self.settings.allow_drift,
        )?;
        Ok(records)
    }

    /// Release the migration lock whatever `result` is; a failed release is reported only
    /// when the work itself succeeded.
    async fn unlock<T>(&mut self, result: Result<T>) -> Result<T> {
        let released = self.db.release_lock(Lock::Migrations).await;
        let value = result?;
        released?;
        Ok(value)
    }

    /// Release the backfill lock as [`Runner::unlock`] does the migration lock.
    async fn unlock_backfill<T>(&mut self, result: Result<T>) -> Result<T> {
        let released = self.db.release_lock(Lock::Backfill).await;
        let value = result?;
        released?;
        Ok(value)
    }

    /// Release both locks (migration lock first).
    async fn unlock_both<T>(&mut self, result: Result<T>) -> Result<T> {
        let result = self.unlock(result).await;
        self.unlock_backfill(result).await
    }

    /// Run `kind` of `migration` from statement `resume_from`, record the run in the events
    /// log, and say what ran.
    async fn run_phase(
        &mut self,
        migration: &Migration,
        kind: PhaseKind,
        resume_from: usize,
    ) -> Result<Applied> {
        let statements = migration
            .phase(kind)
            .map_or(0, |p| p.statements.len())
            .saturating_sub(resume_from);
        tracing::debug!(
            "{} {}: {kind} ({statements} statements)",
            migration.version,
            migration.name
        );
        let duration = match self.run_steps(migration, kind, resume_from).await {
            Ok(duration) => duration,
            Err(e) => {
                self.record_failure(migration.version, kind, &e).await;
                return Err(e);
            }
        };
        let millis = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX);
        let detail =
            serde_json::json!({ "phase": kind, "statements": statements, "duration_ms": millis });
        let event = db::Event {
            kind: "phase",
            version: Some(migration.version),
            actor: &self.settings.actor,
            detail,
        };
        store::record_event(self.db.as_mut(), &event).await?;
        Ok(Applied {
            version: migration.version,
            name: migration.name.clone(),
            phase: kind,
            statements,
            duration,
        })
    }
}

/// The record of `version`, if any.
fn record_of(records: &[Record], version: i64) -> Option<&Record> {
    records.iter().find(|r| r.version == version)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/library.md promises these defaults to applications.
    #[test]
    fn library_defaults_match_the_docs() {
        let s = Settings::default();
        assert_eq!(s.lock_wait, Duration::from_secs(120));
        assert_eq!(s.lock_timeout, Duration::from_secs(2));
        assert_eq!(s.lock_retries, 10);
        assert_eq!(s.heartbeat_every, Duration::from_secs(15));
        let changed = Settings::default().with_lock_wait(Duration::ZERO);
        assert_eq!(changed.lock_wait, Duration::ZERO);
        assert_eq!(changed.lock_timeout, s.lock_timeout);
    }
}
