//! Other migration tools' history tables, read as they write them: which tool ran here,
//! and the versions it recorded with their names, checksums and outcome. Read only: bellows
//! never writes another tool's table. The engine matches a [`History`] with the folder
//! (`engine::adopt`); recording the matches goes through `store`.

mod read;

pub(crate) use read::{detect, read};

use std::fmt;
use std::str::FromStr;

/// A migration tool whose history `bellows adopt` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tool {
    /// sqlx (`_sqlx_migrations`: version, description, SHA-384 checksum, success).
    Sqlx,
    /// dbmate (`schema_migrations`: one row per applied version, text).
    Dbmate,
    /// golang-migrate (`schema_migrations`: one row, the latest version and a dirty flag).
    GolangMigrate,
    /// Rails / Active Record (`schema_migrations` beside `ar_internal_metadata`).
    Rails,
    /// refinery (`refinery_schema_history`: version, name, applied_on, checksum).
    Refinery,
    /// Flyway (`flyway_schema_history`: one row per run, baselines included).
    Flyway,
}

impl Tool {
    /// Every tool, in the order detection looks for them.
    pub const ALL: [Tool; 6] = [
        Tool::Sqlx,
        Tool::Refinery,
        Tool::Flyway,
        Tool::GolangMigrate,
        Tool::Rails,
        Tool::Dbmate,
    ];

    /// The name used on the command line.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Tool::Sqlx => "sqlx",
            Tool::Dbmate => "dbmate",
            Tool::GolangMigrate => "golang-migrate",
            Tool::Rails => "rails",
            Tool::Refinery => "refinery",
            Tool::Flyway => "flyway",
        }
    }

    /// The history table the tool writes.
    #[must_use]
    pub fn table(self) -> &'static str {
        match self {
            Tool::Sqlx => "_sqlx_migrations",
            Tool::Dbmate | Tool::GolangMigrate | Tool::Rails => "schema_migrations",
            Tool::Refinery => "refinery_schema_history",
            Tool::Flyway => "flyway_schema_history",
        }
    }
}

impl fmt::Display for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Tool {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        Tool::ALL
            .into_iter()
            .find(|t| t.as_str() == wanted || (wanted == "migrate" && *t == Tool::GolangMigrate))
            .ok_or_else(|| {
                let names: Vec<_> = Tool::ALL.iter().map(|t| t.as_str()).collect();
                format!("unknown tool `{s}` (one of: {})", names.join(", "))
            })
    }
}

/// What a history row says about its version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Covers {
    /// This version ran.
    This,
    /// This version ran, and every one before it (golang-migrate keeps only the latest).
    Through,
    /// Every version up to and including this one counts as applied, whether a file has it
    /// or not (Flyway's baseline).
    Baseline,
}

/// One row of another tool's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HistoryEntry {
    /// The version as the tool wrote it (Flyway's may be dotted).
    pub(crate) version: String,
    /// The name or description the tool recorded, if it keeps one.
    pub(crate) name: Option<String>,
    /// The checksum the tool recorded: lower-case hex for sqlx, decimal for the others.
    pub(crate) checksum: Option<String>,
    /// When it ran, as the tool recorded it.
    pub(crate) applied_at: Option<String>,
    /// `false` when the tool recorded the run as failed (or dirty).
    pub(crate) succeeded: bool,
    /// Whether the row stands for its version alone or for every version up to it.
    pub(crate) covers: Covers,
}

/// Another tool's history, as read from its table.
#[derive(Debug, Clone)]
pub(crate) struct History {
    /// The tool.
    pub(crate) tool: Tool,
    /// Its rows, in the order the tool applied them.
    pub(crate) entries: Vec<HistoryEntry>,
}
