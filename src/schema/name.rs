//! Identifiers the dialect's way: how a name written in SQL (quoted or not) folds to the name
//! the catalog stores, and the one comparison every lookup of the model uses.

use crate::Dialect;
use sqlparser::ast::{Ident, ObjectName, ObjectNamePart};

/// How a server compares names: PostgreSQL folds unquoted names to lower case and compares
/// exactly; MySQL/MariaDB compare columns without case and table names as
/// `lower_case_table_names` says (0: exactly, 1 and 2: without case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Folding {
    /// PostgreSQL.
    Postgres,
    /// MySQL/MariaDB with its `lower_case_table_names`.
    Mysql {
        /// The server's `lower_case_table_names` (0 on Linux by default).
        lower_case_table_names: u8,
    },
}

impl Folding {
    /// The folding of `dialect` with the server defaults (MySQL: `lower_case_table_names=0`).
    pub(crate) fn of(dialect: Dialect) -> Folding {
        if dialect.is_mysql_family() {
            Folding::Mysql {
                lower_case_table_names: 0,
            }
        } else {
            Folding::Postgres
        }
    }

    /// The name the catalog stores for a table (or schema) written as `ident` in SQL.
    pub(crate) fn stored_table(self, ident: &Ident) -> String {
        match self {
            Folding::Postgres if ident.quote_style.is_none() => ident.value.to_ascii_lowercase(),
            Folding::Mysql {
                lower_case_table_names: 1,
            } => ident.value.to_lowercase(),
            _ => ident.value.clone(),
        }
    }

    /// The name the catalog stores for a column (or index, constraint) written as `ident`.
    pub(crate) fn stored_column(self, ident: &Ident) -> String {
        match self {
            Folding::Postgres if ident.quote_style.is_none() => ident.value.to_ascii_lowercase(),
            _ => ident.value.clone(),
        }
    }

    /// The key two table names are compared by (stored spellings in, equal keys out).
    pub(crate) fn table_key(self, stored: &str) -> String {
        match self {
            Folding::Mysql {
                lower_case_table_names: 1 | 2,
            } => stored.to_lowercase(),
            _ => stored.to_string(),
        }
    }

    /// Whether two stored column (index, constraint) names are the same name.
    pub(crate) fn same_column(self, a: &str, b: &str) -> bool {
        match self {
            Folding::Postgres => a == b,
            Folding::Mysql { .. } => a.to_lowercase() == b.to_lowercase(),
        }
    }
}

/// A table (or view) name as the catalog stores it, with its schema when it is not the
/// default one (PostgreSQL: the first schema of the search path, replay: `public`; MySQL:
/// the connection's database).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct TableName {
    /// The schema, `None` for the default one.
    pub schema: Option<String>,
    /// The table's name.
    pub name: String,
}

impl TableName {
    /// A table in the default schema, by its stored name.
    pub(crate) fn new(name: &str) -> TableName {
        TableName {
            schema: None,
            name: name.to_string(),
        }
    }

    /// The stored name of `name` as written in SQL (`app."Users"`), with `default_schema`
    /// (e.g. `public`) read as no schema; `None` for a name of more than two parts.
    pub(crate) fn from_sql(
        name: &ObjectName,
        folding: Folding,
        default_schema: Option<&str>,
    ) -> Option<TableName> {
        let parts: Vec<&Ident> = name
            .0
            .iter()
            .map(|p| match p {
                ObjectNamePart::Identifier(i) => Some(i),
                ObjectNamePart::Function(_) => None,
            })
            .collect::<Option<_>>()?;
        let (schema, table) = match parts.as_slice() {
            [t] => (None, *t),
            [s, t] => (Some(folding.stored_table(s)), *t),
            _ => return None,
        };
        let schema = schema.filter(|s| Some(s.as_str()) != default_schema);
        Some(TableName {
            schema,
            name: folding.stored_table(table),
        })
    }

    /// The stored name of a table written in SQL text (`app."Users"`, `` `Users` ``).
    pub(crate) fn parse(text: &str, dialect: Dialect, folding: Folding) -> Option<TableName> {
        let parser_dialect = dialect.parser_dialect();
        let mut parser = sqlparser::parser::Parser::new(parser_dialect.as_ref())
            .try_with_sql(text)
            .ok()?;
        let name = parser.parse_object_name(false).ok()?;
        let default = (dialect == Dialect::Postgres).then_some("public");
        TableName::from_sql(&name, folding, default)
    }

    /// The name quoted for SQL in `dialect` (`"app"."Users"`).
    pub(crate) fn quoted(&self, dialect: Dialect) -> String {
        match &self.schema {
            Some(s) => format!(
                "{}.{}",
                dialect.quote_ident(s),
                dialect.quote_ident(&self.name)
            ),
            None => dialect.quote_ident(&self.name),
        }
    }
}

impl std::fmt::Display for TableName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.schema {
            Some(s) => write!(f, "{s}.{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_folds_unquoted_names_and_keeps_quoted_ones() {
        let f = Folding::Postgres;
        let parse = |t| TableName::parse(t, Dialect::Postgres, f).unwrap();
        assert_eq!(parse("Users"), TableName::new("users"));
        assert_eq!(parse("\"Users\""), TableName::new("Users"));
        assert_eq!(parse("public.\"Users\""), TableName::new("Users"));
        assert_eq!(parse("App.t").schema.as_deref(), Some("app"));
        assert_ne!(f.table_key("Users"), f.table_key("users"));
        assert!(!f.same_column("Email", "email"));
    }

    #[test]
    fn mysql_compares_as_lower_case_table_names_says() {
        let exact = Folding::of(Dialect::Mysql);
        let parse = |t, f| TableName::parse(t, Dialect::Mysql, f).unwrap();
        assert_eq!(parse("`Users`", exact), TableName::new("Users"));
        assert_ne!(exact.table_key("Users"), exact.table_key("users"));
        let lower = Folding::Mysql {
            lower_case_table_names: 1,
        };
        assert_eq!(parse("Users", lower), TableName::new("users"));
        let keep = Folding::Mysql {
            lower_case_table_names: 2,
        };
        assert_eq!(keep.table_key("Users"), keep.table_key("users"));
        assert!(exact.same_column("Email", "email"));
        assert_eq!(TableName::new("a`b").quoted(Dialect::Mysql), "`a``b`");
    }
}
