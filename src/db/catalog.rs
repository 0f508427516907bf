//! What bellows reads of the user's schema, per dialect, behind typed functions: a
//! backfill's table and key, row estimates, whether a backfill's WAL fits, the state of an
//! index a concurrent build left, and the live context the linter can use.

use super::keyset::{KeyColumn, KeyKind, KeyedTable};
use super::types::IndexState;
use super::{Backend, Row, SqlValue};
use crate::{Dialect, Result};

/// The catalog queries that find a backfill's table and key; each binds the lookup values
/// of [`lookup_binds`].
struct KeyQueries {
    /// The table's name as the catalog spells it (no row: no such table).
    name: &'static str,
    /// Every column: name, type, NOT NULL.
    columns: &'static str,
    /// The primary key's columns, in key order.
    primary_key: &'static str,
    /// Per valid, non-partial unique index: its columns, comma-separated.
    unique: &'static str,
}

const PG_KEY_QUERIES: KeyQueries = KeyQueries {
    name: "SELECT CAST(to_regclass($1) AS text)",
    columns: "SELECT CAST(attname AS text), format_type(atttypid, atttypmod), CAST(attnotnull AS text) FROM pg_attribute \
              WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped",
    primary_key: "SELECT CAST(a.attname AS text) FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) \
                  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
                  WHERE i.indrelid = to_regclass($1) AND i.indisprimary ORDER BY k.n",
    unique: "SELECT string_agg(CAST(a.attname AS text), ',' ORDER BY a.attname) FROM pg_index i \
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY((i.indkey::int2[])[0:i.indnkeyatts - 1]) \
             WHERE i.indrelid = to_regclass($1) AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL \
             GROUP BY i.indexrelid",
};

const MYSQL_KEY_QUERIES: KeyQueries = KeyQueries {
    name: "SELECT CAST(table_name AS CHAR) FROM information_schema.tables WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ?",
    columns: "SELECT CAST(column_name AS CHAR), CAST(data_type AS CHAR), CAST(is_nullable = 'NO' AS CHAR) FROM information_schema.columns \
              WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ? ORDER BY ordinal_position",
    primary_key: "SELECT CAST(column_name AS CHAR) FROM information_schema.statistics \
                  WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ? AND index_name = 'PRIMARY' ORDER BY seq_in_index",
    unique: "SELECT CAST(GROUP_CONCAT(column_name ORDER BY column_name SEPARATOR ',') AS CHAR) FROM information_schema.statistics \
             WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ? AND non_unique = 0 GROUP BY index_name \
             HAVING SUM(sub_part IS NOT NULL) = 0",
};

/// The values the key queries bind for `table` (PostgreSQL: the name; MySQL: schema or
/// NULL, table).
fn lookup_binds(table: &str, pg: bool) -> Vec<SqlValue> {
    if pg {
        return vec![SqlValue::Text(table.to_string())];
    }
    match table.rsplit_once('.') {
        Some((s, t)) => vec![SqlValue::Text(s.to_string()), SqlValue::Text(t.to_string())],
        None => vec![SqlValue::Null, SqlValue::Text(table.to_string())],
    }
}

/// Find `table` and its key; `Err(reason)` when the backfill cannot run over it.
///
/// # Errors
/// Database errors (outer); the reason the table or key is unusable (inner).
pub(crate) async fn resolve_key(
    db: &mut dyn Backend,
    table: &str,
    key: Option<&[String]>,
) -> Result<std::result::Result<KeyedTable, String>> {
    let dialect = db.dialect();
    let pg = dialect == Dialect::Postgres;
    let queries = if pg {
        &PG_KEY_QUERIES
    } else {
        &MYSQL_KEY_QUERIES
    };
    let lookup = lookup_binds(table, pg);
    let found_rows = db.query(queries.name, &lookup).await?;
    let Some(found) = Row::scalar(&found_rows).map(str::to_string) else {
        return Ok(Err(format!(
            "table `{table}` does not exist in this database; check table= of the backfill section"
        )));
    };
    let sql_name = match table.rsplit_once('.') {
        _ if pg => found,
        Some((s, _)) => format!("{}.{}", dialect.quote_ident(s), dialect.quote_ident(&found)),
        None => dialect.quote_ident(&found),
    };
    let columns = db.query(queries.columns, &lookup).await?;
    let wanted: Vec<String> = match key {
        Some(k) => k.to_vec(),
        None => db
            .query(queries.primary_key, &lookup)
            .await?
            .iter()
            .filter_map(|r| r.opt_text(0).map(str::to_string))
            .collect(),
    };
    if wanted.is_empty() {
        return Ok(Err(format!(
            "table `{table}` has no primary key; name a unique, NOT NULL key with key=<column>"
        )));
    }
    let out = match wanted
        .iter()
        .map(|w| key_column(&columns, w, table, pg))
        .collect::<std::result::Result<Vec<_>, String>>()
    {
        Ok(out) => out,
        Err(reason) => return Ok(Err(reason)),
    };
    if key.is_some() {
        let unique = db.query(queries.unique, &lookup).await?;
        if !covered_by_unique(&unique, &out) {
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

/// The key column `wanted` among `columns` (exact name first, then case-insensitively),
/// with its kind; `Err(reason)` when it is missing, nullable or of a type bellows cannot
/// batch over.
fn key_column(
    columns: &[Row],
    wanted: &str,
    table: &str,
    pg: bool,
) -> std::result::Result<KeyColumn, String> {
    let found = columns
        .iter()
        .find(|c| c.opt_text(0) == Some(wanted))
        .or_else(|| {
            columns.iter().find(|c| {
                c.opt_text(0)
                    .is_some_and(|n| n.eq_ignore_ascii_case(wanted))
            })
        })
        .ok_or_else(|| format!("key column `{wanted}` does not exist in table `{table}`"))?;
    let name = found.text(0);
    let ty = found.text(1).to_lowercase();
    if !matches!(found.opt_text(2), Some("true" | "1")) {
        return Err(format!(
            "key column `{name}` of `{table}` allows NULL; rows with a NULL key would never be reached"
        ));
    }
    let kind = key_kind(&ty, pg).ok_or_else(|| {
        format!(
            "key column `{name}` of `{table}` has type {ty}; bellows batches over integer, text and uuid keys"
        )
    })?;
    Ok(KeyColumn { name, kind })
}

/// How a key column of type `ty` (lower case, as the catalog writes it) is bound and
/// compared; `None` for a type bellows does not batch over.
fn key_kind(ty: &str, pg: bool) -> Option<KeyKind> {
    let is = |names: &[&str]| {
        names
            .iter()
            .any(|t| ty == *t || ty.starts_with(&format!("{t}(")))
    };
    if is(&[
        "smallint",
        "integer",
        "bigint",
        "tinyint",
        "mediumint",
        "int",
    ]) {
        Some(KeyKind::Int)
    } else if ty == "uuid" {
        Some(KeyKind::Uuid)
    } else if pg && is(&["character"]) {
        Some(KeyKind::FixedChar)
    } else if is(&["text", "character varying", "character", "varchar", "char"]) {
        Some(KeyKind::Text)
    } else {
        None
    }
}

/// Whether one of the unique indexes (`unique`: their columns, comma-separated) has exactly
/// the key's columns. Compared as sets, sorted here: the server's ORDER BY may sort
/// case-insensitively.
fn covered_by_unique(unique: &[Row], key: &[KeyColumn]) -> bool {
    let sorted = |cols: Vec<String>| {
        let mut cols = cols;
        cols.sort();
        cols
    };
    let names = sorted(key.iter().map(|k| k.name.to_lowercase()).collect());
    unique
        .iter()
        .any(|r| sorted(r.text(0).split(',').map(str::to_lowercase).collect()) == names)
}

/// The estimated number of rows of a backfill's table (catalog statistics; 0 or less when
/// never analysed).
///
/// # Errors
/// Database errors.
pub(crate) async fn estimated_rows(db: &mut dyn Backend, keyed: &KeyedTable) -> Result<i64> {
    let sql = if keyed.dialect == Dialect::Postgres {
        "SELECT CAST(CAST(reltuples AS bigint) AS text) FROM pg_class WHERE oid = to_regclass($1)"
    } else {
        "SELECT CAST(table_rows AS CHAR) FROM information_schema.tables WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ?"
    };
    let rows = db.query(sql, &keyed.lookup).await?;
    Ok(Row::scalar(&rows).and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// PostgreSQL: the table's size with its indexes and TOAST, and `max_wal_size`, in bytes;
/// `None` on other dialects (or when unreadable).
///
/// # Errors
/// Database errors.
pub(crate) async fn size_and_wal_room(
    db: &mut dyn Backend,
    keyed: &KeyedTable,
) -> Result<Option<(u64, u64)>> {
    if keyed.dialect != Dialect::Postgres {
        return Ok(None);
    }
    let rows = db
        .query(
            "SELECT CAST(pg_total_relation_size(to_regclass($1)) AS text), \
             CAST(pg_size_bytes(current_setting('max_wal_size')) AS text)",
            &keyed.lookup,
        )
        .await?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    Ok(match (row.opt::<u64>(0)?, row.opt::<u64>(1)?) {
        (Some(table), Some(wal)) => Some((table, wal)),
        _ => None,
    })
}

/// The state of an index by name (PostgreSQL concurrent builds; MySQL builds no index
/// concurrently, so it is always [`IndexState::Missing`] there).
///
/// # Errors
/// Database errors.
pub(crate) async fn index_state(db: &mut dyn Backend, name: &str) -> Result<IndexState> {
    if db.dialect() != Dialect::Postgres {
        return Ok(IndexState::Missing);
    }
    let rows = db
        .query(
            "SELECT CAST(indisvalid AS text) FROM pg_index WHERE indexrelid = to_regclass($1)",
            &[SqlValue::Text(Dialect::Postgres.quote_ident(name))],
        )
        .await?;
    Ok(match Row::scalar(&rows) {
        None => IndexState::Missing,
        Some("true") => IndexState::Valid,
        Some(_) => IndexState::Invalid,
    })
}

/// The server's version and the estimated rows of every user table (negative: never
/// analysed), for the linter's live context.
///
/// # Errors
/// Database errors.
pub(crate) async fn table_estimates(db: &mut dyn Backend) -> Result<Vec<(String, i64)>> {
    let sql = if db.dialect() == Dialect::Postgres {
        "SELECT CAST(c.relname AS text), CAST(CAST(c.reltuples AS bigint) AS text) FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
         AND n.nspname NOT LIKE 'pg_toast%'"
    } else {
        "SELECT CAST(TABLE_NAME AS CHAR), CAST(COALESCE(TABLE_ROWS, -1) AS CHAR) \
         FROM information_schema.tables WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'"
    };
    let rows = db.query(sql, &[]).await?;
    rows.iter()
        .map(|r| Ok((r.text(0), r.get::<i64>(1)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_kinds_by_catalog_type() {
        assert_eq!(key_kind("bigint", true), Some(KeyKind::Int));
        assert_eq!(key_kind("int(11)", false), Some(KeyKind::Int));
        assert_eq!(key_kind("uuid", true), Some(KeyKind::Uuid));
        assert_eq!(key_kind("character(12)", true), Some(KeyKind::FixedChar));
        assert_eq!(key_kind("character(12)", false), Some(KeyKind::Text));
        assert_eq!(key_kind("character varying(64)", true), Some(KeyKind::Text));
        assert_eq!(key_kind("jsonb", true), None);
    }

    #[test]
    fn a_unique_index_covers_the_key_whatever_the_order_or_case() {
        let key = [
            KeyColumn {
                name: "B".into(),
                kind: KeyKind::Int,
            },
            KeyColumn {
                name: "a".into(),
                kind: KeyKind::Int,
            },
        ];
        assert!(covered_by_unique(&[Row(vec![Some("a,b".into())])], &key));
        assert!(!covered_by_unique(&[Row(vec![Some("a".into())])], &key));
    }
}
