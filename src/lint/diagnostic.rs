//! What the linter reports: a [`Severity`] and a [`Diagnostic`] with its file position, the
//! reason the statement is dangerous and the safe rewrite.

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// How bad a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Hygiene, or a risky statement on a table known to be tiny.
    Info,
    /// Breaks the app version still running unless it is in a gated contract phase, or risky.
    Warning,
    /// Blocks reads or writes, or fails on a populated table.
    Error,
}

impl Severity {
    /// The lower-case name used in every output format.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Ok(Severity::Info),
            "warning" | "warn" => Ok(Severity::Warning),
            "error" => Ok(Severity::Error),
            other => Err(format!(
                "unknown severity `{other}` (expected error, warning or info)"
            )),
        }
    }
}

/// One finding, positioned in its file. Lines and columns are 1-based; columns count
/// characters; `end_line`/`end_column` point at the last character of the flagged text.
/// The field order is the order of the stable JSON output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// The rule id, e.g. `require-concurrent-index`.
    pub rule: &'static str,
    /// The severity after context (phase, table size) was taken into account.
    pub severity: Severity,
    /// The file as given on the command line (`-` or the stdin name for standard input).
    pub file: String,
    /// First line of the flagged text.
    pub line: usize,
    /// First column of the flagged text.
    pub column: usize,
    /// Last line of the flagged text.
    pub end_line: usize,
    /// Last column of the flagged text.
    pub end_column: usize,
    /// What was found, naming the table or object.
    pub message: String,
    /// Why it is dangerous: which lock it takes, what breaks.
    pub why: String,
    /// The safe rewrite, as SQL, when there is one.
    pub suggestion: Option<String>,
}
