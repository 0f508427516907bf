//! The key a backfill walks: the table and its key columns found in the catalog (the
//! primary key, or `key=` columns that are NOT NULL and covered by a unique index), their
//! kinds, and the keyset queries over them (never OFFSET).

use crate::db::{Backend, SqlValue};
use crate::{Dialect, Result};

/// What a key column holds, for binding and comparing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
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
pub struct KeyColumn {
    /// Its name, as the catalog spells it.
    pub name: String,
    /// Its kind.
    pub kind: KeyKind,
}

/// The batched table as found in the catalog.
#[derive(Debug, Clone)]
pub struct KeyedTable {
    /// The table, quoted for SQL.
    pub sql_name: String,
    /// The key columns, in key order.
    pub key: Vec<KeyColumn>,
    dialect: Dialect,
    /// Catalog binds naming the table (PostgreSQL: the name; MySQL: schema, table).
    lookup: Vec<SqlValue>,
}

/// Find `table` and its key; `Err(reason)` when the backfill cannot run over it.
///
/// # Errors
/// Database errors (outer); the reason the table or key is unusable (inner).
pub async fn resolve(
    db: &mut dyn Backend,
    table: &str,
    key: Option<&[String]>,
) -> Result<std::result::Result<KeyedTable, String>> {
    let dialect = db.dialect();
    let pg = dialect == Dialect::Postgres;
    let (schema, bare) = match table.rsplit_once('.') {
        Some((s, t)) => (SqlValue::Text(s.to_string()), t.to_string()),
        None => (SqlValue::Null, table.to_string()),
    };
    let lookup = if pg {
        vec![SqlValue::Text(table.to_string())]
    } else {
        vec![schema, SqlValue::Text(bare)]
    };
    let first = |rows: Vec<Vec<Option<String>>>| {
        rows.into_iter()
            .next()
            .and_then(|r| r.into_iter().next().flatten())
    };
    let (name_sql, columns_sql, pk_sql, unique_sql) = if pg {
        (
            "SELECT CAST(to_regclass($1) AS text)",
            "SELECT CAST(attname AS text), format_type(atttypid, atttypmod), CAST(attnotnull AS text) FROM pg_attribute \
             WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped",
            "SELECT CAST(a.attname AS text) FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) \
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
             WHERE i.indrelid = to_regclass($1) AND i.indisprimary ORDER BY k.n",
            "SELECT string_agg(CAST(a.attname AS text), ',' ORDER BY a.attname) FROM pg_index i \
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY((i.indkey::int2[])[0:i.indnkeyatts - 1]) \
             WHERE i.indrelid = to_regclass($1) AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL \
             GROUP BY i.indexrelid",
        )
    } else {
        (
            "SELECT CAST(table_name AS CHAR) FROM information_schema.tables WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ?",
            "SELECT CAST(column_name AS CHAR), CAST(data_type AS CHAR), CAST(is_nullable = 'NO' AS CHAR) FROM information_schema.columns \
             WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ? ORDER BY ordinal_position",
            "SELECT CAST(column_name AS CHAR) FROM information_schema.statistics \
             WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ? AND index_name = 'PRIMARY' ORDER BY seq_in_index",
            "SELECT CAST(GROUP_CONCAT(column_name ORDER BY column_name SEPARATOR ',') AS CHAR) FROM information_schema.statistics \
             WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ? AND non_unique = 0 GROUP BY index_name \
             HAVING SUM(sub_part IS NOT NULL) = 0",
        )
    };
    let Some(found) = first(db.query_rows(name_sql, &lookup).await?) else {
        return Ok(Err(format!(
            "table `{table}` does not exist in this database; check table= of the backfill section"
        )));
    };
    let sql_name = if pg {
        found
    } else {
        match table.rsplit_once('.') {
            Some((s, _)) => format!("{}.{}", dialect.quote_ident(s), dialect.quote_ident(&found)),
            None => dialect.quote_ident(&found),
        }
    };
    let columns = db.query_rows(columns_sql, &lookup).await?;
    let wanted: Vec<String> = match key {
        Some(k) => k.to_vec(),
        None => {
            let pk: Vec<String> = db
                .query_rows(pk_sql, &lookup)
                .await?
                .into_iter()
                .filter_map(|r| r.into_iter().next().flatten())
                .collect();
            if pk.is_empty() {
                return Ok(Err(format!(
                    "table `{table}` has no primary key; name a unique, NOT NULL key with key=<column>"
                )));
            }
            pk
        }
    };
    let mut out = Vec::new();
    for w in &wanted {
        let found = columns
            .iter()
            .find(|c| c[0].as_deref() == Some(w.as_str()))
            .or_else(|| {
                columns
                    .iter()
                    .find(|c| c[0].as_deref().is_some_and(|n| n.eq_ignore_ascii_case(w)))
            });
        let Some(c) = found else {
            return Ok(Err(format!(
                "key column `{w}` does not exist in table `{table}`"
            )));
        };
        let name = c[0].clone().unwrap_or_default();
        let ty = c[1].clone().unwrap_or_default().to_lowercase();
        if !matches!(c[2].as_deref(), Some("true" | "1")) {
            return Ok(Err(format!(
                "key column `{name}` of `{table}` allows NULL; rows with a NULL key would never be reached"
            )));
        }
        let kind = if [
            "smallint",
            "integer",
            "bigint",
            "tinyint",
            "mediumint",
            "int",
        ]
        .iter()
        .any(|t| ty == *t || ty.starts_with(&format!("{t}(")))
        {
            KeyKind::Int
        } else if ty == "uuid" {
            KeyKind::Uuid
        } else if pg && (ty == "character" || ty.starts_with("character(")) {
            KeyKind::FixedChar
        } else if ["text", "character varying", "character", "varchar", "char"]
            .iter()
            .any(|t| ty == *t || ty.starts_with(&format!("{t}(")))
        {
            KeyKind::Text
        } else {
            return Ok(Err(format!(
                "key column `{name}` of `{table}` has type {ty}; bellows batches over integer, text and uuid keys"
            )));
        };
        out.push(KeyColumn { name, kind });
    }
    if key.is_some() {
        let mut names: Vec<String> = out.iter().map(|k| k.name.to_lowercase()).collect();
        names.sort();
        let unique = db.query_rows(unique_sql, &lookup).await?;
        // Compared as sets, sorted here: the server's ORDER BY may sort case-insensitively.
        let covers = |r: &Vec<Option<String>>| {
            let mut cols: Vec<String> = r
                .first()
                .cloned()
                .flatten()
                .unwrap_or_default()
                .split(',')
                .map(str::to_lowercase)
                .collect();
            cols.sort();
            cols == names
        };
        if !unique.iter().any(covers) {
            return Ok(Err(format!(
                "key ({}) of `{table}` is not covered by a unique index; batches over a key that repeats could miss or repeat rows",
                wanted.join(", ")
            )));
        }
    }
    Ok(Ok(KeyedTable {
        sql_name,
        key: out,
        dialect,
        lookup,
    }))
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
                let p = if self.dialect == Dialect::Postgres {
                    format!("${next}")
                } else {
                    "?".into()
                };
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
    pub fn edge_key_sql(&self, last: bool) -> String {
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
    pub fn sample_sql(&self, estimate: u64, want: u64) -> String {
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

    /// PostgreSQL: the table's size with its indexes and TOAST, and `max_wal_size`, both
    /// in bytes, as text.
    #[must_use]
    pub fn size_and_wal_room_sql(&self) -> (&'static str, &[SqlValue]) {
        (
            "SELECT CAST(pg_total_relation_size(to_regclass($1)) AS text), \
             CAST(pg_size_bytes(current_setting('max_wal_size')) AS text)",
            &self.lookup,
        )
    }

    /// The estimated number of rows (catalog statistics), as text.
    #[must_use]
    pub fn estimate_sql(&self) -> (&'static str, &[SqlValue]) {
        let sql = if self.dialect == Dialect::Postgres {
            "SELECT CAST(CAST(reltuples AS bigint) AS text) FROM pg_class WHERE oid = to_regclass($1)"
        } else {
            "SELECT CAST(table_rows AS CHAR) FROM information_schema.tables WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ?"
        };
        (sql, &self.lookup)
    }

    /// The exact number of rows, as text.
    #[must_use]
    pub fn count_sql(&self) -> String {
        format!("SELECT {} FROM {}", self.text("count(*)"), self.sql_name)
    }

    /// The next range: its last key and its number of keys; binds lo (when `with_lo`), the
    /// upper bound of the whole backfill, and the batch size.
    #[must_use]
    pub fn boundary_sql(&self, with_lo: bool) -> String {
        let mut next = 0;
        let cols = self.tuple(&self.cols("", ""));
        let mut cond = Vec::new();
        if with_lo {
            cond.push(format!("{cols} > {}", self.params(&mut next)));
        }
        cond.push(format!("{cols} <= {}", self.params(&mut next)));
        next += 1;
        let limit = if self.dialect == Dialect::Postgres {
            format!("${next}")
        } else {
            "?".into()
        };
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
    pub fn binds(&self, key: &[String]) -> Vec<SqlValue> {
        key.iter()
            .zip(&self.key)
            .map(|(v, k)| match (k.kind, v.parse::<i64>()) {
                (KeyKind::Int, Ok(i)) => SqlValue::Int(i),
                _ => SqlValue::Text(v.clone()),
            })
            .collect()
    }

    /// Which key columns are integers.
    #[must_use]
    pub fn int_key(&self) -> Vec<bool> {
        self.key.iter().map(|k| k.kind == KeyKind::Int).collect()
    }
}
