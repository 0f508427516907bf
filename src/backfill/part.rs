//! One part of a backfill's key space, batch after batch until no key is left, a stop is
//! requested, or an error that retries do not cure. Lock timeouts, deadlocks and statement
//! timeouts halve the batch and retry it with backoff; each batch is all or nothing with its
//! checkpoint.

use super::progress::BackfillProgress;
use super::run::Shared;
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

async fn part_batches(
    db: &mut dyn Backend,
    prog: &mut BackfillProgress,
    shared: &Shared<'_, '_>,
) -> Result<bool> {
    let (job, keyed) = (shared.job, shared.keyed);
    let spec = job.spec;
    let placeholders = keyed.placeholders();
    let statement_limit = (spec.target * 25).max(Duration::from_secs(1));
    let update = [false, true].map(|with_lo| spec.statement.batched(&placeholders, with_lo));
    let boundary = [keyed.boundary_sql(false), keyed.boundary_sql(true)];
    let int_key = keyed.int_key();
    let max_binds = keyed.binds(prog.max_key.as_deref().unwrap_or_default());
    let mut sizer = Sizer::new(
        spec,
        (prog.batches > 0).then_some(prog.batch_size),
        spec.max_rows_per_sec,
    );
    let mut attempts = Attempts::new(job.retries);
    loop {
        if shared.stopping() {
            return Ok(true);
        }
        let pause = shared.throttle.lock().await.pause(db).await;
        if let Some((pause, reason)) = pause {
            tracing::info!("backfill of {}: pausing {pause:.1?}: {reason}", job.version);
            shared.emit(&BackfillEvent::Paused {
                version: job.version,
                reason,
                ms: millis(pause),
            });
            sleep_unless_stopped(pause, job.stop).await;
            continue;
        }
        let lo = prog.last_key.as_deref().map(|k| keyed.binds(k));
        let with_lo = usize::from(lo.is_some());
        let mut boundary_binds = lo.clone().unwrap_or_default();
        boundary_binds.extend(max_binds.iter().cloned());
        boundary_binds.push(SqlValue::Int(
            i64::try_from(sizer.size()).unwrap_or(i64::MAX),
        ));
        let batch = Batch {
            boundary: &boundary[with_lo],
            boundary_binds,
            update: &update[with_lo],
            lo: lo.unwrap_or_default(),
            int_key: &int_key,
            lock_timeout: job.lock_timeout,
            statement_limit,
            checkpoint: Checkpoint {
                version: job.version,
                part: prog.part,
                previous: prog.last_key_json(),
                size: sizer.size(),
            },
        };
        let t0 = Instant::now();
        let error = match db.run_batch(&batch).await {
            Ok(None) => return Ok(false),
            Ok(Some(done)) => {
                let took = t0.elapsed();
                attempts.reset();
                sizer.observe(took, done.keys);
                shared.throttle.lock().await.record(done.rows);
                prog.last_key = Some(done.last_key);
                let event = {
                    let mut outcome = shared.outcome.borrow_mut();
                    outcome.rows += done.rows;
                    outcome.batches += 1;
                    outcome.max_batch_ms = outcome.max_batch_ms.max(millis(took));
                    let mut totals = shared.totals.borrow_mut();
                    totals.0 += done.rows;
                    totals.1 += done.keys;
                    let seconds = shared.started.elapsed().as_secs_f64().max(0.001);
                    #[allow(clippy::cast_precision_loss)]
                    let (rows_per_sec, keys_per_sec) = (
                        outcome.rows as f64 / seconds,
                        (totals.1 - shared.keys_at_start) as f64 / seconds,
                    );
                    BackfillEvent::Batch {
                        version: job.version,
                        rows_done: totals.0,
                        keys_done: totals.1,
                        rows_estimate: totals.2,
                        batch_keys: done.keys,
                        batch_size: sizer.size(),
                        batch_ms: millis(took),
                        rows_per_sec,
                        keys_per_sec,
                    }
                };
                shared.emit(&event);
                continue;
            }
            Err(e) => e,
        };
        let error = match Failure::of(error, job.lock_timeout) {
            Failure::Internal(e) => return Err(e),
            Failure::Statement { source, .. } => {
                return Err(Error::Statement {
                    version: job.version,
                    phase: PhaseKind::Backfill,
                    file: spec.file.clone(),
                    line: spec.line,
                    source,
                })
            }
            Failure::Retry { reason, .. } => reason,
        };
        let Some(pause) = attempts.next_pause() else {
            return Err(Error::Refused(format!(
                "backfill of migration {}: a batch failed {} times in a row ({error}); rerun to resume from the last committed batch",
                job.version,
                attempts.failed()
            )));
        };
        let attempt = attempts.failed();
        sizer.shrink();
        tracing::warn!(
            "backfill of {}: batch failed ({error}); retrying with {} keys in {pause:.1?}",
            job.version,
            sizer.size()
        );
        shared.emit(&BackfillEvent::Retrying {
            version: job.version,
            attempt,
            error,
            batch_size: sizer.size(),
        });
        sleep_unless_stopped(pause, job.stop).await;
    }
}

async fn sleep_unless_stopped(pause: Duration, stop: &AtomicBool) {
    let until = Instant::now() + pause;
    while Instant::now() < until && !stop.load(Ordering::SeqCst) {
        tokio::time::sleep((until - Instant::now()).min(Duration::from_millis(100))).await;
    }
}
