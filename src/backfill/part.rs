//! One part of a backfill's key space, batch after batch until no key is left, a stop is
//! requested, or an error that retries do not cure. Lock timeouts, deadlocks and statement
//! timeouts halve the batch and retry it with backoff; each batch is all or nothing with its
//! checkpoint.

use super::keys::KeyKind;
use super::progress::{self, BackfillProgress};
use super::rewrite::Placeholder;
use super::run::Shared;
use super::sizing::Sizer;
use super::{millis, BackfillEvent};
use crate::db::{Backend, Batch, SqlValue, StepError};
use crate::engine::backoff;
use crate::{Dialect, Error, PhaseKind, Result};
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
    let dialect = db.dialect();
    let placeholders: Vec<(String, Placeholder)> = keyed
        .key
        .iter()
        .map(|k| {
            let p = match k.kind {
                KeyKind::Uuid if dialect == Dialect::Postgres => Placeholder::Uuid,
                KeyKind::FixedChar => Placeholder::FixedChar,
                _ => Placeholder::Plain,
            };
            (k.name.clone(), p)
        })
        .collect();
    let limit = statement_limit(dialect, spec.target);
    let update = [false, true].map(|with_lo| {
        format!(
            "{}{}",
            limit.prefix,
            spec.statement.batched(&placeholders, with_lo)
        )
    });
    let boundary = [keyed.boundary_sql(false), keyed.boundary_sql(true)];
    let setup = setup(dialect, job.lock_timeout, &limit);
    let checkpoint = progress::checkpoint_sql(dialect);
    let int_key = keyed.int_key();
    let max_binds = keyed.binds(prog.max_key.as_deref().unwrap_or_default());
    let mut sizer = Sizer::new(
        spec,
        (prog.batches > 0).then_some(prog.batch_size),
        spec.max_rows_per_sec,
    );
    let mut attempt = 0;
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
            setup: &setup,
            boundary: &boundary[with_lo],
            boundary_binds,
            update: &update[with_lo],
            lo: lo.unwrap_or_default(),
            int_key: &int_key,
            checkpoint: &checkpoint,
            previous: prog.last_key_json(),
            size: sizer.size(),
            version: job.version,
            part: prog.part,
        };
        let t0 = Instant::now();
        let error = match db.run_batch(&batch).await {
            Ok(None) => return Ok(false),
            Ok(Some(done)) => {
                let took = t0.elapsed();
                attempt = 0;
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
            Err(StepError::Internal(e)) => return Err(e),
            Err(StepError::Failed { source, .. }) if !is_statement_timeout(&source) => {
                return Err(Error::Statement {
                    version: job.version,
                    phase: PhaseKind::Backfill,
                    file: spec.file.clone(),
                    line: spec.line,
                    source,
                })
            }
            Err(StepError::Failed { source, .. } | StepError::Transient(source)) => {
                source.to_string()
            }
            Err(StepError::LockTimeout { blocker }) => format!(
                "lock not granted within {:?}{}",
                job.lock_timeout,
                blocker
                    .map(|b| format!(" (blocked by {b})"))
                    .unwrap_or_default()
            ),
        };
        attempt += 1;
        if attempt >= job.retries.max(1) {
            return Err(Error::Refused(format!(
                "backfill of migration {}: a batch failed {attempt} times in a row ({error}); rerun to resume from the last committed batch",
                job.version
            )));
        }
        sizer.shrink();
        let pause = backoff(attempt);
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

/// How long one batch statement may run: long enough for a batch far over its target, short
/// enough that a runaway one (a plan gone wrong) is stopped and retried smaller.
struct StatementLimit {
    duration: Duration,
    /// Put before the batch statement (MariaDB's per-statement `max_statement_time`; empty
    /// where a session setting does the job, or where there is none: MySQL limits only
    /// SELECTs).
    prefix: String,
}

fn statement_limit(dialect: Dialect, target: Duration) -> StatementLimit {
    let duration = (target * 25).max(Duration::from_secs(1));
    let prefix = if dialect == Dialect::Mariadb {
        format!(
            "SET STATEMENT max_statement_time = {} FOR ",
            duration.as_secs_f64()
        )
    } else {
        String::new()
    };
    StatementLimit { duration, prefix }
}

/// Timeouts set in each batch's transaction.
fn setup(dialect: Dialect, lock_timeout: Duration, limit: &StatementLimit) -> Vec<String> {
    if dialect == Dialect::Postgres {
        vec![
            format!(
                "SET LOCAL lock_timeout = '{}ms'",
                lock_timeout.as_millis().max(1)
            ),
            format!(
                "SET LOCAL statement_timeout = '{}ms'",
                limit.duration.as_millis()
            ),
            // The batch and its checkpoint commit together, so a commit lost in a server
            // crash loses both and the batch simply runs again: no need to wait for the
            // WAL flush (or a synchronous standby) before the next batch.
            "SET LOCAL synchronous_commit = off".into(),
            // Have the kernel write the pages this batch evicts from shared buffers as it
            // goes. Left at the default (0) they pile up as dirty OS cache until the next
            // checkpoint's fsync writes them all at once, and every app commit waits behind
            // that fsync: client p99 fell from about 1 s to under 0.1 s in the benchmark.
            "SET LOCAL backend_flush_after = '256kB'".into(),
        ]
    } else {
        let secs = lock_timeout.as_millis().div_ceil(1000).max(1);
        vec![format!("SET SESSION innodb_lock_wait_timeout = {secs}")]
    }
}

fn is_statement_timeout(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(|d| d.code())
        .is_some_and(|c| c == "57014" || c == "70100")
}

async fn sleep_unless_stopped(pause: Duration, stop: &AtomicBool) {
    let until = Instant::now() + pause;
    while Instant::now() < until && !stop.load(Ordering::SeqCst) {
        tokio::time::sleep((until - Instant::now()).min(Duration::from_millis(100))).await;
    }
}
