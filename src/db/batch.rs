//! Backfill batches and catalog reads written once over sqlx's generic connection: a query
//! with bound values read back as text, and one batch — find the range's upper key, run the
//! statement over the range, move the checkpoint — in one transaction.

use super::queries::Affected;
use super::step_error;
use super::types::StepError;
use crate::Error;
use sqlx::query::Query;
use sqlx::{ColumnIndex, Connection, Database, Decode, Encode, Executor, IntoArguments, Row, Type};

/// A value bound to a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlValue {
    /// A whole number.
    Int(i64),
    /// Text.
    Text(String),
    /// SQL NULL (typed as text).
    Null,
}

/// One batch of a backfill.
#[derive(Debug, Clone)]
pub struct Batch<'a> {
    /// Statements run first in the transaction (timeouts).
    pub setup: &'a [String],
    /// Returns the key columns (as text) of the range's last row and the number of keys
    /// in the range; no row when no key is left.
    pub boundary: &'a str,
    /// Values bound to `boundary`.
    pub boundary_binds: Vec<SqlValue>,
    /// The statement over the range; binds `lo` (when given) then the upper key.
    pub update: &'a str,
    /// The lower bound already bound (empty for the first batch).
    pub lo: Vec<SqlValue>,
    /// Which key columns are integers (their text is bound as a number).
    pub int_key: &'a [bool],
    /// Moves the checkpoint; binds new last key (JSON), rows, keys, batch size, version,
    /// part, old last key (JSON or NULL). Must match exactly one row.
    pub checkpoint: &'a str,
    /// The checkpoint's last key before this batch (JSON), `None` before the first batch.
    pub previous: Option<String>,
    /// The batch size in force.
    pub size: u64,
    /// The migration version.
    pub version: i64,
    /// The part of the key space (worker).
    pub part: i64,
}

/// What a committed batch did.
#[derive(Debug, Clone)]
pub struct BatchDone {
    /// The range's upper key, one text per key column.
    pub last_key: Vec<String>,
    /// Rows the statement reported.
    pub rows: u64,
    /// Keys in the range.
    pub keys: u64,
}

fn bind_all<'q, DB>(
    mut q: Query<'q, DB, DB::Arguments<'q>>,
    binds: &[SqlValue],
) -> Query<'q, DB, DB::Arguments<'q>>
where
    DB: Database,
    i64: Encode<'q, DB> + Type<DB>,
    String: Encode<'q, DB> + Type<DB>,
    Option<String>: Encode<'q, DB> + Type<DB>,
{
    for b in binds {
        q = match b {
            SqlValue::Int(i) => q.bind(*i),
            SqlValue::Text(t) => q.bind(t.clone()),
            SqlValue::Null => q.bind(None::<String>),
        };
    }
    q
}

/// Rows of a query whose columns are all text (or NULL).
///
/// # Errors
/// The driver's error.
pub async fn query_rows<'c, DB, E>(
    exec: E,
    sql: &str,
    binds: &[SqlValue],
) -> Result<Vec<Vec<Option<String>>>, sqlx::Error>
where
    DB: Database,
    E: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB> + Type<DB> + Decode<'q, DB>,
    usize: ColumnIndex<DB::Row>,
{
    let rows = bind_all(sqlx::query::<DB>(sql), binds)
        .fetch_all(exec)
        .await?;
    rows.iter()
        .map(|r| {
            (0..r.len())
                .map(|i| r.try_get::<Option<String>, _>(i))
                .collect()
        })
        .collect()
}

/// Run one batch; `Ok(None)` when no key is left in the range.
///
/// # Errors
/// [`StepError`]: lock timeouts and deadlocks are worth retrying; nothing of the batch was
/// kept whatever the error.
pub async fn run_batch<DB>(
    conn: &mut DB::Connection,
    batch: &Batch<'_>,
) -> Result<Option<BatchDone>, StepError>
where
    DB: Database,
    DB::QueryResult: Affected,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB> + Type<DB> + Decode<'q, DB>,
    usize: ColumnIndex<DB::Row>,
{
    let internal = |what: &'static str| move |e| StepError::Internal(Error::db(what)(e));
    let mut tx = conn.begin().await.map_err(internal("BEGIN"))?;
    for s in batch.setup {
        (&mut *tx)
            .execute(s.as_str())
            .await
            .map_err(internal("setting batch timeouts"))?;
    }
    let rows = query_rows(&mut *tx, batch.boundary, &batch.boundary_binds)
        .await
        .map_err(|e| step_error(0, e, None))?;
    let Some(row) = rows.into_iter().next() else {
        return Ok(None);
    };
    let n = batch.int_key.len();
    let last_key: Vec<String> = row[..n]
        .iter()
        .map(|v| v.clone().unwrap_or_default())
        .collect();
    let keys: u64 = row[n].as_deref().and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut binds = batch.lo.clone();
    for (text, int) in last_key.iter().zip(batch.int_key) {
        binds.push(match (int, text.parse::<i64>()) {
            (true, Ok(i)) => SqlValue::Int(i),
            _ => SqlValue::Text(text.clone()),
        });
    }
    let done = bind_all(sqlx::query::<DB>(batch.update), &binds)
        .execute(&mut *tx)
        .await
        .map_err(|e| step_error(0, e, None))?;
    let rows = done.affected();
    let json = serde_json::to_string(&last_key).unwrap_or_default();
    let checkpoint = [
        SqlValue::Text(json),
        SqlValue::Int(i64::try_from(rows).unwrap_or(i64::MAX)),
        SqlValue::Int(i64::try_from(keys).unwrap_or(i64::MAX)),
        SqlValue::Int(i64::try_from(batch.size).unwrap_or(i64::MAX)),
        SqlValue::Int(batch.version),
        SqlValue::Int(batch.part),
        batch
            .previous
            .clone()
            .map_or(SqlValue::Null, SqlValue::Text),
    ];
    let moved = bind_all(sqlx::query::<DB>(batch.checkpoint), &checkpoint)
        .execute(&mut *tx)
        .await
        .map_err(internal("writing the backfill checkpoint"))?;
    if moved.affected() != 1 {
        return Err(StepError::Internal(Error::Refused(format!(
            "the backfill checkpoint of migration {} moved under this run (another runner?); nothing of this batch was kept",
            batch.version
        ))));
    }
    tx.commit().await.map_err(|e| step_error(0, e, None))?;
    Ok(Some(BatchDone {
        last_key,
        rows,
        keys,
    }))
}
