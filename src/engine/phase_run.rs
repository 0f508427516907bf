//! Running one phase step by step: resume point, retries under [`super::retry`]'s policy,
//! INVALID leftovers of concurrent index builds dropped and rebuilt.

use super::retry::{Attempts, Failure};
use super::steps::{step_lock_timeout, StepPlan};
use super::Runner;
use crate::db::{catalog, store, IndexState, Progress, Step, StepError};
use crate::{Error, Migration, PhaseKind, Result};
use std::time::{Duration, Instant};

impl Runner {
    /// Record in the events log that a phase failed, with the error and its line, for
    /// `status` to show. Best effort: the connection may be what failed.
    pub(super) async fn record_failure(&mut self, version: i64, kind: PhaseKind, error: &Error) {
        let detail = serde_json::json!({
            "phase": kind,
            "line": error.location().and_then(|(_, line)| line),
            "error": error.to_string(),
        });
        let event = crate::db::Event {
            kind: "failed",
            version: Some(version),
            actor: &self.settings.actor,
            detail,
        };
        if let Err(e) = store::record_event(self.db.as_mut(), &event).await {
            tracing::warn!("could not record the failure of {version} in the events log: {e}");
        }
    }

    /// Run `kind` of `migration` from statement `resume_from` on; records progress after each
    /// step and the done state at the end. Returns the time it took.
    pub(super) async fn run_steps(
        &mut self,
        migration: &Migration,
        kind: PhaseKind,
        resume_from: usize,
    ) -> Result<Duration> {
        let started = Instant::now();
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
        let steps = self.migrations.steps(migration.version, kind).to_vec();
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
        let mut attempts = Attempts::new(self.settings.lock_retries);
        loop {
            if let Some(index) = &plan.concurrent_index {
                if self
                    .prepare_concurrent_index(index, resumed || attempts.failed() > 0)
                    .await?
                {
                    tracing::info!("{file}:{first_line}: index {index} already built by an earlier run; skipping");
                    return store::write_progress(self.db.as_mut(), progress).await;
                }
            }
            let bookkeeping = store::progress_write(self.db.dialect(), progress);
            let Err(error) = self.db.run_step(&step, &bookkeeping).await else {
                return Ok(());
            };
            let statement_error = |index: Option<usize>, source| Error::Statement {
                version: migration.version,
                phase: kind,
                file: file.clone(),
                line: index
                    .and_then(|i| statements.get(i))
                    .map_or(first_line, |s| s.start.line),
                source,
            };
            let waited = match &error {
                StepError::LockTimeout { index, .. } => statements.get(*index),
                _ => None,
            }
            .map_or(first_line, |s| s.start.line);
            let reason = match Failure::of(error, self.settings.lock_timeout) {
                Failure::Statement { index, source } => {
                    return Err(statement_error(Some(index), source))
                }
                Failure::Internal(e) => return Err(e),
                Failure::Retry { reason, last } => {
                    let Some(pause) = attempts.next_pause() else {
                        return Err(match last {
                            StepError::LockTimeout { blocker, .. } => Error::LockTimeout {
                                file,
                                line: waited,
                                attempts: attempts.failed(),
                                lock_timeout: self.settings.lock_timeout,
                                blocker,
                            },
                            StepError::Transient(e) | StepError::StatementTimeout(e) => {
                                statement_error(None, e)
                            }
                            StepError::Failed { source, .. } => statement_error(None, source),
                            StepError::Internal(e) => e,
                        });
                    };
                    (reason, pause)
                }
            };
            let (reason, pause) = reason;
            tracing::warn!(
                "{file}:{waited}: attempt {}/{} failed: {reason}; retrying in {pause:.1?}",
                attempts.failed(),
                attempts.max()
            );
            tokio::time::sleep(pause).await;
        }
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
