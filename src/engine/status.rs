//! `status`: per migration, its state, when it got there, and what comes next.

use super::{drift, lifecycle, record_of, Runner};
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
    /// The contract stopped half way (failed or interrupted): `bellows contract` resumes
    /// at this statement (1-based).
    ResumeContract {
        /// The statement to resume at.
        statement: usize,
    },
    /// The down phase stopped half way: `bellows abort` resumes at this statement (1-based).
    ResumeAbort {
        /// The statement to resume at.
        statement: usize,
    },
    /// A phase changed on disk since it ran: every command refuses until the file is
    /// restored (or `--allow-drift`).
    Drifted {
        /// The phase that changed.
        phase: PhaseKind,
    },
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
    /// Pending while a later migration already ran (it will run after that one).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub out_of_order: bool,
}

impl Runner {
    /// The status of every migration on disk or recorded (read-only, no lock).
    ///
    /// # Errors
    /// Database errors.
    pub async fn status(&mut self) -> Result<Vec<MigrationStatus>> {
        let records = crate::db::store::records(self.db.as_mut()).await?;
        let progress = load_all_progress(self.db.as_mut()).await?;
        let dialect = self.db.dialect();
        let mut out: Vec<MigrationStatus> = self
            .migrations
            .migrations()
            .iter()
            .map(|m| {
                let record = record_of(&records, m.version);
                let started = progress
                    .iter()
                    .any(|p| p.version == m.version && p.batches > 0);
                let drifted = record
                    .and_then(|r| drift::find(m, r, dialect, started))
                    .map(|d| d.phase);
                MigrationStatus {
                    version: m.version,
                    name: m.name.clone(),
                    state: lifecycle::state_of(record),
                    at: record.map(|r| r.updated_at),
                    by: record.map(|r| r.applied_by.clone()),
                    next: lifecycle::next(m, record, drifted),
                    backfill: progress.iter().find(|p| p.version == m.version).cloned(),
                    out_of_order: lifecycle::out_of_order(m, &records),
                }
            })
            .collect();
        for r in records
            .iter()
            .filter(|r| !self.migrations().iter().any(|m| m.version == r.version))
        {
            out.push(MigrationStatus {
                version: r.version,
                name: r.name.clone(),
                state: r.state,
                at: Some(r.updated_at),
                by: Some(r.applied_by.clone()),
                next: Next::FileMissing,
                backfill: None,
                out_of_order: false,
            });
        }
        out.sort_by_key(|s| s.version);
        Ok(out)
    }
}
