//! One backfill run: find the key, fix the upper bound and split the key space among the
//! workers (first run) or read the checkpoints (resume), then batch after batch in each part
//! until no key is left, a stop is requested, or an error that retries do not cure. Lock
//! timeouts, deadlocks and statement timeouts halve the batch and retry it with backoff;
//! each batch is all or nothing with its checkpoint.

use super::keys::{self, KeyKind, KeyedTable};
use super::progress::{self, BackfillProgress, PartStart};
use super::rewrite::Placeholder;
use super::sizing::Sizer;
use super::spec::BackfillSpec;
use super::throttle::Throttle;
use super::{millis, BackfillEvent, BackfillOutcome, Ending};
use crate::db::{Backend, Batch, SqlValue, StepError};
use crate::engine::backoff;
use crate::{Dialect, Error, PhaseKind, Result};
use std::cell::RefCell;
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
    /// Parts of the key space worked in parallel, each on its own connection (fixed by the
    /// first run; integer keys only).
    pub workers: usize,
    /// Set to stop after the current batch.
    pub stop: &'a AtomicBool,
}

/// What the parts of a run share.
struct Shared<'a, 'o> {
    job: &'a BackfillRun<'a>,
    keyed: &'a KeyedTable,
    observer: RefCell<&'a mut (dyn FnMut(&BackfillEvent) + 'o)>,
    throttle: tokio::sync::Mutex<&'a mut Throttle>,
    outcome: RefCell<BackfillOutcome>,
    /// Rows done, keys done, estimate, over all parts.
    totals: RefCell<(u64, u64, u64)>,
    started: Instant,
    /// A part failed: the others stop after their batch.
    halt: AtomicBool,
}

impl Shared<'_, '_> {
    fn emit(&self, e: &BackfillEvent) {
        (self.observer.borrow_mut())(e);
    }

    fn stopping(&self) -> bool {
        self.job.stop.load(Ordering::SeqCst) || self.halt.load(Ordering::SeqCst)
    }
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
    let mut parts = progress::load_parts(db, job.version).await?;
    if let Some(p) = parts.first().filter(|p| p.key_columns != names) {
        return Err(refuse(format!(
            "the backfill started over key ({}) and the key is now ({}); finish it with the original key",
            p.key_columns.join(", "),
            names.join(", ")
        )));
    }
    if parts.is_empty() {
        start(db, &keyed, job, &names).await?;
        parts = progress::load_parts(db, job.version).await?;
    } else if job.workers > 1 && parts.len() != job.workers {
        tracing::info!(
            "backfill of {}: resuming with the {} part(s) it started with",
            job.version,
            parts.len()
        );
    }
    let sum = |f: fn(&BackfillProgress) -> u64| parts.iter().map(f).sum::<u64>();
    let totals = (
        sum(|p| p.rows_done),
        sum(|p| p.keys_done),
        sum(|p| p.rows_estimate),
    );
    observer(&BackfillEvent::Started {
        version: job.version,
        name: job.name.to_string(),
        table: spec.table.clone(),
        rows_estimate: totals.2,
        keys_done: totals.1,
        rows_done: totals.0,
    });
    let pending: Vec<BackfillProgress> = parts
        .into_iter()
        .filter(|p| !p.finished && p.max_key.is_some())
        .collect();
    let mut extra = Vec::new();
    for _ in 1..pending.len() {
        extra.push(db.open_another().await?);
    }
    let shared = Shared {
        job,
        keyed: &keyed,
        observer: RefCell::new(observer),
        throttle: tokio::sync::Mutex::new(throttle),
        outcome: RefCell::new(BackfillOutcome {
            version: job.version,
            name: job.name.to_string(),
            ending: Ending::Finished,
            rows: 0,
            batches: 0,
            max_batch_ms: 0,
            duration_ms: 0,
            remaining: 0,
        }),
        totals: RefCell::new(totals),
        started: Instant::now(),
        halt: AtomicBool::new(false),
    };
    let results = {
        let conns = std::iter::once(&mut *db).chain(extra.iter_mut().map(|b| &mut **b));
        let loops = pending
            .into_iter()
            .zip(conns)
            .map(|(prog, conn)| part(conn, prog, &shared));
        futures_util::future::join_all(loops).await
    };
    let mut stopped = false;
    for r in results {
        stopped |= r?;
    }
    let mut outcome = shared.outcome.into_inner();
    let (rows_done, _, _) = shared.totals.into_inner();
    let observer = shared.observer.into_inner();
    if stopped {
        outcome.ending = Ending::Stopped;
        outcome.duration_ms = millis(shared.started.elapsed());
        observer(&BackfillEvent::Stopped {
            version: job.version,
            rows_done,
        });
        return Ok(outcome);
    }
    progress::finish(db, job.version).await?;
    outcome.remaining = remaining_rows(db, spec).await?;
    outcome.duration_ms = millis(shared.started.elapsed());
    observer(&BackfillEvent::Finished {
        version: job.version,
        rows_done,
        remaining: outcome.remaining,
    });
    Ok(outcome)
}

/// First run: fix the upper bound, split the key space, estimate the rows, record the start.
async fn start(
    db: &mut dyn Backend,
    keyed: &KeyedTable,
    job: &BackfillRun<'_>,
    names: &[String],
) -> Result<()> {
    let spec = job.spec;
    let first = |rows: Vec<Vec<Option<String>>>| rows.into_iter().next();
    let edge = |r: Option<Vec<Option<String>>>| -> Option<Vec<String>> {
        r.map(|r| r.into_iter().map(Option::unwrap_or_default).collect())
    };
    let max_key = edge(first(db.query_rows(&keyed.edge_key_sql(true), &[]).await?));
    let mut parts = vec![PartStart {
        from: None,
        to: max_key.clone(),
    }];
    if job.workers > 1 && max_key.is_some() {
        let int = keyed.key.len() == 1 && keyed.key[0].kind == KeyKind::Int;
        if int {
            let min_key = edge(first(db.query_rows(&keyed.edge_key_sql(false), &[]).await?));
            let int_of = |k: &Option<Vec<String>>| -> Option<i128> {
                k.as_ref()?.first()?.parse::<i128>().ok()
            };
            if let (Some(lo), Some(hi)) = (int_of(&min_key), int_of(&max_key)) {
                parts = split(lo - 1, hi, job.workers);
            }
        } else {
            tracing::warn!(
                "backfill of {}: workers need a single integer key; running one",
                job.version
            );
        }
    }
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
    progress::insert(db, job.version, names, &parts, estimate, first_size).await?;
    tracing::debug!(
        "backfill of {}: {estimate} rows estimated, {} part(s), upper key {max_key:?}",
        job.version,
        parts.len()
    );
    Ok(())
}

/// Split the integer keys in (`lo`, `hi`] into at most `n` parts of equal span.
fn split(lo: i128, hi: i128, n: usize) -> Vec<PartStart> {
    let span = hi - lo;
    let n = i128::try_from(n).unwrap_or(1).clamp(1, span.max(1));
    let at = |i: i128| vec![(lo + span * i / n).to_string()];
    (0..n)
        .map(|i| PartStart {
            from: (i > 0).then(|| at(i)),
            to: Some(at(i + 1)),
        })
        .collect()
}

/// Run one part's batches until no key is left (false) or a stop is requested (true).
async fn part(
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
                    #[allow(clippy::cast_precision_loss)]
                    let rate =
                        outcome.rows as f64 / shared.started.elapsed().as_secs_f64().max(0.001);
                    BackfillEvent::Batch {
                        version: job.version,
                        rows_done: totals.0,
                        keys_done: totals.1,
                        rows_estimate: totals.2,
                        batch_keys: done.keys,
                        batch_size: sizer.size(),
                        batch_ms: millis(took),
                        rows_per_sec: rate,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_integer_keys_evenly() {
        let parts = split(0, 100, 4);
        let bounds: Vec<_> = parts
            .iter()
            .map(|p| (p.from.clone(), p.to.clone()))
            .collect();
        let k = |v: &str| Some(vec![v.to_string()]);
        assert_eq!(
            bounds,
            vec![
                (None, k("25")),
                (k("25"), k("50")),
                (k("50"), k("75")),
                (k("75"), k("100"))
            ]
        );
        assert_eq!(split(9, 10, 8).len(), 1);
    }
}
