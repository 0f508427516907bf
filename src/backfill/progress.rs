//! The `backfill_progress` state table (state schema v2): one row per backfill and part (a
//! worker's share of the key space) with the fixed upper key, the checkpoint (last key done),
//! rows and keys done, the estimate and the batch size in force. The checkpoint moves only
//! inside a batch's transaction.

use crate::db::state::{now, ph, table};
use crate::db::{Backend, SqlValue};
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

/// Every backfill's progress, its parts summed (empty when the state schema predates
/// backfills).
///
/// # Errors
/// Database errors.
pub async fn load_all(db: &mut dyn Backend) -> Result<Vec<BackfillProgress>> {
    let mut out: Vec<BackfillProgress> = Vec::new();
    for p in load_rows(db).await? {
        match out.last_mut() {
            Some(sum) if sum.version == p.version => {
                sum.parts += 1;
                sum.rows_done += p.rows_done;
                sum.keys_done += p.keys_done;
                sum.batches += p.batches;
                sum.batch_size = sum.batch_size.max(p.batch_size);
                sum.finished &= p.finished;
                sum.last_key = None;
            }
            _ => out.push(p),
        }
    }
    Ok(out)
}

/// The parts of one backfill, in order (empty before it started).
///
/// # Errors
/// Database errors.
pub async fn load_parts(db: &mut dyn Backend, version: i64) -> Result<Vec<BackfillProgress>> {
    Ok(load_rows(db)
        .await?
        .into_iter()
        .filter(|p| p.version == version)
        .collect())
}

async fn load_rows(db: &mut dyn Backend) -> Result<Vec<BackfillProgress>> {
    if db.state_version().await?.unwrap_or(0) < 3 {
        return Ok(Vec::new());
    }
    let d = db.dialect();
    let cols: Vec<String> = [
        "version",
        "part",
        "rows_done",
        "keys_done",
        "rows_estimate",
        "batch_size",
        "batches",
    ]
    .iter()
    .map(|c| d.cast_to_text(c))
    .collect();
    let sql = format!(
        "SELECT {}, key_columns, max_key, last_key, {} FROM {} ORDER BY version, part",
        cols.join(", "),
        d.cast_to_text("CASE WHEN finished_at IS NULL THEN 0 ELSE 1 END"),
        table(d, "backfill_progress")
    );
    let rows = db.query_rows(&sql, &[]).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let n = |i: usize| r[i].as_deref().and_then(|v| v.parse().ok()).unwrap_or(0u64);
            let keys = |i: usize| -> Option<Vec<String>> {
                r[i].as_deref().and_then(|v| serde_json::from_str(v).ok())
            };
            BackfillProgress {
                version: r[0].as_deref().and_then(|v| v.parse().ok()).unwrap_or(0),
                parts: 1,
                part: r[1].as_deref().and_then(|v| v.parse().ok()).unwrap_or(0),
                rows_done: n(2),
                keys_done: n(3),
                rows_estimate: n(4),
                batch_size: n(5),
                batches: n(6),
                key_columns: keys(7).unwrap_or_default(),
                max_key: keys(8),
                last_key: keys(9),
                finished: n(10) == 1,
            }
        })
        .collect())
}

/// The progress of one backfill, its parts summed.
///
/// # Errors
/// Database errors.
pub async fn load(db: &mut dyn Backend, version: i64) -> Result<Option<BackfillProgress>> {
    Ok(load_all(db)
        .await?
        .into_iter()
        .find(|p| p.version == version))
}

/// What a part covers when a backfill starts: keys above `from` (all keys when `None`) up
/// to `to` (nothing when `None`: an empty table).
#[derive(Debug, Clone)]
pub struct PartStart {
    /// The key the part starts after.
    pub from: Option<Vec<String>>,
    /// The part's last key.
    pub to: Option<Vec<String>>,
}

/// Record a backfill's start: its key, parts, estimate and first batch size.
///
/// # Errors
/// Database errors.
pub async fn insert(
    db: &mut dyn Backend,
    version: i64,
    key_columns: &[String],
    parts: &[PartStart],
    estimate: u64,
    batch_size: u64,
) -> Result<()> {
    let d = db.dialect();
    // One statement for every part: a crash can leave all parts recorded or none, never a
    // subset that would cover only part of the key space.
    let rows: Vec<String> = (0..parts.len())
        .map(|i| {
            let p: Vec<String> = (1..=7).map(|k| ph(d, i * 7 + k)).collect();
            format!("({}, {now}, {now})", p.join(", "), now = now(d))
        })
        .collect();
    let sql = format!(
        "INSERT INTO {} (version, part, key_columns, max_key, last_key, rows_estimate, batch_size, started_at, updated_at) VALUES {}",
        table(d, "backfill_progress"),
        rows.join(", ")
    );
    let json = |v: Option<&Vec<String>>| {
        v.map_or(SqlValue::Null, |k| {
            SqlValue::Text(serde_json::to_string(k).unwrap_or_default())
        })
    };
    let per_part = estimate / u64::try_from(parts.len()).unwrap_or(1).max(1);
    let mut binds = Vec::with_capacity(parts.len() * 7);
    for (i, part) in parts.iter().enumerate() {
        binds.extend([
            SqlValue::Int(version),
            SqlValue::Int(i64::try_from(i).unwrap_or(0)),
            SqlValue::Text(serde_json::to_string(key_columns).unwrap_or_default()),
            json(part.to.as_ref()),
            json(part.from.as_ref()),
            SqlValue::Int(i64::try_from(per_part).unwrap_or(i64::MAX)),
            SqlValue::Int(i64::try_from(batch_size).unwrap_or(i64::MAX)),
        ]);
    }
    db.query_rows(&sql, &binds).await?;
    Ok(())
}

/// Forget a backfill's checkpoints, so the next run walks the whole key range again.
///
/// # Errors
/// Database errors.
pub async fn reset(db: &mut dyn Backend, version: i64) -> Result<()> {
    let d = db.dialect();
    let sql = format!(
        "DELETE FROM {} WHERE version = {}",
        table(d, "backfill_progress"),
        ph(d, 1)
    );
    db.query_rows(&sql, &[SqlValue::Int(version)]).await?;
    Ok(())
}

/// Mark a backfill finished (all its parts).
///
/// # Errors
/// Database errors.
pub async fn finish(db: &mut dyn Backend, version: i64) -> Result<()> {
    let d = db.dialect();
    let sql = format!(
        "UPDATE {} SET finished_at = {now}, updated_at = {now} WHERE version = {}",
        table(d, "backfill_progress"),
        ph(d, 1),
        now = now(d)
    );
    db.query_rows(&sql, &[SqlValue::Int(version)]).await?;
    Ok(())
}

/// The checkpoint move a batch commits with (see [`crate::db::Batch::checkpoint`]).
#[must_use]
pub fn checkpoint_sql(d: Dialect) -> String {
    let same = if d == Dialect::Postgres {
        format!("last_key IS NOT DISTINCT FROM {}", ph(d, 7))
    } else {
        "last_key <=> ?".into()
    };
    format!(
        "UPDATE {} SET last_key = {}, rows_done = rows_done + {}, keys_done = keys_done + {}, batch_size = {}, \
         batches = batches + 1, updated_at = {} WHERE version = {} AND part = {} AND {same}",
        table(d, "backfill_progress"),
        ph(d, 1),
        ph(d, 2),
        ph(d, 3),
        ph(d, 4),
        now(d),
        ph(d, 5),
        ph(d, 6)
    )
}
