//! One backfill run: find the key, fix the upper bound and split the key space among the
//! workers (first run) or read the checkpoints (resume), run the parts (`part.rs`) until no
//! key is left or a stop is requested, then mark it finished and count what still matches
//! the predicate.

use super::latency::{LatencyGuard, LatencyTarget};
use super::progress::{self, BackfillProgress};
use super::shared::Shared;
use super::spec::BackfillSpec;
use super::start::start;
use super::throttle::Throttle;
use super::wal_room;
use super::{millis, BackfillEvent, BackfillOutcome, Ending};
use crate::db::keyset::KeyedTable;
use crate::db::{catalog, store, Backend, Row};
use crate::{Error, Result};
use std::cell::RefCell;
use std::sync::atomic::AtomicBool;
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
    let mut holds = holds;
    if let Some(guard) = holds.latency.as_mut() {
        let mut sessions = vec![db.session().id];
        sessions.extend(extra.iter_mut().map(|b| b.session().id));
        guard.watch(&sessions);
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
