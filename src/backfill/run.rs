//! One backfill run: find the key, fix the upper bound (first run) or read the checkpoint
//! (resume), then batch after batch until no key is left, a stop is requested, or an error
//! that retries do not cure. Lock timeouts, deadlocks and statement timeouts halve the batch
//! and retry it with backoff; each batch is all or nothing with its checkpoint.

use super::keys::{self, KeyKind};
use super::progress::{self, BackfillProgress};
use super::rewrite::Placeholder;
use super::sizing::Sizer;
use super::spec::BackfillSpec;
use super::throttle::Throttle;
use super::{millis, BackfillEvent, BackfillOutcome, Ending};
use crate::db::{Backend, Batch, StepError};
use crate::engine::backoff;
use crate::{Dialect, Error, PhaseKind, Result};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// At most this many remaining rows are counted by the final check.
const REMAINING_CAP: u64 = 1000;

/// One backfill to run and how.
pub struct BackfillRun<'a> {
    /// The migration.
    pub version: i64,
    /// Its name.
    pub name: &'a str,
    /// The backfill.
    pub spec: &'a BackfillSpec,
    /// Lock timeout of each batch.
    pub lock_timeout: Duration,
    /// Consecutive failed attempts of one batch before giving up.
    pub retries: u32,
    /// Set to stop after the current batch.
    pub stop: &'a AtomicBool,
}

/// Run (or resume) a backfill to its end or until `stop` is set.
///
/// # Errors
/// [`Error::Backfill`] when the table or key cannot be used (before any row is touched);
/// [`Error::Statement`] when the statement fails; database errors.
pub async fn run(
    db: &mut dyn Backend,
    job: &BackfillRun<'_>,
    throttle: &mut Throttle,
    observer: &mut dyn FnMut(&BackfillEvent),
) -> Result<BackfillOutcome> {
    let started = Instant::now();
    let spec = job.spec;
    let refuse = |message: String| Error::Backfill {
        version: job.version,
        file: spec.file.clone(),
        line: spec.line,
        message,
    };
    let keyed = keys::resolve(db, &spec.table, spec.key.as_deref())
        .await?
        .map_err(refuse)?;
    let names: Vec<String> = keyed.key.iter().map(|k| k.name.clone()).collect();
    let mut prog = match progress::load(db, job.version).await? {
        Some(p) if p.key_columns != names => {
            return Err(refuse(format!(
                "the backfill started over key ({}) and the key is now ({}); finish it with the original key",
                p.key_columns.join(", "),
                names.join(", ")
            )))
        }
        Some(p) => p,
        None => start(db, &keyed, job.version, &names, spec).await?,
    };
    observer(&BackfillEvent::Started {
        version: job.version,
        name: job.name.to_string(),
        table: spec.table.clone(),
        rows_estimate: prog.rows_estimate,
        keys_done: prog.keys_done,
        rows_done: prog.rows_done,
    });
    let mut outcome = BackfillOutcome {
        version: job.version,
        name: job.name.to_string(),
        ending: Ending::Finished,
        rows: 0,
        batches: 0,
        max_batch_ms: 0,
        duration_ms: 0,
        remaining: 0,
    };
    if let (false, Some(max_key)) = (prog.finished, prog.max_key.clone()) {
        let stopped = batches(
            db,
            job,
            &keyed,
            &max_key,
            &mut prog,
            throttle,
            observer,
            &mut outcome,
        )
        .await?;
        if stopped {
            outcome.ending = Ending::Stopped;
            outcome.duration_ms = millis(started.elapsed());
            observer(&BackfillEvent::Stopped {
                version: job.version,
                rows_done: prog.rows_done,
            });
            return Ok(outcome);
        }
    }
    if !prog.finished {
        progress::finish(db, job.version).await?;
    }
    outcome.remaining = remaining_rows(db, spec).await?;
    outcome.duration_ms = millis(started.elapsed());
    observer(&BackfillEvent::Finished {
        version: job.version,
        rows_done: prog.rows_done,
        remaining: outcome.remaining,
    });
    Ok(outcome)
}

/// First run: fix the upper bound, estimate the rows, record the start.
async fn start(
    db: &mut dyn Backend,
    keyed: &keys::KeyedTable,
    version: i64,
    names: &[String],
    spec: &BackfillSpec,
) -> Result<BackfillProgress> {
    let first = |rows: Vec<Vec<Option<String>>>| rows.into_iter().next();
    let max_key: Option<Vec<String>> = first(db.query_rows(&keyed.max_key_sql(), &[]).await?)
        .map(|r| r.into_iter().map(Option::unwrap_or_default).collect());
    let (sql, binds) = keyed.estimate_sql();
    let read = |rows: Vec<Vec<Option<String>>>| {
        first(rows)
            .and_then(|r| r.into_iter().next().flatten())
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let mut estimate = read(db.query_rows(sql, binds).await?);
    if estimate <= 0 && max_key.is_some() {
        estimate = read(db.query_rows(&keyed.count_sql(), &[]).await?);
    }
    let estimate = u64::try_from(estimate).unwrap_or(0);
    let first_size = Sizer::new(spec, None, spec.max_rows_per_sec).size();
    progress::insert(db, version, names, max_key.as_deref(), estimate, first_size).await?;
    tracing::debug!("backfill of {version}: {estimate} rows estimated, upper key {max_key:?}");
    Ok(progress::load(db, version)
        .await?
        .expect("the progress row was just written"))
}

/// Run batches until no key is left (false) or a stop is requested (true).
#[allow(clippy::too_many_arguments)]
async fn batches(
    db: &mut dyn Backend,
    job: &BackfillRun<'_>,
    keyed: &keys::KeyedTable,
    max_key: &[String],
    prog: &mut BackfillProgress,
    throttle: &mut Throttle,
    observer: &mut dyn FnMut(&BackfillEvent),
    outcome: &mut BackfillOutcome,
) -> Result<bool> {
    let spec = job.spec;
    let dialect = db.dialect();
    let placeholders: Vec<(String, Placeholder)> = keyed
        .key
        .iter()
        .map(|k| {
            let p = if k.kind == KeyKind::Uuid && dialect == Dialect::Postgres {
                Placeholder::Uuid
            } else {
                Placeholder::Plain
            };
            (k.name.clone(), p)
        })
        .collect();
    let update = [
        spec.statement.batched(&placeholders, false),
        spec.statement.batched(&placeholders, true),
    ];
    let boundary = [keyed.boundary_sql(false), keyed.boundary_sql(true)];
    let setup = setup(dialect, job.lock_timeout, spec.target);
    let checkpoint = progress::checkpoint_sql(dialect);
    let int_key = keyed.int_key();
    let max_binds = keyed.binds(max_key);
    let mut sizer = Sizer::new(
        spec,
        (prog.batches > 0).then_some(prog.batch_size),
        spec.max_rows_per_sec,
    );
    let run_started = Instant::now();
    let mut attempt = 0;
    loop {
        if job.stop.load(Ordering::SeqCst) {
            return Ok(true);
        }
        if let Some((pause, reason)) = throttle.pause(db).await {
            tracing::info!("backfill of {}: pausing {pause:.1?}: {reason}", job.version);
            observer(&BackfillEvent::Paused {
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
        boundary_binds.push(crate::db::SqlValue::Int(
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
        };
        let t0 = Instant::now();
        let error = match db.run_batch(&batch).await {
            Ok(None) => return Ok(false),
            Ok(Some(done)) => {
                let took = t0.elapsed();
                attempt = 0;
                sizer.observe(took, done.keys);
                throttle.record(done.rows);
                prog.last_key = Some(done.last_key);
                prog.rows_done += done.rows;
                prog.keys_done += done.keys;
                outcome.rows += done.rows;
                outcome.batches += 1;
                outcome.max_batch_ms = outcome.max_batch_ms.max(millis(took));
                #[allow(clippy::cast_precision_loss)]
                let rate = outcome.rows as f64 / run_started.elapsed().as_secs_f64().max(0.001);
                observer(&BackfillEvent::Batch {
                    version: job.version,
                    rows_done: prog.rows_done,
                    keys_done: prog.keys_done,
                    rows_estimate: prog.rows_estimate,
                    batch_keys: done.keys,
                    batch_size: sizer.size(),
                    batch_ms: millis(took),
                    rows_per_sec: rate,
                });
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
        observer(&BackfillEvent::Retrying {
            version: job.version,
            attempt,
            error,
            batch_size: sizer.size(),
        });
        sleep_unless_stopped(pause, job.stop).await;
    }
}

/// Timeouts set in each batch's transaction.
fn setup(dialect: Dialect, lock_timeout: Duration, target: Duration) -> Vec<String> {
    let statement_timeout = (target * 25).max(Duration::from_secs(5));
    if dialect == Dialect::Postgres {
        vec![
            format!(
                "SET LOCAL lock_timeout = '{}ms'",
                lock_timeout.as_millis().max(1)
            ),
            format!(
                "SET LOCAL statement_timeout = '{}ms'",
                statement_timeout.as_millis()
            ),
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

/// How many rows still match the backfill's predicate (counted up to 1000).
///
/// # Errors
/// Database errors.
pub async fn remaining_rows(db: &mut dyn Backend, spec: &BackfillSpec) -> Result<u64> {
    let ty = if db.dialect() == Dialect::Postgres {
        "text"
    } else {
        "CHAR"
    };
    let sql = format!(
        "SELECT CAST(count(*) AS {ty}) FROM ({}) AS bellows_check",
        spec.statement.remaining_check(REMAINING_CAP)
    );
    let rows = db.query_rows(&sql, &[]).await?;
    Ok(rows
        .into_iter()
        .next()
        .and_then(|r| r.into_iter().next().flatten())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}
