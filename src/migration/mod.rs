//! The migration file format (DESIGN §1): versioned files with `-- bellows:<phase>` sections,
//! plain files as one expand phase, and sqlx `.up.sql`/`.down.sql` pairs.

mod near_miss;
mod parse;
mod phase;
mod source;

pub(crate) use near_miss::strip_bom;
pub(crate) use parse::{parse_phases, FormatError};
pub(crate) use phase::app_range_text;
pub(crate) use phase::{checksum, normalized_sql, quote_value, Directives};
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
        if parsed.name.is_empty() {
            return Err(Error::MigrationFile {
                file: path.to_string(),
                line: None,
                message: format!("file name `{file_name}` has a version but no name: write <version>_<name>.sql, e.g. {}_add_email.sql", file_name.split(['_', '.']).next().unwrap_or_default()),
            });
        }
        let phases = parse_phases(text, dialect).map_err(|e| Error::MigrationFile {
            file: path.to_string(),
            line: e.line,
            message: e.message,
        })?;
        let no_transaction = near_miss::strip_bom(text)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn load(name: &str, text: &str) -> Result<Vec<Migration>, Error> {
        from_files([(name, text)], Dialect::Postgres)
    }

    fn file_error(e: Error) -> (Option<usize>, String) {
        match e {
            Error::MigrationFile { line, message, .. } => (line, message),
            other => panic!("not a file error: {other}"),
        }
    }

    #[test]
    fn a_near_miss_marker_fails_the_load_with_its_line() {
        for near in [
            "-- BELLOWS:CONTRACT requires-app=\">=2.0.0\"",
            "-- bellows :contract",
            "--- bellows:contract",
            "-- bellows.contract",
            "/* bellows:contract */",
            "-- bellow:contract",
            "-- bellows:contarct",
        ] {
            let text = format!("-- bellows:expand\nALTER TABLE t ADD COLUMN b int;\n{near}\nALTER TABLE t DROP COLUMN a;\n");
            let (line, message) = file_error(load("1_x.sql", &text).unwrap_err());
            assert_eq!(line, Some(3), "{near}");
            assert!(
                message.contains("`-- bellows:contract"),
                "{near}: {message}"
            );
        }
    }

    #[test]
    fn a_byte_order_mark_is_accepted_and_changes_nothing() {
        let text = "-- no-transaction\n-- bellows:expand\nALTER TABLE t ADD COLUMN b int;\n";
        let plain = load("1_x.sql", text).unwrap();
        let bom = load("1_x.sql", &format!("\u{feff}{text}")).unwrap();
        assert_eq!(bom[0].phases[0].checksum, plain[0].phases[0].checksum);
        assert!(bom[0].no_transaction);
        let down = from_files(
            [
                ("1_x.up.sql", "SELECT 1;"),
                ("1_x.down.sql", "\u{feff}SELECT 2;"),
            ],
            Dialect::Postgres,
        )
        .unwrap();
        assert_eq!(down[0].phases[1].statements[0].sql, "SELECT 2");
    }

    #[test]
    fn a_nul_byte_fails_the_load_with_its_line() {
        let (line, message) = file_error(load("1_x.sql", "SELECT 1;\nSELECT '\0';\n").unwrap_err());
        assert_eq!(line, Some(2));
        assert!(message.contains("NUL"), "{message}");
        let e = from_files(
            [("1_x.up.sql", "SELECT 1;"), ("1_x.down.sql", "\0")],
            Dialect::Postgres,
        )
        .unwrap_err();
        assert!(file_error(e).1.contains("NUL"));
    }

    #[test]
    fn a_file_name_without_a_name_is_refused() {
        for name in ["1.sql", "dir/0001_.sql"] {
            let (_, message) = file_error(load(name, "SELECT 1;").unwrap_err());
            assert!(message.contains("no name"), "{name}: {message}");
        }
        assert!(load("1_a.sql", "SELECT 1;").is_ok());
    }
}
