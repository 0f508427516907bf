//! What both drivers do the same way, written once over sqlx's generic connection: bound
//! queries read back as [`Row`]s, a migration step with its bookkeeping write, and one
//! backfill batch — find the range's upper key, run the statement over the range, move the
//! checkpoint — in one transaction. Each backend passes its connection and the few
//! statements that differ (its timeouts).

use super::types::{Step, StepError};
use super::{step_error, Batch, BatchDone, Bound, Row, SqlValue};
use crate::{Error, Result};
use sqlx::query::Query;
use sqlx::{ColumnIndex, Connection, Database, Decode, Encode, Executor, IntoArguments, Type};
use std::time::{Duration, Instant};

fn bind_all<'q, DB>(
    mut q: Query<'q, DB, DB::Arguments<'q>>,
    binds: &[SqlValue],
) -> Query<'q, DB, DB::Arguments<'q>>
where
    DB: Database,
    i64: Encode<'q, DB> + Type<DB>,
    String: Encode<'q, DB> + Type<DB>,
    Option<String>: Encode<'q, DB> + Type<DB>,
    Option<i64>: Encode<'q, DB> + Type<DB>,
{
    for b in binds {
        q = match b {
            SqlValue::Int(i) => q.bind(*i),
            SqlValue::Text(t) => q.bind(t.clone()),
            SqlValue::Null => q.bind(None::<String>),
            SqlValue::NullInt => q.bind(None::<i64>),
        };
    }
    q
}

/// Rows of a query whose columns are all text (or NULL).
///
/// # Errors
/// The driver's error.
pub(crate) async fn query<'c, DB, E>(
    exec: E,
    sql: &str,
    binds: &[SqlValue],
) -> std::result::Result<Vec<Row>, sqlx::Error>
where
    DB: Database,
    E: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i64>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB> + Type<DB> + Decode<'q, DB>,
    usize: ColumnIndex<DB::Row>,
{
    use sqlx::Row as _;
    let rows = bind_all(sqlx::query::<DB>(sql), binds)
        .fetch_all(exec)
        .await?;
    rows.iter()
        .map(|r| {
            (0..r.len())
                .map(|i| r.try_get::<Option<String>, _>(i))
                .collect::<Result<Vec<_>, _>>()
                .map(Row)
        })
        .collect()
}

/// Run a statement with bound values; the rows it touched.
///
/// # Errors
/// The driver's error.
pub(crate) async fn execute<'c, DB, E>(
    exec: E,
    sql: &str,
    binds: &[SqlValue],
) -> std::result::Result<u64, sqlx::Error>
where
    DB: Database,
    DB::QueryResult: Affected,
    E: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i64>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB> + Type<DB>,
{
    let done = bind_all(sqlx::query::<DB>(sql), binds)
        .execute(exec)
        .await?;
    Ok(done.affected())
}

/// Run a step's statements and then its bookkeeping write: in one transaction when the step
/// is transactional, one after the other otherwise. A failed COMMIT is blamed on the step's
/// last statement.
///
/// `lock_budget` (a transactional step with a lock timeout, where the server takes the
/// timeout per statement inside a transaction: PostgreSQL) writes the statement that sets
/// the lock timeout for what is left of the step's budget. It runs before each statement:
/// the locks the first statements took are held while the later ones wait, so each wait
/// only gets what the earlier ones left, and the app's readers of any table wait at most
/// one lock timeout for the whole step.
///
/// # Errors
/// [`StepError`]; nothing of a transactional step was kept.
pub(crate) async fn run_step<DB>(
    conn: &mut DB::Connection,
    step: &Step<'_>,
    bookkeeping: &Bound,
    lock_budget: Option<&(dyn Fn(Duration) -> String + Sync)>,
) -> std::result::Result<(), StepError>
where
    DB: Database,
    DB::QueryResult: Affected,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i64>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB> + Type<DB>,
{
    let internal = |what: &'static str| move |e| StepError::Internal(Error::db(what)(e));
    if !step.in_transaction {
        return statements_then_bookkeeping::<DB>(conn, step, bookkeeping, None).await;
    }
    let mut tx = conn.begin().await.map_err(internal("BEGIN"))?;
    let budget = step.lock_timeout.zip(lock_budget);
    statements_then_bookkeeping::<DB>(&mut tx, step, bookkeeping, budget).await?;
    let last = step.statements.len().saturating_sub(1);
    tx.commit().await.map_err(|e| step_error(last, e, None))
}

/// A step's statements one after the other, then its bookkeeping write.
async fn statements_then_bookkeeping<DB>(
    conn: &mut DB::Connection,
    step: &Step<'_>,
    bookkeeping: &Bound,
    budget: Option<(Duration, &(dyn Fn(Duration) -> String + Sync))>,
) -> std::result::Result<(), StepError>
where
    DB: Database,
    DB::QueryResult: Affected,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i64>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB> + Type<DB>,
{
    let started = Instant::now();
    for (i, s) in step.statements.iter().enumerate() {
        // The first statement runs under the session's timeout, which the backend has just
        // made the step's whole budget; the later ones get what is left of it.
        if let Some((timeout, set)) = budget.filter(|_| i > 0) {
            let left = timeout
                .saturating_sub(started.elapsed())
                .max(Duration::from_millis(1));
            (&mut *conn)
                .execute(set(left).as_str())
                .await
                .map_err(|e| StepError::Internal(Error::db("setting the lock timeout")(e)))?;
        }
        (&mut *conn)
            .execute(s.sql.as_str())
            .await
            .map_err(|e| step_error(i, e, None))?;
    }
    execute(&mut *conn, &bookkeeping.sql, &bookkeeping.binds)
        .await
        .map_err(|e| StepError::Internal(Error::db("recording progress")(e)))?;
    Ok(())
}

/// Connect options parsed from a URL (the password stays out of any error).
pub(crate) fn options<O>(url: &super::DatabaseUrl) -> Result<O>
where
    O: std::str::FromStr<Err = sqlx::Error>,
{
    O::from_str(&url.expose()).map_err(|source| Error::Connect {
        url: url.to_string(),
        source,
    })
}

/// Run one batch; `Ok(None)` when no key is left in the range. `setup` runs first in the
/// transaction (timeouts); `update_prefix` goes before the batch statement; `checkpoint_sql`
/// moves the checkpoint (see [`super::store::checkpoint_sql`]).
///
/// # Errors
/// [`StepError`]: lock timeouts and deadlocks are worth retrying; nothing of the batch was
/// kept whatever the error.
pub(crate) async fn run_batch<DB>(
    conn: &mut DB::Connection,
    batch: &Batch<'_>,
    setup: &[String],
    update_prefix: &str,
    checkpoint_sql: &str,
) -> std::result::Result<Option<BatchDone>, StepError>
where
    DB: Database,
    DB::QueryResult: Affected,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i64>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB> + Type<DB> + Decode<'q, DB>,
    usize: ColumnIndex<DB::Row>,
{
    let internal = |what: &'static str| move |e| StepError::Internal(Error::db(what)(e));
    let mut tx = conn.begin().await.map_err(internal("BEGIN"))?;
    for s in setup {
        (&mut *tx)
            .execute(s.as_str())
            .await
            .map_err(internal("setting batch timeouts"))?;
    }
    let rows = query(&mut *tx, batch.boundary, &batch.boundary_binds)
        .await
        .map_err(|e| step_error(0, e, None))?;
    let Some(row) = rows.into_iter().next() else {
        return Ok(None);
    };
    let n = batch.int_key.len();
    let last_key: Vec<String> = (0..n).map(|i| row.text(i)).collect();
    let keys: u64 = row.opt_text(n).and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut binds = batch.lo.clone();
    for (text, int) in last_key.iter().zip(batch.int_key) {
        binds.push(match (int, text.parse::<i64>()) {
            (true, Ok(i)) => SqlValue::Int(i),
            _ => SqlValue::Text(text.clone()),
        });
    }
    let update = format!("{update_prefix}{}", batch.update);
    let rows = execute(&mut *tx, &update, &binds)
        .await
        .map_err(|e| step_error(0, e, None))?;
    let c = &batch.checkpoint;
    let checkpoint = [
        SqlValue::Text(serde_json::to_string(&last_key).unwrap_or_default()),
        SqlValue::count(rows),
        SqlValue::count(keys),
        SqlValue::count(c.size),
        SqlValue::Int(c.version),
        SqlValue::Int(c.part),
        SqlValue::opt_text(c.previous.clone()),
    ];
    let moved = execute(&mut *tx, checkpoint_sql, &checkpoint)
        .await
        .map_err(internal("writing the backfill checkpoint"))?;
    if moved != 1 {
        return Err(StepError::Internal(Error::Refused(format!(
            "the backfill checkpoint of migration {} moved under this run (another runner?); nothing of this batch was kept",
            c.version
        ))));
    }
    tx.commit().await.map_err(|e| step_error(0, e, None))?;
    Ok(Some(BatchDone {
        last_key,
        rows,
        keys,
    }))
}

/// Rows a statement touched, for each driver's query result.
pub(crate) trait Affected {
    /// The number of rows affected.
    fn affected(&self) -> u64;
}

#[cfg(feature = "postgres")]
impl Affected for sqlx::postgres::PgQueryResult {
    fn affected(&self) -> u64 {
        self.rows_affected()
    }
}

#[cfg(feature = "mysql")]
impl Affected for sqlx::mysql::MySqlQueryResult {
    fn affected(&self) -> u64 {
        self.rows_affected()
    }
}

/// bellows' own statements on a driver connection: the part of [`super::Backend`] that is
/// the same for every sqlx driver, implemented once per connection type by `impl_sql!`.
#[async_trait::async_trait]
pub trait Sql: Send {
    /// Run one statement (simple protocol, no result).
    async fn execute(&mut self, sql: &str) -> Result<()>;
    /// Rows of a query whose columns are all text, with bound values.
    async fn query(&mut self, sql: &str, binds: &[SqlValue]) -> Result<Vec<Row>>;
    /// Run a statement with bound values; the rows it touched.
    async fn execute_with(&mut self, sql: &str, binds: &[SqlValue]) -> Result<u64>;
}

/// Implement [`Sql`] for a sqlx connection type over the generic functions above.
macro_rules! impl_sql {
    ($conn:ty) => {
        #[async_trait::async_trait]
        impl Sql for $conn {
            async fn execute(&mut self, sql: &str) -> Result<()> {
                sqlx::Executor::execute(&mut *self, sql)
                    .await
                    .map(drop)
                    .map_err(Error::db(format!("running `{sql}`")))
            }

            async fn query(&mut self, sql: &str, binds: &[SqlValue]) -> Result<Vec<Row>> {
                query(self, sql, binds)
                    .await
                    .map_err(Error::db(format!("running `{sql}`")))
            }

            async fn execute_with(&mut self, sql: &str, binds: &[SqlValue]) -> Result<u64> {
                execute(self, sql, binds)
                    .await
                    .map_err(Error::db(format!("running `{sql}`")))
            }
        }
    };
}

#[cfg(feature = "postgres")]
impl_sql!(sqlx::postgres::PgConnection);
#[cfg(feature = "mysql")]
impl_sql!(sqlx::mysql::MySqlConnection);
