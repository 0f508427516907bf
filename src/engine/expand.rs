//! `expand`: every pending expand phase in version order, resuming a phase that stopped half
//! way at the statement where it stopped.

use super::{lifecycle, record_of, Runner};
use crate::{PhaseKind, Result};
use serde::Serialize;
use std::time::Duration;

/// A phase the run applied.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Applied {
    /// Version.
    pub version: i64,
    /// Name.
    pub name: String,
    /// The phase.
    pub phase: PhaseKind,
    /// Statements run (after a resume point, only those).
    pub statements: usize,
    /// Time taken.
    #[serde(serialize_with = "as_millis")]
    pub duration: Duration,
}

fn as_millis<S: serde::Serializer>(d: &Duration, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl Runner {
    /// Apply every pending expand phase, in version order, under the migration lock.
    /// Returns what was applied (empty when everything was already expanded). The state is
    /// first read without the lock: with nothing pending the run returns at once, without
    /// waiting for a runner that holds the lock (app startup during a long contract).
    ///
    /// # Errors
    /// Lock busy, drift, a failing statement (everything before it stays applied and
    /// recorded; the next run resumes there).
    pub async fn expand(&mut self) -> Result<Vec<Applied>> {
        if !self.expand_pending().await? {
            return Ok(Vec::new());
        }
        let records = self.lock().await?;
        let result = self.expand_locked(&records).await;
        self.unlock(result).await
    }

    /// Whether an expand phase is pending (or the state tables need creating), read without
    /// the lock. Drift and a foreign folder are refused here already.
    pub(crate) async fn expand_pending(&mut self) -> Result<bool> {
        if !crate::db::store::schema(self.backend()).await?.is_current() {
            return Ok(true);
        }
        let records = self.read_checked().await?;
        Ok(self
            .migrations
            .migrations()
            .iter()
            .any(|m| lifecycle::expand_from(m, record_of(&records, m.version)).is_some()))
    }

    pub(super) async fn expand_locked(
        &mut self,
        records: &[crate::db::Record],
    ) -> Result<Vec<Applied>> {
        if let Some((version, later)) =
            lifecycle::first_out_of_order(self.migrations.migrations(), records)
        {
            if !self.settings.allow_out_of_order {
                return Err(crate::Error::OutOfOrder { version, later });
            }
            tracing::warn!("{version}: applied after the later {later} (out of order allowed)");
        }
        if records.is_empty() {
            self.refuse_foreign_history().await?;
        }
        let mut applied = Vec::new();
        let checked = self.migrations.clone();
        for migration in checked.migrations() {
            let Some(resume_from) =
                lifecycle::expand_from(migration, record_of(records, migration.version))
            else {
                continue;
            };
            let ran = self
                .run_phase(migration, PhaseKind::Expand, resume_from)
                .await?;
            // A migration with only a contract phase is marked expanded (so its contract may
            // run) but applied nothing worth reporting.
            if migration.runnable_phase(PhaseKind::Expand).is_some() {
                applied.push(ran);
            }
        }
        Ok(applied)
    }
}
