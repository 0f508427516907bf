//! The few pieces of SQL text in which the state tables differ by dialect: where the tables
//! live, placeholders, "now", timestamps as epoch milliseconds, upserts and NULL-safe
//! equality. Everything else in the store is written once.

use crate::Dialect;

/// SQL building blocks for the state tables of one dialect.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StateSql(pub(crate) Dialect);

impl StateSql {
    fn pg(self) -> bool {
        !self.0.is_mysql_family()
    }

    /// A state table's qualified name: schema `bellows` on PostgreSQL, prefix `bellows_` on
    /// MySQL/MariaDB.
    pub(crate) fn table(self, name: &str) -> String {
        if self.pg() {
            format!("bellows.{name}")
        } else {
            format!("bellows_{name}")
        }
    }

    /// Placeholder `n` (1-based).
    pub(crate) fn ph(self, n: usize) -> String {
        self.0.placeholder(n)
    }

    /// Placeholders `from..from+count`, comma-separated.
    pub(crate) fn phs(self, from: usize, count: usize) -> String {
        (from..from + count)
            .map(|n| self.ph(n))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// "now" in UTC.
    pub(crate) fn now(self) -> &'static str {
        if self.pg() {
            "now()"
        } else {
            "UTC_TIMESTAMP(6)"
        }
    }

    /// A timestamp as epoch milliseconds, as text.
    pub(crate) fn epoch_ms(self, col: &str) -> String {
        let ms = if self.pg() {
            format!("CAST(EXTRACT(EPOCH FROM {col}) * 1000 AS bigint)")
        } else {
            format!("CAST(TIMESTAMPDIFF(MICROSECOND, '1970-01-01', {col}) DIV 1000 AS SIGNED)")
        };
        self.text(&ms)
    }

    /// An expression cast to text.
    pub(crate) fn text(self, expr: &str) -> String {
        self.0.cast_to_text(expr)
    }

    /// `now` minus a number of milliseconds bound at placeholder 1.
    pub(crate) fn millis_ago(self) -> &'static str {
        if self.pg() {
            "now() - make_interval(secs => CAST($1 AS float8) / 1000)"
        } else {
            "UTC_TIMESTAMP(6) - INTERVAL (? * 1000) MICROSECOND"
        }
    }

    /// `INSERT ... VALUES (...)` followed by the dialect's upsert of `updated` columns on a
    /// conflict of `key`.
    pub(crate) fn upsert(
        self,
        table: &str,
        cols: &str,
        values: &str,
        key: &str,
        updated: &[&str],
    ) -> String {
        let (conflict, set): (String, Vec<String>) = if self.pg() {
            (
                format!("ON CONFLICT ({key}) DO UPDATE SET"),
                updated
                    .iter()
                    .map(|c| format!("{c} = EXCLUDED.{c}"))
                    .collect(),
            )
        } else {
            (
                "ON DUPLICATE KEY UPDATE".into(),
                updated
                    .iter()
                    .map(|c| format!("{c} = VALUES({c})"))
                    .collect(),
            )
        };
        format!(
            "INSERT INTO {} ({cols}) VALUES ({values}) {conflict} {}",
            self.table(table),
            set.join(", ")
        )
    }

    /// `col` equals placeholder `n`, NULL equal to NULL.
    pub(crate) fn null_safe_eq(self, col: &str, n: usize) -> String {
        if self.pg() {
            format!("{col} IS NOT DISTINCT FROM {}", self.ph(n))
        } else {
            format!("{col} <=> {}", self.ph(n))
        }
    }

    /// Does the meta table exist? One row, `1` or `0`.
    pub(crate) fn meta_exists(self) -> &'static str {
        if self.pg() {
            "SELECT CAST(CASE WHEN to_regclass('bellows.meta') IS NULL THEN 0 ELSE 1 END AS text)"
        } else {
            "SELECT CAST(COUNT(*) AS CHAR) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'bellows_meta'"
        }
    }

    /// Column types: (timestamp, text, short key text, serial primary key).
    pub(crate) fn types(self) -> (&'static str, &'static str, &'static str, &'static str) {
        if self.pg() {
            ("timestamptz", "text", "text", "bigserial")
        } else {
            (
                "datetime(6)",
                "text",
                "varchar(255)",
                "bigint AUTO_INCREMENT",
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upserts_per_dialect() {
        let pg = StateSql(Dialect::Postgres).upsert("meta", "k, v", "$1, $2", "k", &["v"]);
        assert_eq!(
            pg,
            "INSERT INTO bellows.meta (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v"
        );
        let my = StateSql(Dialect::Mariadb).upsert("meta", "k, v", "?, ?", "k", &["v"]);
        assert_eq!(
            my,
            "INSERT INTO bellows_meta (k, v) VALUES (?, ?) ON DUPLICATE KEY UPDATE v = VALUES(v)"
        );
    }
}
