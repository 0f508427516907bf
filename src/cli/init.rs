//! `bellows init`: a `migrations/` folder and a commented `bellows.toml` in the current
//! folder (the dialect taken from `DATABASE_URL` when it is set), then the next commands.

use super::config::FILE_NAME;
use bellows::db::DatabaseUrl;
use bellows::{Dialect, Error, Result};
use std::path::Path;

/// The config file `init` writes, with the dialect filled in.
fn config_text(dialect: Dialect, from_url: bool) -> String {
    let (dialect_name, version) = if dialect.is_mysql_family() {
        (dialect.to_string(), "8.0")
    } else {
        ("postgres".to_string(), "16")
    };
    let origin = if from_url {
        "from DATABASE_URL"
    } else {
        "DATABASE_URL was not set: change it if you use MySQL or MariaDB"
    };
    format!(
        r#"# bellows settings. Flags and environment variables override them.

# The variable that holds the database URL (postgres://, mysql:// or mariadb://).
database_url_env = "DATABASE_URL"

# Where migration files live, relative to this file.
migrations = "migrations"

# Every DDL statement runs under this lock timeout and is retried with backoff, so a
# statement queued behind a long transaction never stalls the app for longer.
lock_timeout = "2s"
lock_retries = 10

# How long to wait for another bellows run's migration lock ("0s": fail at once).
lock_wait = "0s"

[lint]
# {origin}
dialect = "{dialect_name}"
# The server's major version: some rules depend on it.
server-version = "{version}"

# The rollout gate: what must be true before a contract runs.
# [gate]
# sources = ["heartbeat", "pipeline"]   # or "command", with command = "..."
# ttl = "60s"                           # an app instance silent this long is gone
"#
    )
}

/// Create the folder and the config file in `dir`; the lines to print.
///
/// # Errors
/// The folder or the file cannot be written.
pub fn run(dir: &Path, database_url: Option<&str>) -> Result<Vec<String>> {
    let parsed = database_url
        .filter(|u| !u.trim().is_empty())
        .and_then(|u| DatabaseUrl::parse(u).ok());
    let dialect = parsed
        .as_ref()
        .map_or(Dialect::Postgres, DatabaseUrl::dialect);
    let io = |path: &Path| {
        let shown = path.display().to_string();
        move |source| Error::Io {
            path: shown,
            source,
        }
    };
    let mut lines = Vec::new();
    let migrations = dir.join("migrations");
    if migrations.is_dir() {
        lines.push("migrations/ exists: left as it is".to_string());
    } else {
        std::fs::create_dir_all(&migrations).map_err(io(&migrations))?;
        lines.push("created migrations/".to_string());
    }
    let config = dir.join(FILE_NAME);
    if config.exists() {
        lines.push(format!("{FILE_NAME} exists: left as it is"));
    } else {
        std::fs::write(&config, config_text(dialect, parsed.is_some())).map_err(io(&config))?;
        let origin = if parsed.is_some() {
            "from DATABASE_URL"
        } else {
            "the default; DATABASE_URL is not set"
        };
        lines.push(format!("created {FILE_NAME} (dialect {dialect}, {origin})"));
    }
    lines.extend([
        String::new(),
        "next:".to_string(),
        "  bellows new add_users_email              # an empty migration (--op add-column users email --type text for a recipe)".to_string(),
        "  bellows lint migrations                  # what each statement locks, and the safe rewrite".to_string(),
        "  bellows expand                           # apply it (a database another tool migrated: `bellows adopt` first)".to_string(),
    ]);
    Ok(lines)
}

/// `bellows init` in the working directory; its exit code.
pub fn command() -> i32 {
    let cwd = std::env::current_dir().unwrap_or_else(|_| std::path::PathBuf::from("."));
    match run(&cwd, std::env::var("DATABASE_URL").ok().as_deref()) {
        Ok(lines) => {
            for line in lines {
                outln!("{line}");
            }
            0
        }
        Err(e) => super::render::error(&e, None),
    }
}
