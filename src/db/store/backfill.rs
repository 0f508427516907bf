//! The `backfill_progress` table: one row per backfill and part (a worker's share of the key
//! space) with the fixed upper key, the checkpoint (last key done), rows and keys done, the
//! estimate and the batch size in force. The checkpoint moves only inside a batch's
//! transaction ([`checkpoint_sql`]).

use super::sql::StateSql;
use super::{has, Table};
use crate::db::{Backend, Row, SqlValue};
use crate::{Dialect, Result};
use serde::Serialize;

/// A backfill's recorded progress.
#[derive(Debug, Clone, Serialize)]
pub struct BackfillProgress {
    /// The migration.
    pub version: i64,
    /// Parts the key space is split into (one per worker).
    pub parts: u64,
    /// Which part (0-based) a per-part row is; 0 in a summed row.
    #[serde(skip)]
    pub part: i64,
    /// Key columns it walks.
    pub key_columns: Vec<String>,
    /// The last key at start (the upper bound); `None`: the table was empty.
    #[serde(skip)]
    pub max_key: Option<Vec<String>>,
    /// The last key done; `None` before the first batch.
    #[serde(skip)]
    pub last_key: Option<Vec<String>>,
    /// Rows the statement processed.
    pub rows_done: u64,
    /// Keys covered by committed batches.
    pub keys_done: u64,
    /// Rows in the table when it started (statistics).
    pub rows_estimate: u64,
    /// Batch size in force.
    pub batch_size: u64,
    /// Batches committed.
    pub batches: u64,
    /// Every key range is done.
    pub finished: bool,
}

impl BackfillProgress {
    /// The checkpoint as stored (JSON), `None` before the first batch.
    #[must_use]
    pub fn last_key_json(&self) -> Option<String> {
        self.last_key
            .as_ref()
            .map(|k| serde_json::to_string(k).unwrap_or_default())
    }
}

/// What a part covers when a backfill starts: keys above `from` (all keys when `None`) up
/// to `to` (nothing when `None`: an empty table).
#[derive(Debug, Clone)]
pub(crate) struct PartStart {
    /// The key the part starts after.
    pub from: Option<Vec<String>>,
    /// The part's last key.
    pub to: Option<Vec<String>>,
}

/// Every part of every backfill, in (version, part) order; empty when the state schema
/// predates backfills.
///
/// # Errors
/// Database errors.
pub(crate) async fn load_backfills(db: &mut dyn Backend) -> Result<Vec<BackfillProgress>> {
    if !has(db, Table::BackfillProgress).await? {
        return Ok(Vec::new());
    }
    let s = StateSql(db.dialect());
    let cols: Vec<String> = [
        "version",
        "part",
        "rows_done",
        "keys_done",
        "rows_estimate",
        "batch_size",
        "batches",
        "key_columns",
        "max_key",
        "last_key",
        "CASE WHEN finished_at IS NULL THEN 0 ELSE 1 END",
    ]
    .iter()
    .map(|c| s.text(c))
    .collect();
    let sql = format!(
        "SELECT {} FROM {} ORDER BY version, part",
        cols.join(", "),
        s.table("backfill_progress")
    );
    let rows = db.query(&sql, &[]).await?;
    rows.iter().map(progress_from_row).collect()
}

fn progress_from_row(r: &Row) -> Result<BackfillProgress> {
    let keys = |i: usize| -> Option<Vec<String>> {
        r.opt_text(i).and_then(|v| serde_json::from_str(v).ok())
    };
    Ok(BackfillProgress {
        version: r.get(0)?,
        parts: 1,
        part: r.get(1)?,
        rows_done: r.get(2)?,
        keys_done: r.get(3)?,
        rows_estimate: r.get(4)?,
        batch_size: r.get(5)?,
        batches: r.get(6)?,
        key_columns: keys(7).unwrap_or_default(),
        max_key: keys(8),
        last_key: keys(9),
        finished: r.get::<u8>(10)? == 1,
    })
}

/// Record a backfill's start: its key, parts, estimate and first batch size, in one
/// statement (a crash leaves all parts recorded or none, never a subset that would cover
/// only part of the key space).
///
/// # Errors
/// Database errors.
pub(crate) async fn insert_backfill(
    db: &mut dyn Backend,
    version: i64,
    key_columns: &[String],
    parts: &[PartStart],
    estimate: u64,
    batch_size: u64,
) -> Result<()> {
    let s = StateSql(db.dialect());
    let rows: Vec<String> = (0..parts.len())
        .map(|i| format!("({}, {now}, {now})", s.phs(i * 7 + 1, 7), now = s.now()))
        .collect();
    let sql = format!(
        "INSERT INTO {} (version, part, key_columns, max_key, last_key, rows_estimate, batch_size, started_at, updated_at) VALUES {}",
        s.table("backfill_progress"),
        rows.join(", ")
    );
    let json = |v: Option<&Vec<String>>| {
        SqlValue::opt_text(v.map(|k| serde_json::to_string(k).unwrap_or_default()))
    };
    let per_part = estimate / u64::try_from(parts.len()).unwrap_or(1).max(1);
    let mut binds = Vec::with_capacity(parts.len() * 7);
    for (i, part) in parts.iter().enumerate() {
        binds.extend([
            SqlValue::Int(version),
            SqlValue::count(i as u64),
            SqlValue::Text(serde_json::to_string(key_columns).unwrap_or_default()),
            json(part.to.as_ref()),
            json(part.from.as_ref()),
            SqlValue::count(per_part),
            SqlValue::count(batch_size),
        ]);
    }
    db.execute_with(&sql, &binds).await.map(drop)
}

/// Forget a backfill's checkpoints, so the next run walks the whole key range again.
///
/// # Errors
/// Database errors.
pub(crate) async fn reset_backfill(db: &mut dyn Backend, version: i64) -> Result<()> {
    let s = StateSql(db.dialect());
    let sql = format!(
        "DELETE FROM {} WHERE version = {}",
        s.table("backfill_progress"),
        s.ph(1)
    );
    db.execute_with(&sql, &[SqlValue::Int(version)])
        .await
        .map(drop)
}

/// Mark a backfill finished (all its parts).
///
/// # Errors
/// Database errors.
pub(crate) async fn finish_backfill(db: &mut dyn Backend, version: i64) -> Result<()> {
    let s = StateSql(db.dialect());
    let sql = format!(
        "UPDATE {} SET finished_at = {now}, updated_at = {now} WHERE version = {}",
        s.table("backfill_progress"),
        s.ph(1),
        now = s.now()
    );
    db.execute_with(&sql, &[SqlValue::Int(version)])
        .await
        .map(drop)
}

/// The checkpoint move a batch commits with; binds new last key (JSON), rows, keys, batch
/// size, version, part, old last key (JSON or NULL). Matches exactly one row unless another
/// run moved the checkpoint.
pub(crate) fn checkpoint_sql(d: Dialect) -> String {
    let s = StateSql(d);
    format!(
        "UPDATE {} SET last_key = {}, rows_done = rows_done + {}, keys_done = keys_done + {}, batch_size = {}, \
         batches = batches + 1, updated_at = {} WHERE version = {} AND part = {} AND {}",
        s.table("backfill_progress"),
        s.ph(1),
        s.ph(2),
        s.ph(3),
        s.ph(4),
        s.now(),
        s.ph(5),
        s.ph(6),
        s.null_safe_eq("last_key", 7)
    )
}
