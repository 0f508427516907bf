//! One backfill run: find the key, fix the upper bound and split the key space among the
//! workers (first run) or read the checkpoints (resume), run the parts (`part.rs`) until no
//! key is left or a stop is requested, then mark it finished and count what still matches
//! the predicate.

use super::latency::{LatencyGuard, LatencyTarget};
use super::progress::{self, BackfillProgress, PartStart};
use super::sizing::Sizer;
use super::spec::BackfillSpec;
use super::throttle::Throttle;
use super::wal_room;
use super::{millis, BackfillEvent, BackfillOutcome, Ending};
use crate::db::keyset::KeyedTable;
use crate::db::{catalog, store, Backend, BatchDone, Row};
use crate::{Error, Result};
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// At most this many remaining rows are counted by the final check.
const REMAINING_CAP: u64 = 1000;

/// One backfill to run and how.
pub(crate) struct BackfillRun<'a> {
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
    /// first run).
    pub workers: usize,
    /// How slow the app may get.
    pub latency_target: LatencyTarget,
    /// Set to stop after the current batch.
    pub stop: &'a AtomicBool,
}

/// What the parts of a run share.
pub(super) struct Shared<'a, 'o> {
    pub(super) job: &'a BackfillRun<'a>,
    pub(super) keyed: &'a KeyedTable,
    observer: RefCell<&'a mut (dyn FnMut(&BackfillEvent) + 'o)>,
    pub(super) throttle: tokio::sync::Mutex<&'a mut Throttle>,
    /// The latency guard, shared by the parts (one probes at a time).
    pub(super) latency: tokio::sync::Mutex<Option<LatencyGuard>>,
    pub(super) outcome: RefCell<BackfillOutcome>,
    /// Rows done, keys done, estimate, over all parts.
    pub(super) totals: RefCell<(u64, u64, u64)>,
    /// Keys done by earlier runs (a resumed backfill).
    pub(super) keys_at_start: u64,
    pub(super) started: Instant,
    /// A part failed: the others stop after their batch.
    pub(super) halt: AtomicBool,
}

impl Shared<'_, '_> {
    pub(super) fn emit(&self, e: &BackfillEvent) {
        (self.observer.borrow_mut())(e);
    }

    /// Count a committed batch in the run's outcome and totals; the event that reports it.
    pub(super) fn count_batch(
        &self,
        done: &BatchDone,
        took: Duration,
        next_size: u64,
        app_p95_ms: Option<f64>,
    ) -> BackfillEvent {
        let mut outcome = self.outcome.borrow_mut();
        outcome.rows += done.rows;
        outcome.batches += 1;
        outcome.max_batch_ms = outcome.max_batch_ms.max(millis(took));
        let mut totals = self.totals.borrow_mut();
        totals.0 += done.rows;
        totals.1 += done.keys;
        let seconds = self.started.elapsed().as_secs_f64().max(0.001);
        #[allow(clippy::cast_precision_loss)]
        let (rows_per_sec, keys_per_sec) = (
            outcome.rows as f64 / seconds,
            (totals.1 - self.keys_at_start) as f64 / seconds,
        );
        BackfillEvent::Batch {
            version: self.job.version,
            rows_done: totals.0,
            keys_done: totals.1,
            rows_estimate: totals.2,
            batch_keys: done.keys,
            batch_size: next_size,
            batch_ms: millis(took),
            rows_per_sec,
            keys_per_sec,
            app_p95_ms,
        }
    }

    /// Probe the app's latency while a batch runs (skipped when another part is probing).
    pub(super) async fn probe_latency(&self) {
        if let Ok(mut guard) = self.latency.try_lock() {
            if let Some(g) = guard.as_mut() {
                g.probe().await;
            }
        }
    }

    /// How long to hold batches back for the app's latency, and why.
    pub(super) async fn latency_verdict(&self) -> Option<(Duration, String)> {
        self.latency.lock().await.as_ref()?.verdict()
    }

    /// The probes' p95 over the last batches, in milliseconds.
    pub(super) async fn app_p95_ms(&self) -> Option<f64> {
        let recent = self.latency.lock().await.as_ref()?.recent()?;
        Some(recent.as_secs_f64() * 1000.0)
    }

    pub(super) fn stopping(&self) -> bool {
        self.job.stop.load(Ordering::SeqCst) || self.halt.load(Ordering::SeqCst)
    }
}

/// Run (or resume) a backfill to its end or until `stop` is set.
///
/// # Errors
/// [`Error::Backfill`] when the table or key cannot be used (before any row is touched);
/// [`Error::Statement`] when the statement fails; database errors.
pub(crate) async fn run(
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
    let keyed = catalog::resolve_key(
        db,
        &spec.table,
        &spec.statement.target(),
        spec.key.as_deref(),
    )
    .await?
    .map_err(refuse)?;
    if let Some(advice) = wal_room::check(db, &keyed).await? {
        tracing::warn!("backfill of {}: {advice}", job.version);
    }
    let parts = load_or_start(db, &keyed, job).await?.map_err(refuse)?;
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
    let latency = LatencyGuard::start(db, &keyed, job.latency_target).await?;
    let started = Instant::now();
    let (mut outcome, stopped, rows_done) = run_parts(
        db,
        &keyed,
        job,
        Holds { throttle, latency },
        &mut *observer,
        pending,
        totals,
    )
    .await?;
    if stopped {
        outcome.ending = Ending::Stopped;
        outcome.duration_ms = millis(started.elapsed());
        observer(&BackfillEvent::Stopped {
            version: job.version,
            rows_done,
        });
        return Ok(outcome);
    }
    store::finish_backfill(db, job.version).await?;
    outcome.remaining = remaining_rows(db, spec).await?;
    outcome.duration_ms = millis(started.elapsed());
    observer(&BackfillEvent::Finished {
        version: job.version,
        rows_done,
        remaining: outcome.remaining,
    });
    Ok(outcome)
}

/// The backfill's parts: as recorded (a resumed run), or split and recorded now (the first
/// run). `Err(reason)` when it started over another key.
async fn load_or_start(
    db: &mut dyn Backend,
    keyed: &KeyedTable,
    job: &BackfillRun<'_>,
) -> Result<std::result::Result<Vec<BackfillProgress>, String>> {
    let names: Vec<String> = keyed.key.iter().map(|k| k.name.clone()).collect();
    let parts = progress::load_parts(db, job.version).await?;
    if let Some(p) = parts.first().filter(|p| p.key_columns != names) {
        return Ok(Err(format!(
            "the backfill started over key ({}) and the key is now ({}); finish it with the original key",
            p.key_columns.join(", "),
            names.join(", ")
        )));
    }
    if parts.is_empty() {
        start(db, keyed, job, &names).await?;
        return Ok(Ok(progress::load_parts(db, job.version).await?));
    }
    if job.workers > 1 && parts.len() != job.workers {
        tracing::info!(
            "backfill of {}: resuming with the {} part(s) it started with",
            job.version,
            parts.len()
        );
    }
    Ok(Ok(parts))
}

/// What holds batches back: the throttle (rate, replicas, health query) and the latency
/// guard.
struct Holds<'a> {
    throttle: &'a mut Throttle,
    latency: Option<LatencyGuard>,
}

/// Work the pending parts concurrently, one connection each, until all are done or one
/// stops; the outcome so far, whether it stopped, and the rows done over all parts.
async fn run_parts(
    db: &mut dyn Backend,
    keyed: &KeyedTable,
    job: &BackfillRun<'_>,
    holds: Holds<'_>,
    observer: &mut dyn FnMut(&BackfillEvent),
    pending: Vec<BackfillProgress>,
    totals: (u64, u64, u64),
) -> Result<(BackfillOutcome, bool, u64)> {
    let mut extra = Vec::new();
    for _ in 1..pending.len() {
        extra.push(db.open_another().await?);
    }
    let shared = Shared {
        job,
        keyed,
        observer: RefCell::new(observer),
        throttle: tokio::sync::Mutex::new(holds.throttle),
        latency: tokio::sync::Mutex::new(holds.latency),
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
        keys_at_start: totals.1,
        started: Instant::now(),
        halt: AtomicBool::new(false),
    };
    let results = {
        let conns = std::iter::once(&mut *db).chain(extra.iter_mut().map(|b| &mut **b));
        let loops = pending
            .into_iter()
            .zip(conns)
            .map(|(prog, conn)| super::part::run(conn, prog, &shared));
        futures_util::future::join_all(loops).await
    };
    let mut stopped = false;
    for r in results {
        stopped |= r?;
    }
    let (rows_done, _, _) = shared.totals.into_inner();
    Ok((shared.outcome.into_inner(), stopped, rows_done))
}

/// Keys sampled to place the workers' part boundaries (about 10 ms of reading on
/// PostgreSQL; one pass over the key on MySQL/MariaDB).
const SPLIT_SAMPLE: u64 = 10_000;

/// First run: fix the upper bound, split the key space, estimate the rows, record the start.
async fn start(
    db: &mut dyn Backend,
    keyed: &KeyedTable,
    job: &BackfillRun<'_>,
    names: &[String],
) -> Result<()> {
    let spec = job.spec;
    let max_key = db
        .query(&keyed.edge_key_sql(true), &[])
        .await?
        .first()
        .map(Row::texts);
    let mut estimate = catalog::estimated_rows(db, keyed).await?;
    if estimate <= 0 && max_key.is_some() {
        let rows = db.query(&keyed.count_sql(), &[]).await?;
        estimate = Row::scalar(&rows).and_then(|v| v.parse().ok()).unwrap_or(0);
    }
    let estimate = u64::try_from(estimate).unwrap_or(0);
    let parts = match &max_key {
        Some(max) if job.workers > 1 => {
            let sample = db
                .query(&keyed.sample_sql(estimate, SPLIT_SAMPLE), &keyed.binds(max))
                .await?;
            let sample: Vec<Vec<String>> = sample.iter().map(Row::texts).collect();
            split(&sample, max, job.workers)
        }
        _ => vec![PartStart {
            from: None,
            to: max_key.clone(),
        }],
    };
    let first_size = Sizer::new(spec, None, spec.max_rows_per_sec).size();
    store::insert_backfill(db, job.version, names, &parts, estimate, first_size).await?;
    tracing::debug!(
        "backfill of {}: {estimate} rows estimated, {} part(s), upper key {max_key:?}",
        job.version,
        parts.len()
    );
    Ok(())
}

/// Split the key space up to `max` into at most `n` parts holding about as many rows each:
/// the part boundaries are quantiles of `sample` (keys in key order, all at most `max`).
fn split(sample: &[Vec<String>], max: &[String], n: usize) -> Vec<PartStart> {
    let mut bounds: Vec<&Vec<String>> = (1..n)
        .filter_map(|i| sample.get(i * sample.len() / n))
        .filter(|k| k.as_slice() != max)
        .collect();
    bounds.dedup();
    let mut parts = Vec::with_capacity(bounds.len() + 1);
    let mut from = None;
    for bound in bounds.into_iter().chain([&max.to_vec()]) {
        parts.push(PartStart {
            from: from.take(),
            to: Some(bound.clone()),
        });
        from = Some(bound.clone());
    }
    parts
}

/// How many rows still match the backfill's predicate (counted up to 1000).
///
/// # Errors
/// Database errors.
pub(crate) async fn remaining_rows(db: &mut dyn Backend, spec: &BackfillSpec) -> Result<u64> {
    let sql = format!(
        "SELECT {} FROM ({}) AS bellows_check",
        db.dialect().cast_to_text("count(*)"),
        spec.statement.remaining_check(REMAINING_CAP)
    );
    let rows = db.query(&sql, &[]).await?;
    Ok(Row::scalar(&rows).and_then(|v| v.parse().ok()).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(v: &[&str]) -> Vec<Vec<String>> {
        v.iter().map(|k| vec![(*k).to_string()]).collect()
    }

    type Bound = Option<Vec<String>>;

    fn bounds(parts: &[PartStart]) -> Vec<(Bound, Bound)> {
        parts
            .iter()
            .map(|p| (p.from.clone(), p.to.clone()))
            .collect()
    }

    #[test]
    fn splits_at_sample_quantiles() {
        let sample = keys(&["a", "b", "c", "d", "e", "f", "g", "h"]);
        let k = |v: &str| Some(vec![v.to_string()]);
        assert_eq!(
            bounds(&split(&sample, &["z".into()], 4)),
            vec![
                (None, k("c")),
                (k("c"), k("e")),
                (k("e"), k("g")),
                (k("g"), k("z"))
            ]
        );
    }

    #[test]
    fn small_samples_give_fewer_parts_never_an_empty_or_repeated_bound() {
        let k = |v: &str| Some(vec![v.to_string()]);
        assert_eq!(
            bounds(&split(&keys(&["m"]), &["m".into()], 8)),
            vec![(None, k("m"))]
        );
        assert_eq!(
            bounds(&split(&keys(&["a", "m"]), &["m".into()], 8)),
            vec![(None, k("a")), (k("a"), k("m"))]
        );
        assert_eq!(bounds(&split(&[], &["m".into()], 3)), vec![(None, k("m"))]);
    }
}
