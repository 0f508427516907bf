//! One part of a backfill's key space, batch after batch until no key is left, a stop is
//! requested, or an error that retries do not cure. Lock timeouts, deadlocks and statement
//! timeouts halve the batch and retry it with backoff; each batch is all or nothing with its
//! checkpoint.

use super::progress::BackfillProgress;
use super::shared::Shared;
use super::sizing::Sizer;
use super::{millis, BackfillEvent};
use crate::db::{Backend, Batch, Checkpoint, SqlValue};
use crate::engine::retry::{Attempts, Failure};
use crate::{Error, PhaseKind, Result};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Run one part's batches until no key is left (false) or a stop is requested (true).
pub(super) async fn run(
    db: &mut dyn Backend,
    mut prog: BackfillProgress,
    shared: &Shared<'_, '_>,
) -> Result<bool> {
    let result = part_batches(db, &mut prog, shared).await;
    if result.is_err() {
        shared.halt.store(true, Ordering::SeqCst);
    }
    result
}

/// The SQL of one part's batches, built once: the statement and the range query with and
/// without a lower bound, and the part's upper key.
struct PartQueries {
    update: [String; 2],
    boundary: [String; 2],
    int_key: Vec<bool>,
    max_binds: Vec<SqlValue>,
    statement_limit: Duration,
}

impl PartQueries {
    fn new(shared: &Shared<'_, '_>, prog: &BackfillProgress) -> PartQueries {
        let (spec, keyed) = (shared.job.spec, shared.keyed);
        let placeholders = keyed.placeholders();
        PartQueries {
            update: [false, true].map(|with_lo| spec.statement.batched(&placeholders, with_lo)),
            boundary: [keyed.boundary_sql(false), keyed.boundary_sql(true)],
            int_key: keyed.int_key(),
            max_binds: keyed.binds(prog.max_key.as_deref().unwrap_or_default()),
            statement_limit: (spec.target * 25).max(Duration::from_secs(1)),
        }
    }

    /// The next batch of `size` keys after the part's checkpoint.
    fn batch(&self, shared: &Shared<'_, '_>, prog: &BackfillProgress, size: u64) -> Batch<'_> {
        let lo = prog.last_key.as_deref().map(|k| shared.keyed.binds(k));
        let with_lo = usize::from(lo.is_some());
        let mut boundary_binds = lo.clone().unwrap_or_default();
        boundary_binds.extend(self.max_binds.iter().cloned());
        boundary_binds.push(SqlValue::count(size));
        Batch {
            boundary: &self.boundary[with_lo],
            boundary_binds,
            update: &self.update[with_lo],
            lo: lo.unwrap_or_default(),
            int_key: &self.int_key,
            lock_timeout: shared.job.lock_timeout,
            statement_limit: self.statement_limit,
            checkpoint: Checkpoint {
                version: shared.job.version,
                part: prog.part,
                previous: prog.last_key_json(),
                size,
            },
        }
    }
}

async fn part_batches(
    db: &mut dyn Backend,
    prog: &mut BackfillProgress,
    shared: &Shared<'_, '_>,
) -> Result<bool> {
    let job = shared.job;
    let queries = PartQueries::new(shared, prog);
    let mut sizer = Sizer::new(
        job.spec,
        (prog.batches > 0).then_some(prog.batch_size),
        job.spec.max_rows_per_sec,
    );
    let mut attempts = Attempts::new(job.retries);
    loop {
        if shared.stopping() {
            return Ok(true);
        }
        let pause = shared.throttle.lock().await.pause(db).await;
        if let Some((pause, reason)) = pause {
            // The observer shows pauses (once per run of them); the log only in debug.
            tracing::debug!("backfill of {}: pausing {pause:.1?}: {reason}", job.version);
            shared.emit(&BackfillEvent::Paused {
                version: job.version,
                reason,
                ms: millis(pause),
            });
            sleep_unless_stopped(pause, job.stop).await;
            continue;
        }
        let t0 = Instant::now();
        let batch = queries.batch(shared, prog, sizer.size());
        // The app's latency is measured while the batch runs, on the guard's connection.
        let done = tokio::sync::Notify::new();
        let run = async {
            let result = db.run_batch(&batch).await;
            done.notify_one();
            result
        };
        let (result, ()) = futures_util::future::join(run, shared.probe_until(&done)).await;
        let error = match result {
            Ok(None) => return Ok(false),
            Ok(Some(done)) => {
                attempts.reset();
                committed(shared, prog, &mut sizer, done, t0.elapsed()).await;
                continue;
            }
            Err(e) => e,
        };
        let (pause, error) = retry_or_fail(shared, error, &mut attempts)?;
        sizer.shrink();
        tracing::warn!(
            "backfill of {}: batch failed ({error}); retrying with {} keys in {pause:.1?}",
            job.version,
            sizer.size()
        );
        shared.emit(&BackfillEvent::Retrying {
            version: job.version,
            attempt: attempts.failed(),
            error,
            batch_size: sizer.size(),
        });
        sleep_unless_stopped(pause, job.stop).await;
    }
}

/// A committed batch: size the next one, report it, and hold back while the app is slower
/// than the latency guard's target (the next batch is smaller too).
async fn committed(
    shared: &Shared<'_, '_>,
    prog: &mut BackfillProgress,
    sizer: &mut Sizer,
    done: crate::db::BatchDone,
    took: Duration,
) {
    let job = shared.job;
    sizer.observe(took, done.keys);
    shared.throttle.lock().await.record(done.rows);
    let p95 = shared.app_p95_ms().await;
    let event = shared.count_batch(&done, took, sizer.size(), p95);
    prog.last_key = Some(done.last_key);
    shared.emit(&event);
    if let Some((pause, reason)) = shared.latency_verdict().await {
        sizer.shrink();
        tracing::debug!("backfill of {}: pausing {pause:.1?}: {reason}", job.version);
        shared.emit(&BackfillEvent::Paused {
            version: job.version,
            reason,
            ms: millis(pause),
        });
        shared.hold_for_latency(pause).await;
    }
}

/// A failed batch: the pause before retrying it and why it failed, or the error that ends
/// the part (a failing statement, bellows' own error, or the attempts used up).
fn retry_or_fail(
    shared: &Shared<'_, '_>,
    error: crate::db::StepError,
    attempts: &mut Attempts,
) -> Result<(Duration, String)> {
    let job = shared.job;
    let reason = match Failure::of(error, job.lock_timeout) {
        Failure::Internal(e) => return Err(e),
        Failure::Statement { source, .. } => {
            return Err(Error::Statement {
                version: job.version,
                phase: PhaseKind::Backfill,
                file: job.spec.file.clone(),
                line: job.spec.line,
                source,
            })
        }
        Failure::ConnectionLost { source, .. } => {
            return Err(Error::ConnectionLost {
                during: format!(
                    "during a batch of the backfill of {} {} ({}:{}); committed batches are kept",
                    job.version, job.name, job.spec.file, job.spec.line
                ),
                source,
            })
        }
        Failure::Retry { reason, .. } => reason,
    };
    match attempts.next_pause() {
        Some(pause) => Ok((pause, reason)),
        None => Err(Error::Refused(format!(
            "backfill of migration {}: a batch failed {} times in a row ({reason}); rerun to resume from the last committed batch",
            job.version,
            attempts.failed()
        ))),
    }
}

async fn sleep_unless_stopped(pause: Duration, stop: &AtomicBool) {
    let until = Instant::now() + pause;
    while Instant::now() < until && !stop.load(Ordering::SeqCst) {
        tokio::time::sleep((until - Instant::now()).min(Duration::from_millis(100))).await;
    }
}
