//! The key a backfill walks (found by [`super::catalog::resolve_key`]) and the keyset
//! queries over it, never OFFSET: the table's edge keys, a sample for splitting it between
//! workers, the next range's last key, its row estimate.

use super::SqlValue;
use crate::backfill::Placeholder;
use crate::Dialect;

/// What a key column holds, for binding and comparing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    /// An integer type.
    Int,
    /// A character type.
    Text,
    /// A PostgreSQL uuid.
    Uuid,
    /// A PostgreSQL `character(n)` (bpchar): its values are bound as bpchar, not text, so
    /// that comparisons use its index.
    FixedChar,
}

/// One key column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyColumn {
    /// Its name, as the catalog spells it.
    pub name: String,
    /// Its kind.
    pub kind: KeyKind,
}

/// The batched table as found in the catalog.
#[derive(Debug, Clone)]
pub(crate) struct KeyedTable {
    /// The table, quoted for SQL.
    pub sql_name: String,
    /// The key columns, in key order.
    pub key: Vec<KeyColumn>,
    pub(crate) dialect: Dialect,
    /// Catalog binds naming the table (PostgreSQL: the name; MySQL: schema, table).
    pub(crate) lookup: Vec<SqlValue>,
}

impl KeyedTable {
    fn text(&self, expr: &str) -> String {
        self.dialect.cast_to_text(expr)
    }

    /// The key columns (prefixed with `qualifier`) read back as text, `bellows_k0, ...`.
    fn keys_as_text(&self, qualifier: &str) -> String {
        self.key
            .iter()
            .enumerate()
            .map(|(i, k)| {
                let col = format!("{qualifier}{}", self.dialect.quote_ident(&k.name));
                format!("{} AS bellows_k{i}", self.text(&col))
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn cols(&self, prefix: &str, suffix: &str) -> String {
        self.key
            .iter()
            .map(|k| format!("{prefix}{}{suffix}", self.dialect.quote_ident(&k.name)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn tuple(&self, items: &str) -> String {
        if self.key.len() == 1 {
            items.to_string()
        } else {
            format!("({items})")
        }
    }

    /// Placeholders for one key value, numbered from `*next`.
    fn params(&self, next: &mut usize) -> String {
        let all: Vec<String> = self
            .key
            .iter()
            .map(|k| {
                *next += 1;
                let p = self.dialect.placeholder(*next);
                match k.kind {
                    KeyKind::Uuid => format!("CAST({p} AS uuid)"),
                    KeyKind::FixedChar => format!("CAST({p} AS bpchar)"),
                    KeyKind::Int | KeyKind::Text => p,
                }
            })
            .collect();
        self.tuple(&all.join(", "))
    }

    /// The last key of the table (text per column), fixed as the backfill's upper bound, or
    /// the first one when `!last`.
    #[must_use]
    pub(crate) fn edge_key_sql(&self, last: bool) -> String {
        format!(
            "SELECT {} FROM {} ORDER BY {} LIMIT 1",
            self.keys_as_text(&format!("{}.", self.sql_name)),
            self.sql_name,
            self.cols(
                &format!("{}.", self.sql_name),
                if last { " DESC" } else { "" }
            )
        )
    }

    /// A sample of about `want` keys up to the upper bound (text per column), in key order,
    /// out of a table of about `estimate` rows; binds the upper bound. PostgreSQL reads a
    /// fraction of the table's pages (`TABLESAMPLE SYSTEM`); MySQL/MariaDB have no table
    /// sampling and keep a random fraction of one pass over the key.
    #[must_use]
    pub(crate) fn sample_sql(&self, estimate: u64, want: u64) -> String {
        #[allow(clippy::cast_precision_loss)]
        let fraction = (want as f64 / estimate.max(1) as f64).clamp(0.000_001, 1.0);
        let cols = self.tuple(&self.cols("", ""));
        let upper = self.params(&mut 0);
        let (from, filter) = if self.dialect == Dialect::Postgres {
            (
                format!(
                    "{} TABLESAMPLE SYSTEM ({})",
                    self.sql_name,
                    fraction * 100.0
                ),
                String::new(),
            )
        } else {
            (self.sql_name.clone(), format!(" AND RAND() < {fraction}"))
        };
        format!(
            "SELECT {} FROM {from} WHERE {cols} <= {upper}{filter} ORDER BY {}",
            self.keys_as_text(""),
            self.cols("", "")
        )
    }

    /// MySQL/MariaDB, a key of one integer column: the optimizer's estimate of the rows
    /// whose key is in `[from, to)`, as an `EXPLAIN FORMAT=JSON` (read with
    /// [`rows_in_plan`]). The optimizer counts a range of the key's index by diving into it
    /// at both ends, so this reads a few pages, never the key. (A composite key's first
    /// column may have too few values to split on: those keep the sample.)
    #[must_use]
    pub(crate) fn range_estimate_sql(&self, from: i64, to: i64) -> Option<String> {
        let [first] = &self.key[..] else {
            return None;
        };
        if first.kind != KeyKind::Int || self.dialect == Dialect::Postgres {
            return None;
        }
        let col = self.dialect.quote_ident(&first.name);
        Some(format!(
            "EXPLAIN FORMAT=JSON SELECT 1 FROM {} WHERE {col} >= {from} AND {col} < {to}",
            self.sql_name
        ))
    }

    /// The first key (text per column) whose first column is at least the bound value: one
    /// index dive.
    #[must_use]
    pub(crate) fn key_at_sql(&self) -> String {
        let first = self
            .key
            .first()
            .map(|k| self.dialect.quote_ident(&k.name))
            .unwrap_or_default();
        format!(
            "SELECT {} FROM {} WHERE {first} >= {} ORDER BY {} LIMIT 1",
            self.keys_as_text(""),
            self.sql_name,
            self.dialect.placeholder(1),
            self.cols("", "")
        )
    }

    /// The exact number of rows, as text.
    #[must_use]
    pub(crate) fn count_sql(&self) -> String {
        format!("SELECT {} FROM {}", self.text("count(*)"), self.sql_name)
    }

    /// The next range: its last key and its number of keys; binds lo (when `with_lo`), the
    /// upper bound of the whole backfill, and the batch size.
    #[must_use]
    pub(crate) fn boundary_sql(&self, with_lo: bool) -> String {
        let mut next = 0;
        let cols = self.tuple(&self.cols("", ""));
        let mut cond = Vec::new();
        if with_lo {
            cond.push(format!("{cols} > {}", self.params(&mut next)));
        }
        cond.push(format!("{cols} <= {}", self.params(&mut next)));
        next += 1;
        let limit = self.dialect.placeholder(next);
        let range = format!(
            "SELECT {} FROM {} WHERE {} ORDER BY {} LIMIT {limit}",
            self.cols("", ""),
            self.sql_name,
            cond.join(" AND "),
            self.cols("", ""),
        );
        // One key column: max() and count() in one pass (MariaDB runs the window form below
        // 3-4 times slower). PostgreSQL has no max(uuid).
        if let [k] = &self.key[..] {
            if !(k.kind == KeyKind::Uuid && self.dialect == Dialect::Postgres) {
                let col = format!("s.{}", self.dialect.quote_ident(&k.name));
                return format!(
                    "SELECT {} AS bellows_k0, {} FROM ({range}) AS s HAVING count(*) > 0",
                    self.text(&format!("max({col})")),
                    self.text("count(*)"),
                );
            }
        }
        format!(
            "SELECT {}, {} FROM ({range}) AS s ORDER BY {} LIMIT 1",
            self.keys_as_text("s."),
            self.text("count(*) OVER ()"),
            self.cols("s.", " DESC"),
        )
    }

    /// Bind values for a key given as text per column.
    #[must_use]
    pub(crate) fn binds(&self, key: &[String]) -> Vec<SqlValue> {
        key.iter()
            .zip(&self.key)
            .map(|(v, k)| match (k.kind, v.parse::<i64>()) {
                (KeyKind::Int, Ok(i)) => SqlValue::Int(i),
                _ => SqlValue::Text(v.clone()),
            })
            .collect()
    }

    /// How each key column's placeholder is written in the batched statement.
    #[must_use]
    pub(crate) fn placeholders(&self) -> Vec<(String, Placeholder)> {
        self.key
            .iter()
            .map(|k| {
                let p = match k.kind {
                    KeyKind::Uuid if self.dialect == Dialect::Postgres => Placeholder::Uuid,
                    KeyKind::FixedChar => Placeholder::FixedChar,
                    _ => Placeholder::Plain,
                };
                (k.name.clone(), p)
            })
            .collect()
    }

    /// Which key columns are integers.
    #[must_use]
    pub(crate) fn int_key(&self) -> Vec<bool> {
        self.key.iter().map(|k| k.kind == KeyKind::Int).collect()
    }
}

/// The rows an `EXPLAIN FORMAT=JSON` plan expects to read from its (one) table: MariaDB
/// writes `rows`, MySQL `rows_examined_per_scan`.
#[must_use]
pub(crate) fn rows_in_plan(plan: &str) -> Option<u64> {
    fn find(v: &serde_json::Value) -> Option<u64> {
        match v {
            serde_json::Value::Object(map) => ["rows", "rows_examined_per_scan"]
                .iter()
                .find_map(|k| map.get(*k).and_then(serde_json::Value::as_u64))
                .or_else(|| map.values().find_map(find)),
            serde_json::Value::Array(items) => items.iter().find_map(find),
            _ => None,
        }
    }
    find(&serde_json::from_str(plan).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_read_from_either_servers_plan() {
        let mariadb = r#"{"query_block": {"select_id": 1, "nested_loop": [{"table": {"table_name": "t", "key": "PRIMARY", "rows": 140682, "filtered": 100}}]}}"#;
        let mysql = r#"{"query_block": {"select_id": 1, "cost_info": {"query_cost": "1.2"}, "table": {"table_name": "t", "rows_examined_per_scan": 5201, "rows_produced_per_join": 5201}}}"#;
        assert_eq!(rows_in_plan(mariadb), Some(140_682));
        assert_eq!(rows_in_plan(mysql), Some(5_201));
        assert_eq!(rows_in_plan("not json"), None);
    }

    fn table(dialect: Dialect, kind: KeyKind) -> KeyedTable {
        KeyedTable {
            sql_name: "`t`".into(),
            key: vec![
                KeyColumn {
                    name: "id".into(),
                    kind,
                },
                KeyColumn {
                    name: "n".into(),
                    kind: KeyKind::Text,
                },
            ],
            dialect,
            lookup: Vec::new(),
        }
    }

    #[test]
    fn dives_only_on_mysql_over_one_integer_column() {
        let mut one = table(Dialect::Mariadb, KeyKind::Int);
        assert!(one.range_estimate_sql(1, 10).is_none(), "composite");
        one.key.truncate(1);
        assert_eq!(
            one.range_estimate_sql(1, 10).as_deref(),
            Some("EXPLAIN FORMAT=JSON SELECT 1 FROM `t` WHERE `id` >= 1 AND `id` < 10")
        );
        assert!(table(Dialect::Mysql, KeyKind::Text)
            .range_estimate_sql(1, 10)
            .is_none());
        assert!(table(Dialect::Postgres, KeyKind::Int)
            .range_estimate_sql(1, 10)
            .is_none());
        assert_eq!(
            table(Dialect::Mysql, KeyKind::Int).key_at_sql(),
            "SELECT CAST(`id` AS CHAR) AS bellows_k0, CAST(`n` AS CHAR) AS bellows_k1 FROM `t` WHERE `id` >= ? ORDER BY `id`, `n` LIMIT 1"
        );
    }
}
