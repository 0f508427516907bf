//! Running one phase step by step: resume point, lock-timeout retries with exponential
//! backoff and jitter, INVALID leftovers of concurrent index builds dropped and rebuilt.

use super::steps::{plan_steps, step_lock_timeout, StepPlan};
use super::Runner;
use crate::db::{catalog, store, IndexState, Progress, Step, StepError};
use crate::{Error, Migration, PhaseKind, Result};
use rand::Rng;
use std::time::{Duration, Instant};

/// Longest pause between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// First pause.
const BASE_BACKOFF: Duration = Duration::from_millis(200);

/// The pause before attempt `attempt + 1`: exponential, capped, with jitter in [50%, 100%].
#[must_use]
pub fn backoff(attempt: u32) -> Duration {
    let exp = BASE_BACKOFF
        .saturating_mul(1u32 << attempt.min(16).saturating_sub(1))
        .min(MAX_BACKOFF);
    exp.mul_f64(rand::thread_rng().gen_range(0.5..=1.0))
}

impl Runner {
    /// Run `kind` of `migration` from statement `resume_from` on; records progress after each
    /// step and the done state at the end. Returns the time it took.
    pub(super) async fn run_steps(
        &mut self,
        migration: &Migration,
        kind: PhaseKind,
        resume_from: usize,
    ) -> Result<Duration> {
        let started = Instant::now();
        let dialect = self.db.dialect();
        let Some(phase) = migration.phase(kind) else {
            let empty = crate::migration::checksum("");
            let done = Progress {
                version: migration.version,
                name: &migration.name,
                phase: kind,
                statements_done: 0,
                finished: true,
                checksum: &empty,
                sql: "",
                actor: &self.settings.actor,
                host: &self.settings.host,
            };
            store::write_progress(self.db.as_mut(), &done).await?;
            return Ok(started.elapsed());
        };
        let sql = phase.normalized_sql();
        let (actor, host) = (self.settings.actor.clone(), self.settings.host.clone());
        let progress = |done: usize, finished: bool| Progress {
            version: migration.version,
            name: &migration.name,
            phase: kind,
            statements_done: done,
            finished,
            checksum: &phase.checksum,
            sql: &sql,
            actor: &actor,
            host: &host,
        };
        let steps = plan_steps(migration, phase, dialect)?;
        let total = phase.statements.len();
        if steps.is_empty() || resume_from >= total {
            store::write_progress(self.db.as_mut(), &progress(total, true)).await?;
            return Ok(started.elapsed());
        }
        if resume_from > 0 {
            for setting in phase.statements[..resume_from.min(total)]
                .iter()
                .filter(|s| super::steps::is_session_setting(s))
            {
                tracing::debug!("replaying `{}` before resuming", setting.sql);
                self.db.execute(&setting.sql).await?;
            }
            tracing::info!(
                "{} {}: resuming the {kind} phase at statement {} of {total}",
                migration.version,
                migration.name,
                resume_from + 1
            );
        }
        for step in steps.iter().filter(|s| s.range.end > resume_from) {
            let statements = &phase.statements[step.range.start.max(resume_from)..step.range.end];
            let p = progress(step.range.end, step.range.end == total);
            self.run_step_with_retries(migration, kind, step, statements, &p, resume_from > 0)
                .await?;
        }
        Ok(started.elapsed())
    }

    async fn run_step_with_retries(
        &mut self,
        migration: &Migration,
        kind: PhaseKind,
        plan: &StepPlan,
        statements: &[crate::sql::Statement],
        progress: &Progress<'_>,
        resumed: bool,
    ) -> Result<()> {
        let file = migration.file_of(kind).to_string();
        let first_line = statements.first().map_or(0, |s| s.start.line);
        let step = Step {
            statements,
            in_transaction: plan.in_transaction,
            lock_timeout: step_lock_timeout(plan, self.settings.lock_timeout),
        };
        let attempts = self.settings.lock_retries.max(1);
        for attempt in 1..=attempts {
            if let Some(index) = &plan.concurrent_index {
                if self
                    .prepare_concurrent_index(index, resumed || attempt > 1)
                    .await?
                {
                    tracing::info!("{file}:{first_line}: index {index} already built by an earlier run; skipping");
                    return store::write_progress(self.db.as_mut(), progress).await;
                }
            }
            let bookkeeping = store::progress_write(self.db.dialect(), progress);
            let error = match self.db.run_step(&step, &bookkeeping).await {
                Ok(()) => return Ok(()),
                Err(StepError::Failed { index, source }) => {
                    let line = statements.get(index).map_or(first_line, |s| s.start.line);
                    return Err(Error::Statement {
                        version: migration.version,
                        phase: kind,
                        file,
                        line,
                        source,
                    });
                }
                Err(StepError::Internal(e)) => return Err(e),
                Err(StepError::LockTimeout { blocker }) => {
                    if attempt == attempts {
                        return Err(Error::LockTimeout {
                            file,
                            line: first_line,
                            attempts,
                            lock_timeout: self.settings.lock_timeout,
                            blocker,
                        });
                    }
                    format!(
                        "lock not granted within {:?}{}",
                        self.settings.lock_timeout,
                        blocker
                            .map(|b| format!(", blocked by {b}"))
                            .unwrap_or_default()
                    )
                }
                Err(StepError::Transient(e) | StepError::StatementTimeout(e)) => {
                    if attempt == attempts {
                        return Err(Error::Statement {
                            version: migration.version,
                            phase: kind,
                            file,
                            line: first_line,
                            source: e,
                        });
                    }
                    e.to_string()
                }
            };
            let pause = backoff(attempt);
            tracing::warn!("{file}:{first_line}: attempt {attempt}/{attempts} failed: {error}; retrying in {pause:.1?}");
            tokio::time::sleep(pause).await;
        }
        unreachable!("the last attempt returns")
    }

    /// Before a concurrent index build: drop an INVALID leftover. Returns true when a valid
    /// index of that name exists and the build may be skipped (`may_skip`: it is a retry or
    /// a resumed phase, so an earlier run built it).
    async fn prepare_concurrent_index(&mut self, index: &str, may_skip: bool) -> Result<bool> {
        match catalog::index_state(self.db.as_mut(), index).await? {
            IndexState::Missing => Ok(false),
            IndexState::Valid => Ok(may_skip),
            IndexState::Invalid => {
                tracing::warn!("index {index} is INVALID (left by a failed concurrent build); dropping it to rebuild");
                let sql = format!(
                    "DROP INDEX CONCURRENTLY IF EXISTS {}",
                    self.db.dialect().quote_ident(index)
                );
                self.db.execute(&sql).await?;
                Ok(false)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        for attempt in 1..20 {
            let b = backoff(attempt);
            assert!(b <= MAX_BACKOFF);
            assert!(b >= BASE_BACKOFF / 2);
        }
        assert!(backoff(1) <= BASE_BACKOFF);
        assert!(backoff(6) >= Duration::from_millis(3200));
    }
}
