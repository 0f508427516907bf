//! A backfill section read into what the engine runs: the table, the key columns asked for,
//! the batch-size and throttle knobs, and the statement checked for batching. Pure: no
//! database (the table and key are checked against the catalog when the backfill starts).

use super::latency::LatencyTarget;
use super::rewrite::Rewritable;
use crate::{Dialect, Error, Migration, PhaseKind, Result};
use std::time::Duration;

/// Default target duration of one batch.
pub(super) const DEFAULT_TARGET: Duration = Duration::from_millis(200);
/// Default smallest batch (keys).
pub(super) const DEFAULT_MIN_BATCH: u64 = 100;
/// Default largest batch (keys).
pub(super) const DEFAULT_MAX_BATCH: u64 = 100_000;
/// Default first batch (keys) when the size adapts.
pub(super) const DEFAULT_FIRST_BATCH: u64 = 1_000;

/// How large batches are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BatchSize {
    /// Adapts to the target duration, within min and max.
    Auto,
    /// Always this many keys.
    Fixed(u64),
}

/// One migration's backfill, validated.
#[derive(Debug, Clone)]
pub(crate) struct BackfillSpec {
    /// The table batched over (`table=`), as written.
    pub table: String,
    /// Key columns named by `key=` (comma-separated); `None`: the primary key.
    pub key: Option<Vec<String>>,
    /// Batch size.
    pub batch: BatchSize,
    /// Target duration of a batch.
    pub target: Duration,
    /// Ceiling on rows per second.
    pub max_rows_per_sec: Option<u64>,
    /// Smallest batch.
    pub min_batch: u64,
    /// Largest batch.
    pub max_batch: u64,
    /// How slow the app may get (`latency-target=`), when the section says.
    pub latency_target: Option<LatencyTarget>,
    /// The statement, parsed.
    pub statement: Rewritable,
    /// File and line of the statement, for messages.
    pub file: String,
    /// Line of the statement.
    pub line: usize,
}

impl BackfillSpec {
    /// The backfill of `migration`, if it has a non-empty backfill section.
    ///
    /// # Errors
    /// [`Error::Backfill`] naming the file and line and what cannot be batched safely.
    pub(crate) fn of(migration: &Migration, dialect: Dialect) -> Result<Option<BackfillSpec>> {
        let Some(phase) = migration.runnable_phase(PhaseKind::Backfill) else {
            return Ok(None);
        };
        let file = migration.file_of(PhaseKind::Backfill).to_string();
        let line = phase.statements[0].start.line;
        let fail = |message: String| Error::Backfill {
            version: migration.version,
            file: file.clone(),
            line,
            message,
        };
        if phase.statements.len() != 1 {
            return Err(fail(format!(
                "a backfill section holds exactly one statement, found {}; give each backfill its own migration",
                phase.statements.len()
            )));
        }
        let d = &phase.directives;
        let table = d.get("table").unwrap_or_default().to_string();
        let number = |k: &str| d.get(k).and_then(|v| v.parse::<u64>().ok());
        let batch = match d.get("batch") {
            None | Some("auto") => BatchSize::Auto,
            Some(_) => BatchSize::Fixed(number("batch").unwrap_or(DEFAULT_FIRST_BATCH)),
        };
        let min_batch = number("min-batch").unwrap_or(DEFAULT_MIN_BATCH);
        let max_batch = number("max-batch").unwrap_or(DEFAULT_MAX_BATCH.max(min_batch));
        if min_batch > max_batch {
            return Err(fail(format!(
                "min-batch={min_batch} is above max-batch={max_batch}"
            )));
        }
        let target = d
            .get("target")
            .and_then(|v| humantime::parse_duration(v).ok())
            .unwrap_or(DEFAULT_TARGET);
        let key = d.get("key").map(|k| {
            k.split(',')
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect::<Vec<_>>()
        });
        if key.as_ref().is_some_and(Vec::is_empty) {
            return Err(fail("key= names no column".into()));
        }
        let statement =
            Rewritable::parse(&phase.statements[0].sql, &table, dialect).map_err(fail)?;
        Ok(Some(BackfillSpec {
            table,
            key,
            batch,
            target,
            max_rows_per_sec: number("max-rows-per-sec"),
            latency_target: d.get("latency-target").and_then(|v| v.parse().ok()),
            min_batch,
            max_batch,
            statement,
            file,
            line,
        }))
    }
}
