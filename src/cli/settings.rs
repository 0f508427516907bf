//! Turning flags, environment variables and `bellows.toml` into one validated set of
//! settings, once; the library never reads the environment itself.

use super::config::{parse_duration, FileConfig};
use bellows::db::DatabaseUrl;
use bellows::engine::{BackfillOptions, Settings};
use bellows::{Error, Result};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Flags shared by every command that talks to a database.
#[derive(Debug, Clone, clap::Args)]
pub struct DbArgs {
    /// Database URL (else $DATABASE_URL, else bellows.toml). postgres://, mysql:// or mariadb://
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// Migrations folder (else bellows.toml, else ./migrations).
    #[arg(long, value_name = "DIR")]
    pub migrations: Option<PathBuf>,
    /// Lock timeout for each DDL statement, e.g. 2s or 300ms (default 2s).
    #[arg(long, value_name = "DURATION")]
    pub lock_timeout: Option<String>,
    /// Attempts per statement when the lock timeout hits (default 10).
    #[arg(long, value_name = "N")]
    pub lock_retries: Option<u32>,
    /// Wait this long for another bellows run to release the migration lock (default: fail at once).
    #[arg(long, value_name = "DURATION")]
    pub lock_wait: Option<String>,
    /// Run even though applied phases changed on disk (checksum drift).
    #[arg(long)]
    pub allow_drift: bool,
    /// Apply a pending migration older than one already applied (a late-merged branch).
    #[arg(long)]
    pub allow_out_of_order: bool,
}

/// Flags of the commands that run no DDL and wait for no lock (`status`, `plan`, `gate
/// check`): where the database and the files are, nothing about locks or drift.
#[derive(Debug, Clone, clap::Args)]
pub struct ReadArgs {
    /// Database URL (else $DATABASE_URL, else bellows.toml). postgres://, mysql:// or mariadb://
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// Migrations folder (else bellows.toml, else ./migrations).
    #[arg(long, value_name = "DIR")]
    pub migrations: Option<PathBuf>,
}

/// Flags of the commands that need no migration files either (`instances`, `rollout record`).
#[derive(Debug, Clone, clap::Args)]
pub struct UrlArgs {
    /// Database URL (else $DATABASE_URL, else bellows.toml). postgres://, mysql:// or mariadb://
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// Accepted and unused (not in the help), so a script may pass the same `--migrations`
    /// to every command.
    #[arg(long, value_name = "DIR", hide = true)]
    pub migrations: Option<PathBuf>,
}

impl From<ReadArgs> for DbArgs {
    fn from(a: ReadArgs) -> DbArgs {
        DbArgs {
            database_url: a.database_url,
            migrations: a.migrations,
            lock_timeout: None,
            lock_retries: None,
            lock_wait: None,
            allow_drift: false,
            allow_out_of_order: false,
        }
    }
}

impl From<UrlArgs> for DbArgs {
    fn from(a: UrlArgs) -> DbArgs {
        ReadArgs {
            database_url: a.database_url,
            migrations: a.migrations,
        }
        .into()
    }
}

/// Throttling flags of `backfill` and `up`.
#[derive(Debug, Clone, clap::Args)]
pub struct BackfillArgs {
    /// Pause batches while a replica lags more than this, e.g. 10s (default 10s).
    #[arg(long, value_name = "DURATION")]
    pub max_replica_lag: Option<String>,
    /// A MySQL/MariaDB replica to watch: batches pause while it lags or its replication is
    /// not running (repeat for several; PostgreSQL standbys are seen from the primary).
    #[arg(long = "replica", value_name = "URL")]
    pub replicas: Vec<String>,
    /// A query returning one boolean, checked between batches (at most once a second):
    /// batches pause while it is true, e.g. "SELECT count(*) > 50 FROM pg_stat_activity".
    #[arg(long, value_name = "SQL")]
    pub pause_while: Option<String>,
    /// Split the key space into N parts worked in parallel, each on its own connection
    /// (about as many rows each, any key; fixed by a backfill's first run).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub workers: usize,
    /// How slow the app may get while batches run: a factor of the latency measured before
    /// the first batch (default 2x), a duration (15ms), or off (full speed). Overrides the
    /// section's latency-target=.
    #[arg(long, value_name = "TARGET")]
    pub latency_target: Option<String>,
}

impl BackfillArgs {
    /// The validated options.
    pub fn resolve(&self) -> Result<BackfillOptions> {
        let mut options = BackfillOptions::default();
        if let Some(v) = &self.max_replica_lag {
            options.max_replica_lag = parse_duration("max replica lag", v)?;
        }
        options.pause_while.clone_from(&self.pause_while);
        if let Some(v) = &self.latency_target {
            options.latency_target = Some(
                v.parse()
                    .map_err(|e: String| Error::Config(format!("--latency-target: {e}")))?,
            );
        }
        if self.workers == 0 || self.workers > 64 {
            return Err(Error::Config("--workers must be between 1 and 64".into()));
        }
        options.workers = self.workers;
        options.replicas = self
            .replicas
            .iter()
            .map(|u| DatabaseUrl::parse(u))
            .collect::<Result<_>>()?;
        Ok(options)
    }
}

/// Everything a database command needs, validated.
pub struct Resolved {
    pub url: DatabaseUrl,
    pub migrations_dir: PathBuf,
    pub settings: Settings,
}

/// The URL from the flag, the environment, or the config file.
pub fn database_url(args: &DbArgs, file: &FileConfig) -> Result<DatabaseUrl> {
    database_url_from(args.database_url.as_deref(), file)
}

/// The URL from `flag`, the environment, or the config file.
pub fn database_url_from(flag: Option<&str>, file: &FileConfig) -> Result<DatabaseUrl> {
    let var = file
        .database_url_env
        .clone()
        .unwrap_or_else(|| "DATABASE_URL".into());
    let raw = flag
        .map(str::to_string)
        .or_else(|| std::env::var(&var).ok().filter(|v| !v.trim().is_empty()))
        .or_else(|| file.database_url.clone())
        .ok_or_else(|| Error::Config(format!("no database URL: pass --database-url, set {var}, or set database_url_env in bellows.toml")))?;
    DatabaseUrl::parse(&raw)
}

/// The migrations folder: flag, then config (relative to the config file), then ./migrations.
pub fn migrations_dir(
    flag: Option<&Path>,
    file: &FileConfig,
    config_path: Option<&Path>,
) -> PathBuf {
    if let Some(dir) = flag {
        return dir.to_path_buf();
    }
    match (&file.migrations, config_path.and_then(Path::parent)) {
        (Some(dir), Some(base)) => base.join(dir),
        (Some(dir), None) => dir.clone(),
        (None, _) => PathBuf::from("migrations"),
    }
}

/// Resolve everything for a database command.
pub fn resolve(args: &DbArgs, file: &FileConfig, config_path: Option<&Path>) -> Result<Resolved> {
    let url = database_url(args, file)?;
    // The command line fails at once on a busy lock unless told to wait.
    let mut settings = Settings::default().with_lock_wait(Duration::ZERO);
    if let Some(v) = args
        .lock_timeout
        .as_deref()
        .or(file.lock_timeout.as_deref())
    {
        settings.lock_timeout = parse_duration("lock timeout", v)?;
        if settings.lock_timeout.is_zero() {
            return Err(Error::Config(
                "lock timeout must be above zero: without one, a DDL can stall the app".into(),
            ));
        }
    }
    if let Some(n) = args.lock_retries.or(file.lock_retries) {
        if n == 0 {
            return Err(Error::Config("lock retries must be at least 1".into()));
        }
        settings.lock_retries = n;
    }
    if let Some(v) = args.lock_wait.as_deref().or(file.lock_wait.as_deref()) {
        settings.lock_wait = parse_duration("lock wait", v)?;
    }
    if let Some(v) = file.lease_expiry.as_deref() {
        settings = settings.with_lease_expiry(parse_duration("lease_expiry", v)?);
    }
    settings.allow_drift = args.allow_drift;
    settings.allow_out_of_order = args.allow_out_of_order || file.allow_out_of_order;
    settings.gate = file.gate.resolve()?;
    settings.actor = actor(|name| std::env::var(name).ok());
    Ok(Resolved {
        url,
        migrations_dir: migrations_dir(args.migrations.as_deref(), file, config_path),
        settings,
    })
}

/// Who runs bellows, recorded with each phase: `BELLOWS_ACTOR`, the login (`USER`,
/// `LOGNAME`), else the CI's own name for who started the pipeline (in CI `USER` is often
/// unset), else "unknown". `var` reads one environment variable.
pub fn actor(var: impl Fn(&str) -> Option<String>) -> String {
    const NAMES: &[&str] = &[
        "BELLOWS_ACTOR",
        "USER",
        "LOGNAME",
        "GITHUB_ACTOR",      // GitHub Actions
        "GITLAB_USER_LOGIN", // GitLab CI
        "GITEA_ACTOR",       // Gitea / Forgejo Actions
        "BUILDKITE_BUILD_CREATOR",
        "CIRCLE_USERNAME",     // CircleCI
        "BUILD_REQUESTEDFOR",  // Azure Pipelines
        "DRONE_COMMIT_AUTHOR", // Drone / Woodpecker
        "CI_COMMIT_AUTHOR",    // Woodpecker
        "BITBUCKET_STEP_TRIGGERER_UUID",
        "BUILD_USER_ID", // Jenkins (build user vars plugin)
    ];
    NAMES
        .iter()
        .find_map(|name| var(name).filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::actor;

    fn with(vars: &[(&str, &str)]) -> String {
        actor(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_string())
        })
    }

    #[test]
    fn the_actor_falls_back_to_the_ci_s_user() {
        assert_eq!(with(&[("USER", "ana"), ("GITHUB_ACTOR", "octocat")]), "ana");
        assert_eq!(
            with(&[("USER", " "), ("GITHUB_ACTOR", "octocat")]),
            "octocat"
        );
        assert_eq!(with(&[("GITLAB_USER_LOGIN", "gl-user")]), "gl-user");
        assert_eq!(
            with(&[("BELLOWS_ACTOR", "deploy-bot"), ("USER", "ana")]),
            "deploy-bot"
        );
        assert_eq!(with(&[]), "unknown");
    }
}
