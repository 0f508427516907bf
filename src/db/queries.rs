//! Reads and writes of the state tables that are the same on every backend, written once
//! over sqlx's generic executor (each backend passes its connection or transaction).

use super::state::{
    insert_event, insert_instance, insert_rollout, instance_from_row, progress_state,
    prune_instances, record_from_row, rollout_from_row, select_instances, select_latest_rollout,
    select_records, stop_instance, touch_instance, upsert_progress,
};
use super::types::{Event, Instance, InstanceChange, Progress, Record, Rollout};
use crate::{Dialect, Error, Result};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};

/// Append an event.
///
/// # Errors
/// Database errors.
pub async fn record_event<'c, DB, E>(exec: E, dialect: Dialect, event: &Event<'_>) -> Result<()>
where
    DB: Database,
    E: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i64>: Encode<'q, DB> + Type<DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
{
    let sql = insert_event(dialect);
    sqlx::query::<DB>(&sql)
        .bind(event.kind)
        .bind(event.version)
        .bind(event.actor)
        .bind(event.detail.to_string())
        .execute(exec)
        .await
        .map_err(Error::db("recording an event"))?;
    Ok(())
}

/// Write a progress row (insert or update).
///
/// # Errors
/// Database errors.
pub async fn write_progress<'c, DB, E>(
    exec: E,
    dialect: Dialect,
    p: &Progress<'_>,
) -> Result<(), sqlx::Error>
where
    DB: Database,
    E: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> i32: Encode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
{
    let sql = upsert_progress(dialect, p.phase);
    sqlx::query::<DB>(&sql)
        .bind(p.version)
        .bind(p.name)
        .bind(progress_state(p).as_str())
        .bind(i32::try_from(p.statements_done).unwrap_or(i32::MAX))
        .bind(p.checksum)
        .bind(p.sql)
        .bind(p.finished)
        .bind(p.actor)
        .bind(p.host)
        .execute(exec)
        .await?;
    Ok(())
}

/// Record a rollout.
///
/// # Errors
/// Database errors.
pub async fn record_rollout<'c, DB, E>(
    exec: E,
    dialect: Dialect,
    app_version: &str,
    actor: &str,
) -> Result<()>
where
    DB: Database,
    E: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
{
    let sql = insert_rollout(dialect);
    sqlx::query::<DB>(&sql)
        .bind(app_version)
        .bind(actor)
        .execute(exec)
        .await
        .map_err(Error::db("recording the rollout"))?;
    Ok(())
}

/// The latest rollout.
///
/// # Errors
/// Database errors.
pub async fn latest_rollout<'c, DB, E>(exec: E, dialect: Dialect) -> Result<Option<Rollout>>
where
    DB: Database,
    E: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    usize: ColumnIndex<DB::Row>,
    for<'r> String: Decode<'r, DB> + Type<DB>,
    for<'r> i64: Decode<'r, DB> + Type<DB>,
{
    let sql = select_latest_rollout(dialect);
    let row = sqlx::query::<DB>(&sql)
        .fetch_optional(exec)
        .await
        .map_err(Error::db("reading rollouts"))?;
    row.map(|r| rollout_from_row(&r))
        .transpose()
        .map_err(Error::db("reading rollouts"))
}

/// Every migration record.
///
/// # Errors
/// Database errors.
pub async fn records<'c, DB, E>(exec: E, dialect: Dialect) -> Result<Vec<Record>>
where
    DB: Database,
    E: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    usize: ColumnIndex<DB::Row>,
    for<'r> String: Decode<'r, DB> + Type<DB>,
    for<'r> Option<String>: Decode<'r, DB> + Type<DB>,
    for<'r> i64: Decode<'r, DB> + Type<DB>,
    for<'r> i32: Decode<'r, DB> + Type<DB>,
    for<'r> Option<i64>: Decode<'r, DB> + Type<DB>,
{
    let sql = select_records(dialect);
    let rows = sqlx::query::<DB>(&sql)
        .fetch_all(exec)
        .await
        .map_err(Error::db("reading migration state"))?;
    rows.iter()
        .map(|r| record_from_row(r).map_err(Error::db("reading migration state")))
        .collect()
}

/// Apply a change to the app instances table; returns the rows it touched.
///
/// # Errors
/// Database errors.
pub async fn change_instance<'c, DB, E>(
    exec: E,
    dialect: Dialect,
    change: InstanceChange<'_>,
) -> Result<u64>
where
    DB: Database,
    DB::QueryResult: Affected,
    E: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> f64: Encode<'q, DB> + Type<DB>,
{
    let (sql, context) = match change {
        InstanceChange::Register(_) => (insert_instance(dialect), "registering the app instance"),
        InstanceChange::Heartbeat(_) => (touch_instance(dialect), "recording a heartbeat"),
        InstanceChange::Deregister(_) => (stop_instance(dialect), "deregistering the app instance"),
        InstanceChange::Prune(_) => (prune_instances(dialect), "pruning stale instances"),
    };
    let query = sqlx::query::<DB>(&sql);
    let query = match change {
        InstanceChange::Register(i) => query
            .bind(i.id.as_str())
            .bind(i.app_name.as_str())
            .bind(i.app_version.as_str())
            .bind(i.host.as_str()),
        InstanceChange::Heartbeat(id) | InstanceChange::Deregister(id) => query.bind(id),
        InstanceChange::Prune(grace) => query.bind(grace.as_secs_f64()),
    };
    let done = query.execute(exec).await.map_err(Error::db(context))?;
    Ok(done.affected())
}

/// Every registered instance.
///
/// # Errors
/// Database errors.
pub async fn instances<'c, DB, E>(exec: E, dialect: Dialect) -> Result<Vec<Instance>>
where
    DB: Database,
    E: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    usize: ColumnIndex<DB::Row>,
    for<'r> String: Decode<'r, DB> + Type<DB>,
    for<'r> i64: Decode<'r, DB> + Type<DB>,
    for<'r> Option<i64>: Decode<'r, DB> + Type<DB>,
{
    let sql = select_instances(dialect);
    let rows = sqlx::query::<DB>(&sql)
        .fetch_all(exec)
        .await
        .map_err(Error::db("reading app instances"))?;
    rows.iter()
        .map(|r| instance_from_row(r).map_err(Error::db("reading app instances")))
        .collect()
}

/// Rows a statement touched, for each driver's query result.
pub trait Affected {
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
