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
            self.run_step_with_retries(migration, kind, step, statements, &p, resume_from)
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
        resume_from: usize,
    ) -> Result<()> {
        let at = StepAt {
            migration,
            kind,
            statements,
            first_index: plan.range.start.max(resume_from),
            resumed_here: resume_from > 0 && plan.range.start <= resume_from,
        };
        let step = Step {
            statements,
            in_transaction: plan.in_transaction,
            lock_timeout: step_lock_timeout(plan, self.settings.lock_timeout),
        };
        let mut attempts = Attempts::new(self.settings.lock_retries);
        loop {
            if let Some(index) = &plan.concurrent_index {
                let may_skip = resume_from > 0 || attempts.failed() > 0;
                if self.prepare_concurrent_index(index, may_skip).await? {
                    tracing::info!(
                        "{}: index {index} already built by an earlier run; skipping",
                        at.place(0)
                    );
                    return store::write_progress(self.db.as_mut(), progress).await;
                }
            }
            let bookkeeping = store::progress_write(self.db.dialect(), progress);
            let Err(error) = self.db.run_step(&step, &bookkeeping).await else {
                return Ok(());
            };
            let waited = match &error {
                StepError::LockTimeout { index, .. } => *index,
                _ => 0,
            };
            let (reason, last) = match Failure::of(error, self.settings.lock_timeout) {
                Failure::Retry { reason, last } => (reason, last),
                Failure::Statement { index, source } => {
                    return Err(at.statement_error(index, source, self.db.dialect()))
                }
                Failure::ConnectionLost { index, source } => {
                    return Err(at.connection_lost(index, source))
                }
                Failure::Internal(e) => return Err(e),
            };
            let Some(pause) = attempts.next_pause() else {
                return Err(match last {
                    StepError::LockTimeout { blocker, .. } => Error::LockTimeout {
                        file: at.file().to_string(),
                        line: at.line(waited),
                        attempts: attempts.failed(),
                        lock_timeout: self.settings.lock_timeout,
                        blocker,
                    },
                    other => at.gave_up(other),
                });
            };
            tracing::warn!(
                "{}: attempt {}/{} failed: {reason}; retrying in {pause:.1?}",
                at.place(waited),
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

/// Where a step stands in its migration, for the errors and log lines that name it.
struct StepAt<'a> {
    migration: &'a Migration,
    kind: PhaseKind,
    statements: &'a [crate::sql::Statement],
    /// Index in the phase of the step's first statement to run.
    first_index: usize,
    /// A resumed run starts with this step.
    resumed_here: bool,
}

/// MySQL/MariaDB errors a DDL statement gives when its change is already there: 1050 table
/// exists, 1051 unknown table, 1054 unknown column, 1060 duplicate column, 1061 duplicate
/// key name, 1091 can't drop, 1826 duplicate foreign key.
const ALREADY_THERE: [u16; 7] = [1050, 1051, 1054, 1060, 1061, 1091, 1826];

impl StepAt<'_> {
    fn file(&self) -> &str {
        self.migration.file_of(self.kind)
    }

    /// The line of statement `index` of the step.
    fn line(&self, index: usize) -> usize {
        self.statements
            .get(index)
            .or(self.statements.first())
            .map_or(0, |s| s.start.line)
    }

    /// `file:line` of statement `index` of the step.
    fn place(&self, index: usize) -> String {
        format!("{}:{}", self.file(), self.line(index))
    }

    /// A statement of the migration failed. On MySQL, the statement a resumed run starts
    /// with may have failed because the interrupted run already applied it.
    fn statement_error(&self, index: usize, source: sqlx::Error, dialect: crate::Dialect) -> Error {
        let already_there = !dialect.transactional_ddl()
            && self.resumed_here
            && index == 0
            && source
                .as_database_error()
                .and_then(crate::db::mysql_number)
                .is_some_and(|n| ALREADY_THERE.contains(&n));
        let (version, phase, file, line) = (
            self.migration.version,
            self.kind,
            self.file().to_string(),
            self.line(index),
        );
        if already_there {
            return Error::MaybeAlreadyApplied {
                version,
                phase,
                file,
                line,
                source,
            };
        }
        Error::Statement {
            version,
            phase,
            file,
            line,
            source,
        }
    }

    fn connection_lost(&self, index: usize, source: sqlx::Error) -> Error {
        Error::ConnectionLost {
            during: format!(
                "during statement {} of {} {} ({} phase, {})",
                self.first_index + index + 1,
                self.migration.version,
                self.migration.name,
                self.kind,
                self.place(index)
            ),
            source,
        }
    }

    /// The last of the retries failed the way the earlier ones did.
    fn gave_up(&self, last: StepError) -> Error {
        match last {
            StepError::Transient(source)
            | StepError::StatementTimeout(source)
            | StepError::Failed { source, .. } => Error::Statement {
                version: self.migration.version,
                phase: self.kind,
                file: self.file().to_string(),
                line: self.line(0),
                source,
            },
            StepError::ConnectionLost { index, source } => self.connection_lost(index, source),
            StepError::Internal(e) => e,
            StepError::LockTimeout { .. } => unreachable!("handled by the caller"),
        }
    }
}
