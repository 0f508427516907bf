//! What bellows reads of the user's schema, per dialect, behind typed functions: a
//! backfill's table and key, row estimates, whether a backfill's WAL fits, the state of an
//! index a concurrent build left, and the live context the linter can use.

use super::keyset::{KeyColumn, KeyKind, KeyedTable};
use super::types::IndexState;
use super::{Backend, Row, SqlValue};
use crate::{Dialect, Result};

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
    let (schema, bare) = match table.rsplit_once('.') {
        Some((s, t)) => (SqlValue::Text(s.to_string()), t.to_string()),
        None => (SqlValue::Null, table.to_string()),
    };
    let lookup = if pg {
        vec![SqlValue::Text(table.to_string())]
    } else {
        vec![schema, SqlValue::Text(bare)]
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
    let found_rows = db.query(name_sql, &lookup).await?;
    let Some(found) = Row::scalar(&found_rows).map(str::to_string) else {
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
    let columns = db.query(columns_sql, &lookup).await?;
    let wanted: Vec<String> = match key {
        Some(k) => k.to_vec(),
        None => {
            let pk: Vec<String> = db
                .query(pk_sql, &lookup)
                .await?
                .iter()
                .filter_map(|r| r.opt_text(0).map(str::to_string))
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
            .find(|c| c.opt_text(0) == Some(w.as_str()))
            .or_else(|| {
                columns
                    .iter()
                    .find(|c| c.opt_text(0).is_some_and(|n| n.eq_ignore_ascii_case(w)))
            });
        let Some(c) = found else {
            return Ok(Err(format!(
                "key column `{w}` does not exist in table `{table}`"
            )));
        };
        let name = c.text(0);
        let ty = c.text(1).to_lowercase();
        if !matches!(c.opt_text(2), Some("true" | "1")) {
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
        let unique = db.query(unique_sql, &lookup).await?;
        // Compared as sets, sorted here: the server's ORDER BY may sort case-insensitively.
        let covers = |r: &Row| {
            let mut cols: Vec<String> = r.text(0).split(',').map(str::to_lowercase).collect();
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
pub async fn table_estimates(db: &mut dyn Backend) -> Result<Vec<(String, i64)>> {
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
