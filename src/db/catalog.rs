//! What bellows reads of the user's schema, per dialect, behind typed functions: a
//! backfill's table and key, row estimates, whether a backfill's WAL fits, the state of an
//! index a concurrent build left, and the live context the linter can use.

use super::keyset::{KeyColumn, KeyKind, KeyedTable};
use super::schema_live;
use super::types::IndexState;
use super::{Backend, Row, SqlValue};
use crate::schema::{Table, TableName};
use crate::{Dialect, Result};

/// Find the backfill's table and key through the live schema model; `Err(reason)` when the
/// backfill cannot run over it. `target` is the table as the statement writes it (quotes
/// kept), looked up with the dialect's rules, so `"Users"` and `users` are two tables on
/// PostgreSQL; `table` is the directive, named in messages and used when `target` does not
/// read as a name. Key columns (`key=`) match exactly first, then as unquoted names fold.
///
/// # Errors
/// Database errors (outer); the reason the table or key is unusable (inner).
pub(crate) async fn resolve_key(
    db: &mut dyn Backend,
    table: &str,
    target: &str,
    key: Option<&[String]>,
) -> Result<std::result::Result<KeyedTable, String>> {
    let dialect = db.dialect();
    let folding = schema_live::folding(db).await?;
    let model = match TableName::parse(target, dialect, folding) {
        Some(name) => schema_live::schema_model(db, Some(std::slice::from_ref(&name))).await?,
        None => schema_live::schema_model(db, None).await?,
    };
    let lookup = match TableName::parse(target, dialect, folding) {
        Some(name) => model.table(&name),
        None => model.table_written(table),
    };
    let Some(found) = lookup.known() else {
        return Ok(Err(format!(
            "table `{table}` does not exist in this database; check table= of the backfill section"
        )));
    };
    Ok(keyed(found, table, key, dialect))
}

/// The key of `found` a backfill walks: `key` or the primary key.
fn keyed(
    found: &Table,
    table: &str,
    key: Option<&[String]>,
    dialect: Dialect,
) -> std::result::Result<KeyedTable, String> {
    let pg = dialect == Dialect::Postgres;
    let wanted: Vec<String> = match key {
        Some(k) => k.to_vec(),
        None => found
            .primary_key
            .as_ref()
            .map(|k| k.columns.clone())
            .unwrap_or_default(),
    };
    if wanted.is_empty() {
        return Err(format!(
            "table `{table}` has no primary key; name a unique, NOT NULL key with key=<column>"
        ));
    }
    let mut columns = Vec::new();
    for w in &wanted {
        let c = found
            .column_written(w)
            .ok_or_else(|| format!("key column `{w}` does not exist in table `{table}`"))?;
        if c.nullable {
            return Err(format!("key column `{}` of `{table}` allows NULL; rows with a NULL key would never be reached", c.name));
        }
        let ty = if pg {
            c.type_normalized.as_str()
        } else {
            c.type_normalized.split(' ').next().unwrap_or_default()
        };
        let kind = key_kind(ty, pg).ok_or_else(|| {
            format!("key column `{}` of `{table}` has type {ty}; bellows batches over integer, text and uuid keys", c.name)
        })?;
        columns.push(KeyColumn {
            name: c.name.clone(),
            kind,
        });
    }
    let names: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
    if key.is_some() && !found.unique_over(&names) {
        return Err(format!(
            "key ({}) of `{table}` is not covered by a unique index; batches over a key that repeats could miss or repeat rows",
            wanted.join(", ")
        ));
    }
    let lookup = if pg {
        vec![SqlValue::Text(found.name.quoted(dialect))]
    } else {
        vec![
            SqlValue::opt_text(found.name.schema.clone()),
            SqlValue::Text(found.name.name.clone()),
        ]
    };
    Ok(KeyedTable {
        sql_name: found.name.quoted(dialect),
        key: columns,
        dialect,
        lookup,
    })
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

/// Whether the server at `url` is a Galera node (`wsrep_on`), for the linter's advice on
/// table rewrites. Read-only.
///
/// # Errors
/// Connection errors.
pub async fn is_galera(url: &super::DatabaseUrl) -> Result<bool> {
    if !url.dialect().is_mysql_family() {
        return Ok(false);
    }
    let mut db = super::connect(url).await?;
    let rows = db.query("SHOW VARIABLES LIKE 'wsrep_on'", &[]).await?;
    Ok(rows
        .first()
        .is_some_and(|r| r.text(1).eq_ignore_ascii_case("ON")))
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
}
