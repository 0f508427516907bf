//! Helpers every op shares: identifiers quoted for the dialect, deterministic object names,
//! `{}` substitution in user expressions, and the copy backfill of a trigger-synced column.

use super::op::{Backfill, Section};
use crate::Dialect;

/// What an op writes for: the dialect, which quotes identifiers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cx {
    /// The dialect.
    pub dialect: Dialect,
}

impl Cx {
    /// `ident` quoted for the dialect.
    pub(crate) fn q(&self, ident: &str) -> String {
        self.dialect.quote_ident(ident)
    }

    /// `ALTER TABLE t ALTER COLUMN c SET DEFAULT d` (`t` and `c` quoted already). On MySQL
    /// and MariaDB it asserts `ALGORITHM=INSTANT` (MySQL 8.0.12+, MariaDB 10.3+, the versions
    /// the recipes' instant `ADD COLUMN` needs): a default is metadata only, and a server that
    /// would copy the table instead refuses rather than blocking writes.
    pub(crate) fn set_default(&self, table: &str, column: &str, default: &str) -> String {
        let instant = if self.dialect.is_mysql_family() {
            ", ALGORITHM=INSTANT"
        } else {
            ""
        };
        format!("ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT {default}{instant}")
    }

    /// `columns` quoted and comma-separated.
    pub(crate) fn list(&self, columns: &[String]) -> String {
        columns
            .iter()
            .map(|c| self.q(c))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The backfill of a column kept in step by triggers: `new` (quoted) filled from `old`
    /// (quoted) through `convert` (`{}` standing for the old column) where it is still NULL.
    pub(crate) fn copy_backfill(
        &self,
        table: &str,
        new: &str,
        old: &str,
        convert: &str,
    ) -> Backfill {
        Backfill {
            table: table.to_string(),
            section: Section::new(
                "Copies existing rows in short batches; the predicate skips rows already done.",
                vec![format!(
                    "UPDATE {} SET {new} = {} WHERE {new} IS NULL AND {old} IS NOT NULL",
                    self.q(table),
                    substitute(convert, old)
                )],
            ),
        }
    }
}

/// Refuse a `--type` the SQL parser does not read as one column type: it is written into the
/// file as is, so `int); DROP TABLE users; --` or `int DEFAULT 0` must not get through.
pub(crate) fn check_type(ty: &str, dialect: Dialect) -> crate::Result<()> {
    use sqlparser::ast::Statement;
    let sql = format!("CREATE TABLE t (c {ty})");
    let parsed = crate::sql::parse_bounded(&sql, dialect);
    let one_type = match parsed.as_deref() {
        Ok([Statement::CreateTable(t)]) => {
            t.columns.len() == 1 && t.columns[0].options.is_empty() && t.constraints.is_empty()
        }
        _ => false,
    };
    if one_type {
        Ok(())
    } else {
        Err(crate::Error::Config(format!(
            "--type {ty}: not a column type {dialect} reads (give the type alone, e.g. `varchar(100)` or `numeric(12,2)`)"
        )))
    }
}

/// A deterministic object name (trigger, function, constraint) within 63 bytes.
pub(crate) fn object_name(parts: &[&str]) -> String {
    let mut name: String = parts
        .join("_")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if name.len() > 63 {
        let hash = &crate::migration::checksum(&name)[..8];
        name.truncate(54);
        name.push('_');
        name.push_str(hash);
    }
    name
}

/// The name of an index over `columns` of `table`: `<table>_<columns>_<suffix>`.
pub(crate) fn index_name(table: &str, columns: &[String], suffix: &str) -> String {
    let mut parts = vec![table];
    parts.extend(columns.iter().map(String::as_str));
    parts.push(suffix);
    object_name(&parts)
}

/// `{}` in a user expression stands for the old column.
pub(crate) fn substitute(expr: &str, column: &str) -> String {
    expr.replace("{}", column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_names_are_deterministic_and_short() {
        assert_eq!(
            object_name(&["bellows", "users", "Email"]),
            "bellows_users_email"
        );
        let long = object_name(&["x".repeat(80).as_str()]);
        assert_eq!(long.len(), 63);
        assert_eq!(long, object_name(&["x".repeat(80).as_str()]));
    }

    #[test]
    fn identifiers_are_quoted_for_the_dialect() {
        let pg = Cx {
            dialect: Dialect::Postgres,
        };
        let my = Cx {
            dialect: Dialect::Mysql,
        };
        let cols = ["a\"b".to_string(), "c`d".to_string()];
        assert_eq!(pg.list(&cols), "\"a\"\"b\", \"c`d\"");
        assert_eq!(my.list(&cols), "`a\"b`, `c``d`");
    }
}
