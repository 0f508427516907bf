//! `plan`: the statements each pending phase would run, in order, with how each runs
//! (transaction or alone, lock timeout or none). Reads state, changes nothing.

use super::CheckedMigrations;
use super::{lifecycle, record_of, Runner};
use crate::db::Record;
use crate::{PhaseKind, Result};
use serde::Serialize;

/// One statement of a planned phase.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedStatement {
    /// Line in the file.
    pub line: usize,
    /// The SQL.
    pub sql: String,
    /// Runs inside a transaction (with its neighbours in the same step).
    pub in_transaction: bool,
    /// Runs under the lock timeout.
    pub lock_timeout: bool,
    /// Step number within the phase (statements of one step commit together).
    pub step: usize,
}

/// A phase that would run.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedPhase {
    /// Version.
    pub version: i64,
    /// Name.
    pub name: String,
    /// Which phase.
    pub phase: PhaseKind,
    /// The file.
    pub file: String,
    /// Statements already done (a resumed phase).
    pub resume_from: usize,
    /// The gate requirement of a contract phase.
    pub requires_app: Option<String>,
    /// The statements still to run.
    pub statements: Vec<PlannedStatement>,
}

/// Plan every phase of `checked` as if nothing were applied (no database needed).
#[must_use]
pub fn plan_offline(checked: &CheckedMigrations) -> Vec<PlannedPhase> {
    plan_against(checked, &[])
}

/// Plan every pending phase of `checked` given `records`.
fn plan_against(checked: &CheckedMigrations, records: &[Record]) -> Vec<PlannedPhase> {
    let mut out = Vec::new();
    for m in checked.migrations() {
        let pending = lifecycle::remaining(m, record_of(records, m.version));
        for (kind, resume_from) in pending {
            let Some(phase) = m.runnable_phase(kind) else {
                continue;
            };
            let mut statements = Vec::new();
            for (n, step) in checked.steps(m.version, kind).iter().enumerate() {
                for i in step.range.clone().filter(|i| *i >= resume_from) {
                    let s = &phase.statements[i];
                    statements.push(PlannedStatement {
                        line: s.start.line,
                        sql: s.sql.clone(),
                        in_transaction: step.in_transaction,
                        lock_timeout: !step.no_lock_timeout,
                        step: n + 1,
                    });
                }
            }
            out.push(PlannedPhase {
                version: m.version,
                name: m.name.clone(),
                phase: kind,
                file: m.file_of(kind).to_string(),
                resume_from,
                requires_app: phase.directives.get("requires-app").map(str::to_string),
                statements,
            });
        }
    }
    out
}

impl Runner {
    /// The plan against this database's state (no lock taken, nothing written).
    ///
    /// # Errors
    /// Database errors, drift, transaction control inside a phase.
    pub async fn plan(&mut self) -> Result<Vec<PlannedPhase>> {
        let records = self.read_drift_checked().await?;
        Ok(plan_against(&self.migrations, &records))
    }
}
