//! The backfill engine (DESIGN §6): a backfill section's statement run over its table in
//! short key-range batches, each one transaction that also moves the checkpoint, with an
//! adaptive batch size, throttling on replica lag and a rows-per-second ceiling, and events
//! for whoever shows progress. Parsing and rewriting are pure; the run goes through
//! [`crate::db::Backend`].

mod dives;
mod latency;
mod part;
mod progress;
mod replicas;
mod rewrite;
mod run;
mod shared;
mod sizing;
mod spec;
mod start;
mod throttle;
mod wal_room;

pub use latency::LatencyTarget;
pub use progress::BackfillProgress;
pub(crate) use progress::{load_all as load_all_progress, started as started_backfills};
pub(crate) use replicas::Replicas;
#[doc(hidden)]
pub use rewrite::{Placeholder, Rewritable};
pub(crate) use run::{remaining_rows, run, BackfillRun};
pub(crate) use spec::BackfillSpec;
pub(crate) use throttle::Throttle;

use serde::Serialize;
use std::time::Duration;

/// Something a running backfill reports (for progress bars, logs and JSON lines).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum BackfillEvent {
    /// A backfill starts or resumes.
    Started {
        /// The migration.
        version: i64,
        /// Its name.
        name: String,
        /// The table.
        table: String,
        /// Rows in the table (statistics).
        rows_estimate: u64,
        /// Keys already done (a resumed run).
        keys_done: u64,
        /// Rows already done (a resumed run).
        rows_done: u64,
    },
    /// A batch committed.
    Batch {
        /// The migration.
        version: i64,
        /// Rows processed so far.
        rows_done: u64,
        /// Keys covered so far.
        keys_done: u64,
        /// Rows in the table (statistics).
        rows_estimate: u64,
        /// Keys in the batch.
        batch_keys: u64,
        /// The batch size that will be used next.
        batch_size: u64,
        /// How long the batch took.
        batch_ms: u64,
        /// The latency guard's probes (what the app sees), p95 over the last batches, in
        /// milliseconds; absent when the guard is off.
        #[serde(skip_serializing_if = "Option::is_none")]
        app_p95_ms: Option<f64>,
        /// Rows per second over this run.
        rows_per_sec: f64,
        /// Keys walked per second in this run (what the ETA divides the keys left by).
        keys_per_sec: f64,
    },
    /// The run pauses before the next batch.
    Paused {
        /// The migration.
        version: i64,
        /// Why.
        reason: String,
        /// For how long.
        ms: u64,
    },
    /// A batch failed on a lock timeout, deadlock or statement timeout and is retried.
    Retrying {
        /// The migration.
        version: i64,
        /// Consecutive attempt that failed.
        attempt: u32,
        /// What happened.
        error: String,
        /// The (smaller) size of the retry.
        batch_size: u64,
    },
    /// Every key range is done.
    Finished {
        /// The migration.
        version: i64,
        /// Rows processed in all runs.
        rows_done: u64,
        /// Rows still matching the predicate (a quick check, capped), 0 when clean.
        remaining: u64,
    },
    /// Stopped on request after a committed batch; a rerun resumes.
    Stopped {
        /// The migration.
        version: i64,
        /// Rows processed so far.
        rows_done: u64,
    },
}

/// How a backfill run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ending {
    /// Every key range is done.
    Finished,
    /// Stopped on request; the next run resumes.
    Stopped,
}

/// What one backfill run did.
#[derive(Debug, Clone, Serialize)]
pub struct BackfillOutcome {
    /// The migration.
    pub version: i64,
    /// Its name.
    pub name: String,
    /// How it ended.
    pub ending: Ending,
    /// Rows processed in this run.
    pub rows: u64,
    /// Batches committed in this run.
    pub batches: u64,
    /// The longest batch of this run, in milliseconds.
    pub max_batch_ms: u64,
    /// Time taken.
    pub duration_ms: u64,
    /// Rows still matching the predicate after it finished (capped; 0 when clean).
    pub remaining: u64,
}

pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
