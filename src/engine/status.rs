//! `status`: per migration, its state, when it got there, and what comes next.

use super::{drift, lifecycle, record_of, Runner};
use crate::backfill::{load_all_progress, BackfillProgress};
use crate::db::State;
use crate::gate::{self, Decision};
use crate::{PhaseKind, Result};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// What a migration needs next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
#[non_exhaustive]
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
#[non_exhaustive]
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
    /// Pending while a later migration already ran (`expand` refuses it unless out-of-order
    /// runs are allowed).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub out_of_order: bool,
    /// The phase that stopped half way failed (rather than being interrupted): how.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<PhaseFailure>,
    /// For a migration whose contract may run: the gate's verdict now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gate: Option<Decision>,
}

/// How a phase failed, as recorded when it did.
#[derive(Debug, Clone, Serialize)]
pub struct PhaseFailure {
    /// When.
    pub at: DateTime<Utc>,
    /// The line of the statement that failed, where the error had one.
    pub line: Option<usize>,
    /// The error.
    pub error: String,
}

impl Next {
    /// The phase that runs next, if one does.
    #[must_use]
    pub fn phase(&self) -> Option<PhaseKind> {
        match self {
            Next::Expand | Next::ResumeExpand { .. } => Some(PhaseKind::Expand),
            Next::Backfill => Some(PhaseKind::Backfill),
            Next::Contract { .. } | Next::ResumeContract { .. } => Some(PhaseKind::Contract),
            Next::ResumeAbort { .. } => Some(PhaseKind::Down),
            Next::Drifted { .. } | Next::Done | Next::Aborted | Next::FileMissing => None,
        }
    }
}

impl MigrationStatus {
    /// Whether a person should look at it: drifted, failed or interrupted half way, out of
    /// order, or recorded without its file (`bellows status --check` exits 1).
    #[must_use]
    pub fn needs_attention(&self) -> bool {
        self.out_of_order
            || matches!(
                self.next,
                Next::Drifted { .. }
                    | Next::FileMissing
                    | Next::ResumeExpand { .. }
                    | Next::ResumeContract { .. }
                    | Next::ResumeAbort { .. }
            )
            || self.failure.is_some()
    }
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
                    failure: None,
                    gate: None,
                }
            })
            .collect();
        self.add_failures(&mut out).await?;
        self.add_gate_verdicts(&mut out).await?;
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
                failure: None,
                gate: None,
            });
        }
        out.sort_by_key(|s| s.version);
        Ok(out)
    }

    /// The recorded failure of each migration whose running phase failed.
    async fn add_failures(&mut self, rows: &mut [MigrationStatus]) -> Result<()> {
        for (version, (at, detail)) in crate::db::store::failures(self.db.as_mut()).await? {
            let Some(row) = rows.iter_mut().find(|r| r.version == version) else {
                continue;
            };
            let phase = detail["phase"].as_str().unwrap_or_default();
            if row.next.phase().is_none_or(|next| next.as_str() != phase) {
                continue;
            }
            row.failure = Some(PhaseFailure {
                at,
                line: detail["line"]
                    .as_u64()
                    .and_then(|l| usize::try_from(l).ok()),
                error: detail["error"].as_str().unwrap_or_default().to_string(),
            });
        }
        Ok(())
    }

    /// The gate's verdict for each migration whose contract may run now (asked once per
    /// requirement).
    async fn add_gate_verdicts(&mut self, rows: &mut [MigrationStatus]) -> Result<()> {
        let mut asked: Vec<(Option<String>, Option<String>, Decision)> = Vec::new();
        for row in rows.iter_mut() {
            let Next::Contract { requires_app } = &row.next else {
                continue;
            };
            let directives = self
                .migrations
                .get(row.version)
                .and_then(|m| m.phase(PhaseKind::Contract))
                .map(|p| p.directives.clone());
            let soak = directives
                .as_ref()
                .and_then(|d| d.get("soak"))
                .map(str::to_string);
            if let Some((.., d)) = asked
                .iter()
                .find(|(r, s, _)| r == requires_app && *s == soak)
            {
                row.gate = Some(d.clone());
                continue;
            }
            let decision =
                gate::evaluate(self.db.as_mut(), directives.as_ref(), &self.settings.gate).await?;
            asked.push((requires_app.clone(), soak, decision.clone()));
            row.gate = Some(decision);
        }
        Ok(())
    }
}
