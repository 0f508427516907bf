//! The phase runner (DESIGN §3, §4): expand, contract, abort, plan and status over a loaded
//! migrations folder and one database, under the migration lock, with drift checks.

mod abort;
mod backfill;
mod checked;
mod contract;
mod drift;
mod expand;
mod lifecycle;
mod phase_run;
mod plan;
pub(crate) mod retry;
mod status;
mod steps;

pub use backfill::BackfillOptions;
pub use checked::CheckedMigrations;
pub use contract::{ContractOutcome, ContractRefusal};
pub use expand::Applied;
pub use plan::{plan_offline, PlannedPhase, PlannedStatement};
pub use retry::backoff;
pub use status::{MigrationStatus, Next};
pub use steps::{plan_steps, StepPlan};

use crate::db::{self, store, Backend, Record};
use crate::{Migration, PhaseKind, Result};
use std::time::Duration;

/// How the runner behaves; built once by the CLI or the application.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Lock timeout for each DDL step (default 2 s).
    pub lock_timeout: Duration,
    /// Attempts per step when the lock timeout hits (default 10).
    pub lock_retries: u32,
    /// How long to wait for another runner's migration lock (default: fail at once).
    pub lock_wait: Duration,
    /// Run even though applied phases changed on disk.
    pub allow_drift: bool,
    /// Who runs (recorded with each phase and event).
    pub actor: String,
    /// Which host runs.
    pub host: String,
    /// The rollout gate's sources.
    pub gate: crate::gate::GateConfig,
    /// How often a registered app instance refreshes its heartbeat.
    pub heartbeat_every: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            lock_timeout: Duration::from_secs(2),
            lock_retries: 10,
            lock_wait: Duration::ZERO,
            allow_drift: false,
            actor: "bellows".into(),
            host: gethostname::gethostname().to_string_lossy().into_owned(),
            gate: crate::gate::GateConfig::default(),
            heartbeat_every: Duration::from_secs(15),
        }
    }
}

/// Migrations and a database, ready to run commands (what the CLI drives).
///
/// ```no_run
/// # async fn run() -> bellows::Result<()> {
/// use bellows::{db, engine::{Runner, Settings}, migration::load_dir, Dialect};
/// let url = db::DatabaseUrl::parse("postgres://postgres@127.0.0.1/app")?;
/// let migrations = load_dir("migrations".as_ref(), url.dialect())?;
/// let mut runner = Runner::new(db::connect(&url).await?, migrations, Settings::default())?;
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
    /// A runner over `migrations` (sorted by version) on `db`. Every phase is checked
    /// before anything runs, so bad input never reaches the database.
    ///
    /// # Errors
    /// [`crate::Error::MigrationFile`] for a phase bellows cannot run (transaction control).
    pub fn new(
        db: Box<dyn Backend>,
        migrations: Vec<Migration>,
        settings: Settings,
    ) -> Result<Self> {
        let migrations = CheckedMigrations::new(migrations, db.dialect())?;
        Ok(Runner {
            db,
            migrations,
            settings,
        })
    }

    /// A runner over migrations already checked (for this database's dialect, or checked
    /// again here when the server turned out to be another one of the MySQL family).
    ///
    /// # Errors
    /// As [`Runner::new`].
    pub fn with_checked(
        db: Box<dyn Backend>,
        migrations: CheckedMigrations,
        settings: Settings,
    ) -> Result<Self> {
        let migrations = migrations.for_dialect(db.dialect())?;
        Ok(Runner {
            db,
            migrations,
            settings,
        })
    }

    /// The database connection.
    pub fn backend(&mut self) -> &mut dyn Backend {
        self.db.as_mut()
    }

    /// The database connection, for good (the runner is done).
    #[must_use]
    pub fn into_backend(self) -> Box<dyn Backend> {
        self.db
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
        db::acquire_lock(self.db.as_mut(), self.settings.lock_wait).await?;
        let result = store::ensure(self.db.as_mut()).await;
        self.unlock(result).await
    }

    /// Take the migration lock, make sure the state tables exist, and read the records.
    async fn lock(&mut self) -> Result<Vec<Record>> {
        db::acquire_lock(self.db.as_mut(), self.settings.lock_wait).await?;
        let prepared = async {
            store::ensure(self.db.as_mut()).await?;
            let records = store::records(self.db.as_mut()).await?;
            drift::check(
                self.migrations.migrations(),
                &records,
                self.db.dialect(),
                self.settings.allow_drift,
            )?;
            Ok(records)
        }
        .await;
        if prepared.is_err() {
            let _ = self.db.release_lock().await;
        }
        prepared
    }

    /// Release the lock whatever `result` is; a failed release is reported only when the
    /// work itself succeeded.
    async fn unlock<T>(&mut self, result: Result<T>) -> Result<T> {
        let released = self.db.release_lock().await;
        let value = result?;
        released?;
        Ok(value)
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
        let duration = self.run_steps(migration, kind, resume_from).await?;
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

    /// Registered app instances; with `prune`, first delete those silent for longer.
    ///
    /// # Errors
    /// Database errors.
    pub async fn instances(&mut self, prune: Option<Duration>) -> Result<Vec<db::Instance>> {
        if let Some(grace) = prune {
            store::change_instance(self.db.as_mut(), db::InstanceChange::Prune(grace)).await?;
        }
        store::instances(self.db.as_mut()).await
    }

    /// Record a finished rollout of the app (the pipeline source of the gate).
    ///
    /// # Errors
    /// Database errors; an `app_version` that is not semver.
    pub async fn record_rollout(&mut self, app_version: &str) -> Result<()> {
        semver::Version::parse(app_version).map_err(|e| {
            crate::Error::Config(format!(
                "--app-version {app_version} is not a semver version ({e}), e.g. 2.4.0"
            ))
        })?;
        self.prepare_state().await?;
        store::record_rollout(self.db.as_mut(), app_version, &self.settings.actor).await?;
        let detail = serde_json::json!({ "app_version": app_version });
        store::record_event(
            self.db.as_mut(),
            &db::Event {
                kind: "rollout",
                version: None,
                actor: &self.settings.actor,
                detail,
            },
        )
        .await
    }
}

/// The record of `version`, if any.
fn record_of(records: &[Record], version: i64) -> Option<&Record> {
    records.iter().find(|r| r.version == version)
}
