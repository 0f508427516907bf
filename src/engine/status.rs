//! `status`: per migration, its state, when it got there, and what comes next.

use super::{record_of, Runner};
use crate::backfill::{load_all_progress, BackfillProgress};
use crate::db::State;
use crate::{PhaseKind, Result};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// What a migration needs next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Next {
    /// `bellows expand`.
    Expand,
    /// `bellows expand` resumes at this statement (1-based).
    ResumeExpand {
        /// The statement to resume at.
        statement: usize,
    },
    /// Its backfill must run.
    Backfill,
    /// `bellows contract`, once the gate passes.
    Contract {
        /// The gate requirement.
        requires_app: Option<String>,
    },
    /// `bellows contract` resumes a contract that stopped half way.
    ResumeContract,
    /// `bellows abort` resumes a down phase that stopped half way.
    ResumeAbort,
    /// Nothing: all its phases ran.
    Done,
    /// It was aborted.
    Aborted,
    /// The database has a record but the file is gone.
    FileMissing,
}

/// One line of `bellows status`.
#[derive(Debug, Clone, Serialize)]
pub struct MigrationStatus {
    /// Version.
    pub version: i64,
    /// Name.
    pub name: String,
    /// State.
    pub state: State,
    /// When it reached that state (`None` when pending).
    pub at: Option<DateTime<Utc>>,
    /// Who ran its last phase.
    pub by: Option<String>,
    /// What comes next.
    pub next: Next,
    /// Its backfill's progress, once one started.
    pub backfill: Option<BackfillProgress>,
}

impl Runner {
    /// The status of every migration on disk or recorded (read-only, no lock).
    ///
    /// # Errors
    /// Database errors.
    pub async fn status(&mut self) -> Result<Vec<MigrationStatus>> {
        let records = self.db.records().await?;
        let progress = load_all_progress(self.db.as_mut()).await?;
        let mut out: Vec<MigrationStatus> = self
            .migrations
            .iter()
            .map(|m| {
                let record = record_of(&records, m.version);
                let state = record.map_or(State::Pending, |r| r.state);
                let has = |k| m.runnable_phase(k).is_some();
                let contract = Next::Contract {
                    requires_app: m
                        .phase(PhaseKind::Contract)
                        .and_then(|p| p.directives.get("requires-app"))
                        .map(str::to_string),
                };
                let next = match state {
                    State::Pending => Next::Expand,
                    State::Expanding => Next::ResumeExpand {
                        statement: record.map_or(0, |r| r.statements_done) + 1,
                    },
                    State::Expanded | State::Backfilling if has(PhaseKind::Backfill) => {
                        Next::Backfill
                    }
                    State::Expanded | State::Backfilling | State::Backfilled
                        if has(PhaseKind::Contract) =>
                    {
                        contract
                    }
                    State::Contracting => Next::ResumeContract,
                    State::Aborting => Next::ResumeAbort,
                    State::Aborted => Next::Aborted,
                    _ => Next::Done,
                };
                MigrationStatus {
                    version: m.version,
                    name: m.name.clone(),
                    state,
                    at: record.map(|r| r.updated_at),
                    by: record.map(|r| r.applied_by.clone()),
                    next,
                    backfill: progress.iter().find(|p| p.version == m.version).cloned(),
                }
            })
            .collect();
        for r in records
            .iter()
            .filter(|r| !self.migrations.iter().any(|m| m.version == r.version))
        {
            out.push(MigrationStatus {
                version: r.version,
                name: r.name.clone(),
                state: r.state,
                at: Some(r.updated_at),
                by: Some(r.applied_by.clone()),
                next: Next::FileMissing,
                backfill: None,
            });
        }
        out.sort_by_key(|s| s.version);
        Ok(out)
    }
}
