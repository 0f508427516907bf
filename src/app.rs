//! The entry point for applications: apply pending expand phases at startup (never backfills,
//! never contracts), register the running instance for the rollout gate, read status.
//!
//! ```no_run
//! # async fn startup() -> bellows::Result<()> {
//! use bellows::{Bellows, Dialect};
//! let migrations = bellows::migration::load_dir("migrations".as_ref(), Dialect::Postgres)?;
//! let bellows = Bellows::connect("postgres://app@db/app", migrations)?;
//! bellows.apply_expand().await?;            // safe when 20 replicas start at once
//! let instance = bellows.register_instance("shop", "2.4.0").await?;
//! // ... serve ...
//! instance.deregister().await?;             // clean shutdown: the gate stops counting it
//! # Ok(()) }
//! ```

use crate::db::{self, Instance, InstanceChange, Target};
use crate::engine::{Applied, CheckedMigrations, MigrationStatus, Runner, Settings};
use crate::gate::Compatibility;
use crate::{Migration, Result};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{oneshot, Mutex};
use tokio::task::JoinHandle;

/// Instances silent for longer than this are deleted when a new one registers.
pub(crate) const PRUNE_AFTER: Duration = Duration::from_secs(24 * 3600);

/// bellows inside an application.
#[derive(Debug, Clone)]
pub struct Bellows {
    target: Target,
    migrations: CheckedMigrations,
    settings: Settings,
    reader: Reader,
}

/// The connection `status()` keeps between calls (opened on the first, reopened after an
/// error), so a health endpoint polled every few seconds costs a query, not a new session.
#[derive(Clone, Default)]
struct Reader(Arc<Mutex<Option<Box<dyn db::Backend>>>>);

impl std::fmt::Debug for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Reader")
    }
}

impl Bellows {
    /// Use the database a URL names.
    ///
    /// ```
    /// let migrations = bellows::migration::from_files(
    ///     [("1_users.sql", "CREATE TABLE users (id bigint PRIMARY KEY);")],
    ///     bellows::Dialect::Postgres,
    /// )?;
    /// let bellows = bellows::Bellows::connect("postgres://app@127.0.0.1/app", migrations)?;
    /// assert!(bellows::Bellows::connect("sqlite://app.db", vec![]).is_err());
    /// # Ok::<(), bellows::Error>(())
    /// ```
    ///
    /// # Errors
    /// A bad URL; a migration bellows cannot run on that dialect.
    pub fn connect(url: &str, migrations: Vec<Migration>) -> Result<Self> {
        Self::new(Target::Url(db::DatabaseUrl::parse(url)?), migrations)
    }

    /// Use the database of an existing PostgreSQL pool (bellows opens its own connections
    /// with the pool's options: its session lock must not go back into the pool).
    ///
    /// ```no_run
    /// # async fn startup(migrations: Vec<bellows::Migration>) -> Result<(), Box<dyn std::error::Error>> {
    /// let pool = sqlx::PgPool::connect("postgres://app@db/app").await?;
    /// let bellows = bellows::Bellows::from_pg_pool(&pool, migrations)?;
    /// bellows.apply_expand().await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// A migration bellows cannot run on PostgreSQL.
    #[cfg(feature = "postgres")]
    #[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
    pub fn from_pg_pool(pool: &sqlx::PgPool, migrations: Vec<Migration>) -> Result<Self> {
        Self::new(Target::Postgres(pool.clone()), migrations)
    }

    /// Use the database of an existing MySQL/MariaDB pool.
    ///
    /// # Errors
    /// A migration bellows cannot run on MySQL.
    #[cfg(feature = "mysql")]
    #[cfg_attr(docsrs, doc(cfg(feature = "mysql")))]
    pub fn from_mysql_pool(pool: &sqlx::MySqlPool, migrations: Vec<Migration>) -> Result<Self> {
        Self::new(Target::Mysql(pool.clone()), migrations)
    }

    fn new(target: Target, migrations: Vec<Migration>) -> Result<Self> {
        let migrations = CheckedMigrations::new(migrations, target.dialect())?;
        let settings = Settings::default();
        Ok(Bellows {
            target,
            migrations,
            settings,
            reader: Reader::default(),
        })
    }

    /// Replace the settings (lock timeout, retries, lock wait, actor, heartbeat interval).
    #[must_use]
    pub fn with_settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    async fn runner(&self) -> Result<Runner> {
        let db = db::connect_target(&self.target).await?;
        Runner::with_checked(db, self.migrations.clone(), self.settings.clone())
    }

    /// Apply every pending expand phase. When several instances start at once, one does the
    /// work under the migration lock; the others wait (up to the lock wait, 2 minutes by
    /// default) and then find nothing left to do.
    ///
    /// ```no_run
    /// # async fn startup(bellows: bellows::Bellows) -> bellows::Result<()> {
    /// for applied in bellows.apply_expand().await? {
    ///     println!("applied {} {}", applied.version, applied.name);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// Lock wait exceeded, drift, a failing statement.
    pub async fn apply_expand(&self) -> Result<Vec<Applied>> {
        if let Some(db) = db::borrow_from_pool(&self.target).await? {
            let mut reader =
                Runner::with_checked(db, self.migrations.clone(), self.settings.clone())?;
            if !reader.expand_pending().await? {
                return Ok(Vec::new());
            }
        }
        self.runner().await?.expand().await
    }

    /// Every migration's state and what comes next (for health endpoints). The connection
    /// it reads on is kept for the next call (one per `Bellows` and its clones), so polling
    /// costs a round trip, not a new database session.
    ///
    /// # Errors
    /// Database errors (the kept connection is dropped and reopened on the next call).
    pub async fn status(&self) -> Result<Vec<MigrationStatus>> {
        if let Some(db) = db::borrow_from_pool(&self.target).await? {
            return Runner::with_checked(db, self.migrations.clone(), self.settings.clone())?
                .status()
                .await;
        }
        let mut kept = self.reader.0.lock().await;
        let db = match kept.take() {
            Some(db) => db,
            None => db::connect_target(&self.target).await?,
        };
        let mut runner = Runner::with_checked(db, self.migrations.clone(), self.settings.clone())?;
        let status = runner.status().await;
        if status.is_ok() {
            *kept = Some(runner.into_backend());
        }
        status
    }

    /// Record this running instance of the app and keep its heartbeat fresh from a
    /// background task until [`InstanceHandle::deregister`] (or, if the process dies, until
    /// the gate's TTL passes).
    ///
    /// ```no_run
    /// # async fn serve(bellows: bellows::Bellows) -> bellows::Result<()> {
    /// let instance = bellows.register_instance("shop", "2.4.0").await?;
    /// // ... serve until shutdown ...
    /// instance.deregister().await?;
    /// # Ok(()) }
    /// ```
    ///
    /// Versions need not be semver: a git SHA or a build number works too (see
    /// [`crate::gate::Requirement`] for how the gate orders them). The instance registers in
    /// `Settings::environment` when set.
    ///
    /// When a contracted migration excludes the version (the app was rolled back past a
    /// contract), the instance is still registered, an error naming the migration is
    /// logged, and [`InstanceHandle::compatibility`] says so: the app may refuse to start.
    ///
    /// ```no_run
    /// # async fn serve(bellows: bellows::Bellows) -> bellows::Result<()> {
    /// let instance = bellows.register_instance("shop", "2.3.0").await?;
    /// if !instance.compatibility().is_compatible() {
    ///     instance.deregister().await?;
    ///     std::process::exit(1); // the schema no longer has what 2.3.0 needs
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// An empty name, version or environment, or one with white space; database errors.
    pub async fn register_instance(
        &self,
        app_name: &str,
        app_version: &str,
    ) -> Result<InstanceHandle> {
        crate::gate::check_version("app name", app_name)?;
        crate::gate::check_version("app version", app_version)?;
        if let Some(env) = &self.settings.environment {
            crate::gate::check_version("environment", env)?;
        }
        let mut runner = match db::borrow_from_pool(&self.target).await? {
            Some(db) => Runner::with_checked(db, self.migrations.clone(), self.settings.clone())?,
            None => self.runner().await?,
        };
        if !db::store::schema(runner.backend()).await?.is_current() {
            // Creating the state tables takes the migration lock: on bellows' own session.
            match self.runner().await?.prepare_state().await {
                // A newer bellows wrote the state (a rollback of the app): its instance table
                // is the same, so this app still registers and gets the guard's answer.
                Err(crate::Error::StateTooNew { found, supported }) => tracing::warn!(
                    "bellows' state tables are at version {found}, newer than this build's {supported}: registering anyway"
                ),
                other => other?,
            }
        }
        let compatibility = runner.rollout_check(Some(app_name), app_version).await?;
        for excluded in &compatibility.excluded_by {
            tracing::error!(
                "{app_name} {app_version} runs on a schema that no longer supports it: {excluded}"
            );
        }
        let instance = Instance {
            id: new_instance_id(&self.settings.host),
            app_name: app_name.to_string(),
            app_version: app_version.to_string(),
            host: self.settings.host.clone(),
            started_at: chrono::Utc::now(),
            heartbeat_at: chrono::Utc::now(),
            stopped_at: None,
            environment: self.settings.environment.clone(),
            retired_at: None,
            heartbeat_age: Duration::ZERO,
        };
        db::store::change_instance(runner.backend(), InstanceChange::Prune(PRUNE_AFTER)).await?;
        db::store::change_instance(runner.backend(), InstanceChange::Register(&instance)).await?;
        let (stop, stopped) = oneshot::channel();
        let id = instance.id.clone();
        let kept = match self.target {
            Target::Url(_) => Some(runner.into_backend()),
            #[allow(unreachable_patterns)]
            _ => None,
        };
        let beat = Heartbeat {
            target: self.target.clone(),
            kept,
            instance,
            every: self.settings.heartbeat_every,
        };
        let task = tokio::spawn(beat.run(stopped));
        Ok(InstanceHandle {
            id,
            compatibility,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

/// A registered instance. Dropping it stops the heartbeat without deregistering (as a crash
/// would); call [`InstanceHandle::deregister`] on a clean shutdown.
#[derive(Debug)]
pub struct InstanceHandle {
    id: String,
    compatibility: Compatibility,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<()>>>,
}

impl InstanceHandle {
    /// The instance id recorded in the database.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Whether the schema still supports the version it registered with: the contracted
    /// migrations that exclude it, if any (checked once, at registration).
    #[must_use]
    pub fn compatibility(&self) -> &Compatibility {
        &self.compatibility
    }

    /// Stop the heartbeat and mark the instance stopped, so the gate no longer counts it.
    ///
    /// # Errors
    /// Database errors while deregistering.
    pub async fn deregister(mut self) -> Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => task.await.unwrap_or(Ok(())),
            None => Ok(()),
        }
    }
}

impl Drop for InstanceHandle {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

/// The background heartbeat of one registered instance.
struct Heartbeat {
    target: Target,
    /// bellows' own session, when the target is a URL (a pool's sessions are borrowed per beat).
    kept: Option<Box<dyn db::Backend>>,
    instance: Instance,
    every: Duration,
}

impl Heartbeat {
    /// Refresh every `every` until told to stop, then deregister. A failed beat is tried
    /// once more on a fresh session; an instance pruned meanwhile is registered again, so a
    /// live app never silently stops counting for the gate.
    async fn run(mut self, mut stopped: oneshot::Receiver<()>) -> Result<()> {
        loop {
            tokio::select! {
                _ = &mut stopped => break,
                () = tokio::time::sleep(self.every) => {
                    if let Err(e) = self.beat().await {
                        tracing::warn!("heartbeat of instance {} failed ({e}); trying a new session", self.instance.id);
                        if let Err(e) = self.beat().await {
                            tracing::warn!("heartbeat of instance {} failed again: {e}", self.instance.id);
                        }
                    }
                }
            }
        }
        let id = self.instance.id.clone();
        self.write(InstanceChange::Deregister(&id)).await.map(drop)
    }

    async fn beat(&mut self) -> Result<()> {
        let id = self.instance.id.clone();
        if self.write(InstanceChange::Heartbeat(&id)).await? == 0 {
            let instance = self.instance.clone();
            self.write(InstanceChange::Register(&instance)).await?;
        }
        Ok(())
    }

    /// Write one change on a borrowed pool session, or on the kept one (opened again after
    /// an error).
    async fn write(&mut self, change: InstanceChange<'_>) -> Result<u64> {
        if let Some(mut borrowed) = db::borrow_from_pool(&self.target).await? {
            return db::store::change_instance(borrowed.as_mut(), change).await;
        }
        let mut db = match self.kept.take() {
            Some(db) => db,
            None => db::connect_target(&self.target).await?,
        };
        let result = db::store::change_instance(db.as_mut(), change).await;
        if result.is_ok() {
            self.kept = Some(db);
        }
        result
    }
}

/// A unique instance id: host, process and a random suffix.
fn new_instance_id(host: &str) -> String {
    let suffix: u32 = rand::random();
    let mut id = format!("{host}-{}-{suffix:08x}", std::process::id());
    id.truncate(200);
    id
}
