//! What the target MySQL or MariaDB server can do online, by version: which `ALTER TABLE`
//! operations `ALGORITHM=INSTANT` accepts, whether `RENAME COLUMN` exists, and whether a
//! statement asserts an algorithm. A `--dialect mysql` run with a 10.x or 11.x version is
//! read as MariaDB (MySQL has no such versions).

use super::alter::asserts;
use crate::lint::{ServerVersion, StatementContext, Tokens};
use crate::sql::Dialect;

/// The target server family and version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Server {
    /// MariaDB rather than MySQL.
    pub mariadb: bool,
    /// The version.
    pub version: ServerVersion,
}

impl Server {
    /// The server the statement is linted for.
    #[must_use]
    pub(crate) fn of(ctx: &StatementContext<'_>) -> Server {
        let version = ctx.version();
        Server {
            mariadb: ctx.dialect() == Dialect::Mariadb || version.major >= 10,
            version,
        }
    }

    fn at(self, mysql: (u32, u32, u32), mariadb: (u32, u32, u32)) -> bool {
        let (a, b, c) = if self.mariadb { mariadb } else { mysql };
        self.version >= ServerVersion::new(a, b, c)
    }

    /// `ALGORITHM=INSTANT` for `ADD COLUMN` as the last column: MySQL 8.0.12+, MariaDB 10.3+.
    #[must_use]
    pub(crate) fn instant_add_last(self) -> bool {
        self.at((8, 0, 12), (10, 3, 0))
    }

    /// `ALGORITHM=INSTANT` for `ADD COLUMN` at any position and for `DROP COLUMN`: MySQL
    /// 8.0.29+, MariaDB 10.4+.
    #[must_use]
    pub(crate) fn instant_anywhere(self) -> bool {
        self.at((8, 0, 29), (10, 4, 0))
    }

    /// `ALTER TABLE ... RENAME COLUMN a TO b` exists: MySQL 8.0+, MariaDB 10.5.2+ (before,
    /// only `CHANGE old new <definition>`).
    #[must_use]
    pub(crate) fn has_rename_column(self) -> bool {
        self.at((8, 0, 0), (10, 5, 2))
    }

    /// `ALGORITHM=INSTANT` for a column rename: MySQL 8.0.28+, MariaDB 10.5.2+.
    #[must_use]
    pub(crate) fn instant_rename(self) -> bool {
        self.at((8, 0, 28), (10, 5, 2))
    }

    /// `ALGORITHM=INSTANT` for `ALTER COLUMN ... SET / DROP DEFAULT`: MySQL 8.0+, MariaDB
    /// 10.3+.
    #[must_use]
    pub(crate) fn instant_default(self) -> bool {
        self.at((8, 0, 0), (10, 3, 0))
    }

    /// The clause asserting the cheapest online algorithm: `, ALGORITHM=INSTANT` when
    /// `instant`, else `, ALGORITHM=INPLACE, LOCK=NONE`.
    #[must_use]
    pub(crate) fn online(instant: bool) -> &'static str {
        if instant {
            ", ALGORITHM=INSTANT"
        } else {
            ", ALGORITHM=INPLACE, LOCK=NONE"
        }
    }

    /// The server's name and version, e.g. `MySQL 8.0.28`.
    #[must_use]
    pub(crate) fn name(self) -> String {
        let family = if self.mariadb { "MariaDB" } else { "MySQL" };
        format!("{family} {}", self.version)
    }
}

/// True when the statement asserts an `ALGORITHM=` (any value).
#[must_use]
pub(crate) fn asserts_algorithm(t: &Tokens) -> bool {
    ["INSTANT", "INPLACE", "NOCOPY", "COPY", "DEFAULT"]
        .iter()
        .any(|v| asserts(t, "ALGORITHM", v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_by_family() {
        let s = |mariadb, v: &str| Server {
            mariadb,
            version: v.parse().unwrap(),
        };
        assert!(!s(false, "8.0.28").instant_anywhere() && s(false, "8.0.29").instant_anywhere());
        assert!(s(true, "10.4").instant_anywhere() && !s(true, "10.3").instant_anywhere());
        assert!(!s(false, "5.7").has_rename_column() && !s(true, "10.4").has_rename_column());
        assert!(s(false, "8.0.12").instant_add_last() && !s(false, "8.0.11").instant_add_last());
    }
}
