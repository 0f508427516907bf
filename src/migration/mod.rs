//! The migration file format (DESIGN §1): versioned files with `-- bellows:<phase>` sections,
//! plain files as one expand phase, and sqlx `.up.sql`/`.down.sql` pairs.

mod parse;
mod phase;
mod source;

pub(crate) use parse::{parse_phases, FormatError};
pub(crate) use phase::app_range_text;
pub(crate) use phase::{checksum, normalized_sql, Directives};
pub use phase::{Phase, PhaseKind};
pub(crate) use source::parse_file_name;
pub use source::{from_files, load_dir};

use crate::sql::Dialect;
use crate::Error;
use serde::Serialize;

/// One migration: a version, a name and its phases.
#[derive(Debug, Clone, Serialize)]
pub struct Migration {
    /// The version from the file name (a timestamp or an integer).
    pub version: i64,
    /// The name from the file name.
    pub name: String,
    /// The file it was read from, for messages.
    pub path: String,
    /// The sqlx `.down.sql` file its down phase came from, if any.
    pub down_path: Option<String>,
    /// The whole file text.
    #[serde(skip)]
    pub source: String,
    /// The phases, in file order.
    pub phases: Vec<Phase>,
    /// The file starts with sqlx's `-- no-transaction` line.
    pub no_transaction: bool,
}

impl Migration {
    /// Parse a migration from its file name (e.g. `20261122093000_add_email.sql`) and text.
    ///
    /// # Errors
    /// [`Error::MigrationFile`] for a bad file name or malformed content, with the line.
    pub fn parse(path: &str, text: &str, dialect: Dialect) -> Result<Migration, Error> {
        let file_name = path.rsplit(['/', '\\']).next().unwrap_or(path);
        let parsed = parse_file_name(file_name).ok_or_else(|| Error::MigrationFile {
            file: path.to_string(),
            line: None,
            message: "file name must be <version>_<name>.sql with a numeric version, e.g. 20261122093000_add_email.sql".into(),
        })?;
        let phases = parse_phases(text, dialect).map_err(|e| Error::MigrationFile {
            file: path.to_string(),
            line: e.line,
            message: e.message,
        })?;
        let no_transaction = text
            .lines()
            .next()
            .is_some_and(|l| l.trim() == "-- no-transaction");
        Ok(Migration {
            version: parsed.version,
            name: parsed.name,
            path: path.to_string(),
            down_path: None,
            source: text.to_string(),
            phases,
            no_transaction,
        })
    }

    /// The phase of `kind`, if the file has one.
    #[must_use]
    pub fn phase(&self, kind: PhaseKind) -> Option<&Phase> {
        self.phases.iter().find(|p| p.kind == kind)
    }

    /// The phase of `kind` if it has at least one statement.
    #[must_use]
    pub fn runnable_phase(&self, kind: PhaseKind) -> Option<&Phase> {
        self.phase(kind).filter(|p| !p.statements.is_empty())
    }

    /// The file a phase's statements are in (the `.down.sql` file for a sqlx down phase).
    #[must_use]
    pub fn file_of(&self, kind: PhaseKind) -> &str {
        match (&self.down_path, kind) {
            (Some(down), PhaseKind::Down) => down,
            _ => &self.path,
        }
    }
}
