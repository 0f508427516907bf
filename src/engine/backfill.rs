//! `backfill` and `up`: the pending backfills of expanded migrations in version order, moving
//! each from expanded through backfilling to backfilled; `up` is expand then backfill (never
//! contract).
//!
//! Locks: the backfill lock for the whole run, the migration lock only to read the state (and
//! for `up`'s expand phases). App startup takes only the migration lock, so it never waits
//! for a backfill; contract and abort take the backfill lock too, so neither runs beside one.
//! The records read under both locks stay true while the batches run: every command that
//! moves an expanded migration on (backfill, contract, abort) holds the backfill lock.

use super::expand::Applied;
use super::lifecycle::{self, BackfillStart};
use super::{record_of, Runner};
use crate::backfill::{
    self, BackfillEvent, BackfillOutcome, BackfillRun, BackfillSpec, Ending, Replicas, Throttle,
};
use crate::db::{store, DatabaseUrl, Event, Progress, Record};
use crate::{Error, Migration, PhaseKind, Result};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// How backfills throttle, beyond what each backfill section says.
#[derive(Debug, Clone)]
pub struct BackfillOptions {
    /// Pause while a replica lags more than this (default 10 s).
    pub max_replica_lag: Duration,
    /// MySQL/MariaDB replicas to watch: batches also pause while one's replication is not
    /// running (PostgreSQL standbys are seen from the primary; a PostgreSQL URL is refused).
    pub replicas: Vec<DatabaseUrl>,
    /// A query returning one boolean; batches pause while it is true (e.g. load too high).
    pub pause_while: Option<String>,
    /// Parts of the key space worked in parallel on their own connections (default 1; any
    /// key; the parts hold about as many rows each; fixed by a backfill's first run).
    pub workers: usize,
    /// How slow the app may get while batches run (overrides the section's
    /// `latency-target=`; default twice the baseline measured before the first batch).
    pub latency_target: Option<crate::backfill::LatencyTarget>,
}

impl Default for BackfillOptions {
    fn default() -> Self {
        BackfillOptions {
            max_replica_lag: Duration::from_secs(10),
            replicas: Vec::new(),
            pause_while: None,
            workers: 1,
            latency_target: None,
        }
    }
}

impl Runner {
    /// Run the pending backfills of expanded migrations (up to `target`), in version order.
    /// Setting `stop` ends the run after the batch in flight; the next run resumes.
    ///
    /// # Errors
    /// [`Error::UnknownVersion`], a target without backfill or not expanded; a backfill that
    /// cannot run ([`Error::Backfill`], before any row is touched); statement and lock errors.
    pub async fn backfill(
        &mut self,
        target: Option<i64>,
        options: &BackfillOptions,
        stop: &AtomicBool,
        observer: &mut dyn FnMut(&BackfillEvent),
    ) -> Result<Vec<BackfillOutcome>> {
        self.check_backfill_target(target)?;
        let records = self.lock_both().await?;
        let records = self.unlock(Ok(records)).await;
        let result = match records {
            Ok(records) => {
                self.backfill_locked(&records, target, options, stop, observer)
                    .await
            }
            Err(e) => Err(e),
        };
        self.unlock_backfill(result).await
    }

    /// `up`: every pending expand phase, then every pending backfill; never a contract.
    ///
    /// # Errors
    /// As [`Runner::expand`] and [`Runner::backfill`].
    pub async fn up(
        &mut self,
        options: &BackfillOptions,
        stop: &AtomicBool,
        observer: &mut dyn FnMut(&BackfillEvent),
    ) -> Result<(Vec<Applied>, Vec<BackfillOutcome>)> {
        let records = self.lock_both().await?;
        let expanded = async {
            let applied = self.expand_locked(&records).await?;
            let records = store::records(self.db.as_mut()).await?;
            Ok((applied, records))
        }
        .await;
        let result = match self.unlock(expanded).await {
            Ok((applied, records)) => self
                .backfill_locked(&records, None, options, stop, observer)
                .await
                .map(|outcomes| (applied, outcomes)),
            Err(e) => Err(e),
        };
        self.unlock_backfill(result).await
    }

    fn check_backfill_target(&self, target: Option<i64>) -> Result<()> {
        let Some(v) = target else { return Ok(()) };
        let m = self.migrations.get(v).ok_or(Error::UnknownVersion(v))?;
        if m.runnable_phase(PhaseKind::Backfill).is_none() {
            return Err(Error::Refused(format!(
                "migration {v} ({}) has no backfill section",
                m.name
            )));
        }
        Ok(())
    }

    async fn backfill_locked(
        &mut self,
        records: &[Record],
        target: Option<i64>,
        options: &BackfillOptions,
        stop: &AtomicBool,
        observer: &mut dyn FnMut(&BackfillEvent),
    ) -> Result<Vec<BackfillOutcome>> {
        let mut replicas = Replicas::connect(&options.replicas).await?;
        let mut outcomes = Vec::new();
        let checked = self.migrations.clone();
        for m in checked
            .migrations()
            .iter()
            .filter(|m| target.is_none_or(|t| m.version <= t))
        {
            let Some(spec) = checked.backfill(m.version) else {
                continue;
            };
            match lifecycle::backfill_start(m, record_of(records, m.version), target)? {
                BackfillStart::Run => {}
                BackfillStart::Rerun => store::reset_backfill(self.db.as_mut(), m.version).await?,
                BackfillStart::Skip => continue,
            }
            let outcome = match self
                .backfill_one(m, spec, options, stop, observer, &mut replicas)
                .await
            {
                Ok(outcome) => outcome,
                Err(e) => {
                    self.record_failure(m.version, PhaseKind::Backfill, &e)
                        .await;
                    return Err(e);
                }
            };
            let ending = outcome.ending;
            outcomes.push(outcome);
            if ending == Ending::Stopped {
                break;
            }
        }
        Ok(outcomes)
    }

    /// Run (or resume) one migration's backfill, with its progress and events recorded.
    async fn backfill_one(
        &mut self,
        m: &Migration,
        spec: &BackfillSpec,
        options: &BackfillOptions,
        stop: &AtomicBool,
        observer: &mut dyn FnMut(&BackfillEvent),
        replicas: &mut Replicas,
    ) -> Result<BackfillOutcome> {
        let phase = m.phase(PhaseKind::Backfill).expect("has a backfill");
        let sql = phase.normalized_sql();
        let (actor, host) = (self.settings.actor.clone(), self.settings.host.clone());
        let progress = |finished| Progress {
            version: m.version,
            name: &m.name,
            phase: PhaseKind::Backfill,
            statements_done: usize::from(finished),
            finished,
            checksum: &phase.checksum,
            sql: &sql,
            actor: &actor,
            host: &host,
        };
        store::write_progress(self.db.as_mut(), &progress(false)).await?;
        let job = BackfillRun {
            version: m.version,
            name: &m.name,
            spec,
            lock_timeout: self.settings.lock_timeout,
            retries: self.settings.lock_retries,
            workers: options.workers.max(1),
            latency_target: options
                .latency_target
                .or(spec.latency_target)
                .unwrap_or_default(),
            stop,
        };
        let mut throttle = Throttle::new(
            spec.max_rows_per_sec,
            options.max_replica_lag,
            std::mem::take(replicas),
            options.pause_while.clone(),
        );
        throttle.check(self.db.as_mut()).await?;
        let outcome = backfill::run(self.db.as_mut(), &job, &mut throttle, observer).await;
        *replicas = throttle.into_replicas();
        let outcome = outcome?;
        if outcome.ending == Ending::Finished {
            store::write_progress(self.db.as_mut(), &progress(true)).await?;
            let detail = serde_json::json!({
                "phase": PhaseKind::Backfill,
                "rows": outcome.rows,
                "batches": outcome.batches,
                "duration_ms": outcome.duration_ms,
                "remaining": outcome.remaining,
            });
            let event = Event {
                kind: "phase",
                version: Some(m.version),
                actor: &actor,
                detail,
            };
            store::record_event(self.db.as_mut(), &event).await?;
        }
        Ok(outcome)
    }

    /// Rows of `version`'s backfill still matching its predicate (up to 1000), or `None`
    /// when it has no backfill.
    pub(super) async fn backfill_remaining(&mut self, version: i64) -> Result<Option<u64>> {
        let checked = self.migrations.clone();
        let Some(spec) = checked.backfill(version) else {
            return Ok(None);
        };
        Ok(Some(
            backfill::remaining_rows(self.db.as_mut(), spec).await?,
        ))
    }
}
