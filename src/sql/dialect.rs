//! The SQL dialects bellows understands, and what differs between them for splitting,
//! quoting and parsing.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A database dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// PostgreSQL.
    Postgres,
    /// MySQL.
    Mysql,
    /// MariaDB (MySQL-compatible, with its own version numbers and a few extensions).
    Mariadb,
}

impl Dialect {
    /// True for MySQL and MariaDB.
    #[must_use]
    pub fn is_mysql_family(self) -> bool {
        matches!(self, Dialect::Mysql | Dialect::Mariadb)
    }

    /// The sqlparser dialect used to parse statements of this dialect.
    #[must_use]
    pub fn parser_dialect(self) -> Box<dyn sqlparser::dialect::Dialect> {
        match self {
            Dialect::Postgres => Box::new(sqlparser::dialect::PostgreSqlDialect {}),
            Dialect::Mysql | Dialect::Mariadb => Box::new(sqlparser::dialect::MySqlDialect {}),
        }
    }

    /// Quote an identifier for this dialect (`"name"` or `` `name` ``), doubling any quote
    /// character inside it so the result is always one identifier.
    ///
    /// ```
    /// use bellows::Dialect;
    /// assert_eq!(Dialect::Postgres.quote_ident("order"), "\"order\"");
    /// assert_eq!(Dialect::Mysql.quote_ident("a`b"), "`a``b`");
    /// ```
    #[must_use]
    pub fn quote_ident(self, ident: &str) -> String {
        let q = if self.is_mysql_family() { '`' } else { '"' };
        let mut out = String::with_capacity(ident.len() + 2);
        out.push(q);
        for c in ident.chars() {
            if c == q {
                out.push(q);
            }
            out.push(c);
        }
        out.push(q);
        out
    }

    /// `expr` cast to the dialect's text type, so that every value reads back as a string
    /// (`text` on PostgreSQL, `CHAR` on MySQL/MariaDB).
    ///
    /// ```
    /// use bellows::Dialect;
    /// assert_eq!(Dialect::Postgres.cast_to_text("count(*)"), "CAST(count(*) AS text)");
    /// assert_eq!(Dialect::Mariadb.cast_to_text("count(*)"), "CAST(count(*) AS CHAR)");
    /// ```
    #[must_use]
    pub fn cast_to_text(self, expr: &str) -> String {
        let ty = if self.is_mysql_family() {
            "CHAR"
        } else {
            "text"
        };
        format!("CAST({expr} AS {ty})")
    }

    /// The character that quotes identifiers: `"` on PostgreSQL, `` ` `` on MySQL/MariaDB.
    #[must_use]
    pub fn quote_char(self) -> char {
        if self.is_mysql_family() {
            '`'
        } else {
            '"'
        }
    }

    /// Whether DDL runs inside a transaction (PostgreSQL); MySQL/MariaDB commit every DDL
    /// statement implicitly.
    #[must_use]
    pub fn transactional_ddl(self) -> bool {
        !self.is_mysql_family()
    }

    /// Whether the primary reports its replicas' lag itself (PostgreSQL's
    /// `pg_stat_replication`); MySQL/MariaDB replicas must be asked one by one.
    #[must_use]
    pub fn primary_sees_replica_lag(self) -> bool {
        !self.is_mysql_family()
    }

    /// Bind placeholder number `n` (1-based): `$n` on PostgreSQL, `?` on MySQL/MariaDB.
    ///
    /// ```
    /// use bellows::Dialect;
    /// assert_eq!(Dialect::Postgres.placeholder(2), "$2");
    /// assert_eq!(Dialect::Mysql.placeholder(2), "?");
    /// ```
    #[must_use]
    pub fn placeholder(self, n: usize) -> String {
        if self.is_mysql_family() {
            "?".into()
        } else {
            format!("${n}")
        }
    }

    /// Quote a string literal for this dialect.
    #[must_use]
    pub fn quote_literal(self, value: &str) -> String {
        let mut out = String::with_capacity(value.len() + 2);
        out.push('\'');
        for c in value.chars() {
            match c {
                '\'' => out.push_str("''"),
                '\\' if self.is_mysql_family() => out.push_str("\\\\"),
                _ => out.push(c),
            }
        }
        out.push('\'');
        out
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dialect::Postgres => "postgres",
            Dialect::Mysql => "mysql",
            Dialect::Mariadb => "mariadb",
        })
    }
}

impl FromStr for Dialect {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" | "pg" => Ok(Dialect::Postgres),
            "mysql" => Ok(Dialect::Mysql),
            "mariadb" => Ok(Dialect::Mariadb),
            other => Err(format!(
                "unknown dialect `{other}` (expected postgres, mysql or mariadb)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_doubles_the_quote_character() {
        assert_eq!(Dialect::Postgres.quote_ident("we\"ird"), "\"we\"\"ird\"");
        assert_eq!(Dialect::Mysql.quote_ident("we`ird"), "`we``ird`");
        assert_eq!(Dialect::Mysql.quote_literal("a'b\\"), "'a''b\\\\'");
        assert_eq!(Dialect::Postgres.quote_literal("a'b\\"), "'a''b\\'");
    }

    #[test]
    fn parses_names() {
        assert_eq!("PostgreSQL".parse::<Dialect>(), Ok(Dialect::Postgres));
        assert!("oracle".parse::<Dialect>().is_err());
    }
}
