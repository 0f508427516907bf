//! What the linter is told about the target: dialect, server version, how the runner wraps
//! files in transactions, rules switched off, and (optionally) live table sizes.

use super::ServerVersion;
use crate::sql::Dialect;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// What the runner that will apply the file does with transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TransactionMode {
    /// bellows itself: each phase in a transaction, statements that refuse one
    /// (`CREATE INDEX CONCURRENTLY`, ...) run alone.
    #[default]
    Auto,
    /// A runner that wraps every file in one transaction (sqlx, Flyway, ...), unless the
    /// file starts with sqlx's `-- no-transaction` line.
    Always,
    /// A runner that sends statements one by one, in autocommit.
    Never,
}

impl fmt::Display for TransactionMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransactionMode::Auto => "auto",
            TransactionMode::Always => "always",
            TransactionMode::Never => "never",
        })
    }
}

impl FromStr for TransactionMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(TransactionMode::Auto),
            "always" => Ok(TransactionMode::Always),
            "never" => Ok(TransactionMode::Never),
            other => Err(format!(
                "unknown transaction mode `{other}` (expected auto, always or never)"
            )),
        }
    }
}

/// A table with fewer rows than this is "tiny": its findings drop to info.
pub(super) const TINY_TABLE_ROWS: u64 = 10_000;
/// A table with at least this many rows is "huge": its findings say so.
pub(super) const HUGE_TABLE_ROWS: u64 = 1_000_000;

/// Settings for one lint run.
#[derive(Debug, Clone)]
pub struct LintOptions {
    /// The dialect of the migrations.
    pub dialect: Dialect,
    /// The target server version; `None` means the latest the rules know.
    pub server_version: Option<ServerVersion>,
    /// How the runner wraps files in transactions.
    pub transaction_mode: TransactionMode,
    /// Rule ids switched off.
    pub disabled: Vec<String>,
    /// Rule ids switched on that are off by default (hygiene rules such as
    /// `mysql-assert-online`).
    pub enabled: Vec<String>,
    /// Estimated row counts by table (keyed by the bare table name, lower-cased unless it
    /// was quoted), from a live database; empty when the linter runs offline.
    pub table_rows: HashMap<String, u64>,
    /// The server is a Galera node: table rewrites stall the whole cluster (TOI).
    pub galera: bool,
}

impl LintOptions {
    /// Options for `dialect` with everything else at its default.
    #[must_use]
    pub fn new(dialect: Dialect) -> Self {
        LintOptions {
            dialect,
            server_version: None,
            transaction_mode: TransactionMode::Auto,
            disabled: Vec::new(),
            enabled: Vec::new(),
            table_rows: HashMap::new(),
            galera: false,
        }
    }

    /// The server version rules compare against.
    #[must_use]
    pub fn version(&self) -> ServerVersion {
        self.server_version
            .unwrap_or_else(|| ServerVersion::latest(self.dialect))
    }

    /// The estimated row count of `table` (the bare table name, lower-cased unless it was
    /// quoted), when live context is known.
    #[must_use]
    pub fn rows_of(&self, table: &str) -> Option<u64> {
        self.table_rows.get(table).copied()
    }
}
