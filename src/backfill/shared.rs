//! What the parts (workers) of one backfill run share: the job, the key, the observer, the
//! throttle and the latency guard, the outcome and the totals, and the stop flags.

use super::latency::LatencyGuard;
use super::run::BackfillRun;
use super::throttle::Throttle;
use super::{millis, BackfillEvent, BackfillOutcome};
use crate::db::keyset::KeyedTable;
use crate::db::BatchDone;
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// What the parts of a run share.
pub(crate) struct Shared<'a, 'o> {
    pub(super) job: &'a BackfillRun<'a>,
    pub(super) keyed: &'a KeyedTable,
    pub(super) observer: RefCell<&'a mut (dyn FnMut(&BackfillEvent) + 'o)>,
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

    /// Probe the app's latency at the guard's cadence until `done` is notified (the batch
    /// committed or failed); another part probing meanwhile is left to it. A probe is never
    /// cut short: its connection would be left mid-statement.
    pub(super) async fn probe_until(&self, done: &tokio::sync::Notify) {
        let mut every = Duration::from_millis(50);
        loop {
            if let Ok(mut guard) = self.latency.try_lock() {
                match guard.as_mut() {
                    Some(g) => {
                        g.probe().await;
                        every = g.every();
                    }
                    None => return,
                }
            }
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                () = done.notified() => return,
            }
        }
    }

    /// Hold batches back for at most `pause` while the app is slower than the target,
    /// probing meanwhile: over as soon as the last probes are under it again, or on a stop.
    pub(super) async fn hold_for_latency(&self, pause: Duration) {
        let until = Instant::now() + pause;
        while Instant::now() < until && !self.stopping() {
            let every = {
                let mut guard = self.latency.lock().await;
                let Some(g) = guard.as_mut() else { return };
                g.probe().await;
                if g.recovered() {
                    return;
                }
                g.every()
            };
            tokio::time::sleep(every).await;
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
