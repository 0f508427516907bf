//! `bellows.toml`: the settings a project checks in, read once and validated. Flags and
//! environment variables (resolved by the CLI, never here) override it.
//!
//! ```toml
//! database_url_env = "DATABASE_URL"   # the variable that holds the URL
//! migrations = "migrations"
//! lock_timeout = "2s"
//! lock_retries = 10
//! lock_wait = "0s"
//!
//! [lint]
//! dialect = "postgres"
//! server-version = "16"
//! ```

use bellows::{Dialect, Error, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The default name of the config file, looked up in the working directory.
pub const FILE_NAME: &str = "bellows.toml";

/// The contents of `bellows.toml`; every field optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Name of the environment variable holding the database URL (default `DATABASE_URL`).
    pub database_url_env: Option<String>,
    /// The database URL itself, for local setups without a password (prefer the env var).
    pub database_url: Option<String>,
    /// The migrations folder (default `migrations`), relative to the config file.
    pub migrations: Option<PathBuf>,
    /// Lock timeout for each DDL statement, e.g. `"2s"`.
    pub lock_timeout: Option<String>,
    /// Attempts per statement when the lock timeout hits.
    pub lock_retries: Option<u32>,
    /// How long to wait for another runner's migration lock, e.g. `"30s"`.
    pub lock_wait: Option<String>,
    /// On Galera: how long the lease lock lasts unless renewed, e.g. `"30s"`.
    pub lease_expiry: Option<String>,
    /// Apply pending migrations older than applied ones (default false: refused).
    #[serde(default)]
    pub allow_out_of_order: bool,
    /// Linter settings.
    #[serde(default)]
    pub lint: LintFileConfig,
    /// Rollout gate settings.
    #[serde(default)]
    pub gate: GateFileConfig,
    /// The databases of `bellows fleet`.
    #[serde(default)]
    pub fleet: super::fleet::FleetFileConfig,
}

/// The `[gate]` table of `bellows.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct GateFileConfig {
    /// Sources asked: `heartbeat`, `pipeline`, `command` (default heartbeat and pipeline).
    pub sources: Option<Vec<String>>,
    /// Heartbeat TTL, e.g. `"60s"`.
    pub ttl: Option<String>,
    /// Shell command printing the running app versions.
    pub command: Option<String>,
    /// How long the command may run, e.g. `"30s"`.
    pub command_timeout: Option<String>,
    /// The soak window of contracts that set none, e.g. `"24h"`.
    pub soak: Option<String>,
}

impl GateFileConfig {
    /// The gate configuration these settings describe.
    ///
    /// # Errors
    /// Unknown sources, bad durations, a command source without a command.
    pub fn resolve(&self) -> Result<bellows::gate::GateConfig> {
        let mut gate = bellows::gate::GateConfig::default();
        if let Some(sources) = &self.sources {
            gate.sources = sources.iter().map(|s| s.parse()).collect::<Result<_>>()?;
        }
        if let Some(ttl) = &self.ttl {
            gate.ttl = parse_duration("[gate] ttl", ttl)?;
        }
        if let Some(soak) = &self.soak {
            gate.soak = Some(parse_duration("[gate] soak", soak)?);
        }
        if let Some(t) = &self.command_timeout {
            gate.command_timeout = parse_duration("[gate] command-timeout", t)?;
        }
        gate.command.clone_from(&self.command);
        if gate.command.is_some() && self.sources.is_none() {
            gate.sources.push(bellows::gate::SourceKind::Command);
        }
        if gate.sources.contains(&bellows::gate::SourceKind::Command) && gate.command.is_none() {
            return Err(Error::Config(
                "[gate] lists the `command` source but sets no `command`".into(),
            ));
        }
        Ok(gate)
    }
}

/// The `[lint]` table of `bellows.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LintFileConfig {
    /// Dialect of the migrations.
    pub dialect: Option<Dialect>,
    /// Target server version, e.g. `"16"` or `"8.0"`.
    pub server_version: Option<String>,
    /// `error` or `warning`.
    pub fail_on: Option<String>,
    /// `auto`, `always` or `never`.
    pub transaction_mode: Option<String>,
    /// Rule ids switched off for the whole project.
    #[serde(default)]
    pub disable: Vec<String>,
    /// Rule ids that are off by default switched on (e.g. `mysql-assert-online`).
    #[serde(default)]
    pub enable: Vec<String>,
}

impl FileConfig {
    /// Read `path`, or `bellows.toml` in `dir` when it exists (an absent default file is an
    /// empty config; an absent explicit file is an error).
    ///
    /// # Errors
    /// [`Error::Io`] or [`Error::Config`] for unreadable or invalid TOML.
    pub fn load(explicit: Option<&Path>, dir: &Path) -> Result<(FileConfig, Option<PathBuf>)> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => {
                let p = dir.join(FILE_NAME);
                if !p.exists() {
                    return Ok((FileConfig::default(), None));
                }
                p
            }
        };
        let text = std::fs::read_to_string(&path).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        let config: FileConfig = toml::from_str(&text)
            .map_err(|e| Error::Config(format!("{}: {}", path.display(), e.message())))?;
        Ok((config, Some(path)))
    }
}

/// Parse a duration such as `2s`, `300ms` or `5m`.
///
/// # Errors
/// [`Error::Config`] naming the setting.
pub fn parse_duration(setting: &str, value: &str) -> Result<Duration> {
    humantime::parse_duration(value.trim()).map_err(|e| {
        Error::Config(format!(
            "{setting} = \"{value}\" is not a duration like 2s or 300ms ({e})"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_full_file() {
        let c: FileConfig = toml::from_str(
            "database_url_env = \"APP_DB\"\nmigrations = \"db\"\nlock_timeout = \"300ms\"\n[lint]\ndialect = \"mysql\"\nserver-version = \"8.0\"\n",
        )
        .unwrap();
        assert_eq!(c.database_url_env.as_deref(), Some("APP_DB"));
        assert_eq!(c.lint.dialect, Some(Dialect::Mysql));
        assert_eq!(
            parse_duration("lock_timeout", c.lock_timeout.as_deref().unwrap()).unwrap(),
            Duration::from_millis(300)
        );
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(toml::from_str::<FileConfig>("lock_timout = \"2s\"").is_err());
        assert!(parse_duration("lock_timeout", "soon").is_err());
    }
}
