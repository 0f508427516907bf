//! `contract`: destructive phases in version order, each only when its migration is ready
//! (expanded, and backfilled with zero rows left matching the backfill predicate if it has
//! a backfill) and its gate passes. `--force` overrides
//! the gate, never readiness, and is recorded.

use super::expand::Applied;
use super::{lifecycle, preflight, record_of, Runner};
use crate::db::{self, store, Event, Record, State};
use crate::{gate, Error, Migration, PhaseKind, Result};
use serde::Serialize;

/// Why a contract did not run.
#[derive(Debug, Clone, Serialize)]
pub struct ContractRefusal {
    /// Version.
    pub version: i64,
    /// Name.
    pub name: String,
    /// The reason, naming the requirement and what was seen.
    pub reason: String,
    /// Refused by the gate (as opposed to readiness): waiting may help.
    pub gate_closed: bool,
}

/// What `contract` did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ContractOutcome {
    /// Contract phases applied.
    pub applied: Vec<Applied>,
    /// Versions contracted with the gate closed, by `--force`.
    pub forced: Vec<i64>,
    /// The first migration that could not be contracted, and why (later ones wait for it).
    pub refused: Option<ContractRefusal>,
}

impl Runner {
    /// Run contract phases in version order up to `target` (all when `None`).
    ///
    /// # Errors
    /// [`Error::UnknownVersion`] for a target not on disk; lock, drift and statement errors.
    pub async fn contract(&mut self, target: Option<i64>, force: bool) -> Result<ContractOutcome> {
        self.contract_with(target, force, true).await
    }

    /// Like [`Runner::contract`], for polling a closed gate: a closed decision is not
    /// recorded again in the events log each time it is asked.
    ///
    /// # Errors
    /// As [`Runner::contract`].
    pub async fn poll_contract(
        &mut self,
        target: Option<i64>,
        force: bool,
    ) -> Result<ContractOutcome> {
        self.contract_with(target, force, false).await
    }

    async fn contract_with(
        &mut self,
        target: Option<i64>,
        force: bool,
        record_closed: bool,
    ) -> Result<ContractOutcome> {
        if force && target.is_none() {
            return Err(Error::Refused(
                "forcing a closed gate needs the version whose gate it overrides".into(),
            ));
        }
        if let Some(v) = target {
            let m = self.migrations.get(v).ok_or(Error::UnknownVersion(v))?;
            if m.runnable_phase(PhaseKind::Contract).is_none() {
                return Err(Error::Refused(format!(
                    "migration {v} ({}) has no contract phase",
                    m.name
                )));
            }
        }
        let records = self.lock_both().await?;
        let result = self
            .contract_locked(&records, target, force, record_closed)
            .await;
        self.unlock_both(result).await
    }

    async fn contract_locked(
        &mut self,
        records: &[Record],
        target: Option<i64>,
        force: bool,
        record_closed: bool,
    ) -> Result<ContractOutcome> {
        let mut outcome = ContractOutcome::default();
        let checked = self.migrations.clone();
        let migrations: Vec<&Migration> = checked
            .migrations()
            .iter()
            .filter(|m| target.is_none_or(|t| m.version <= t))
            .collect();
        for &migration in &migrations {
            let record = record_of(records, migration.version);
            let state = lifecycle::state_of(record);
            let refuse = |reason: String, gate_closed: bool| ContractRefusal {
                version: migration.version,
                name: migration.name.clone(),
                reason,
                gate_closed,
            };
            let resume_from = match lifecycle::contract_from(migration, record) {
                Ok(Some(from)) => from,
                Ok(None) => continue,
                Err(reason) => {
                    outcome.refused = Some(refuse(reason, false));
                    break;
                }
            };
            if let Some(reason) = self.rows_left_behind(migration.version, state).await? {
                outcome.refused = Some(refuse(reason, false));
                break;
            }
            let forced = match self
                .gate_allows(migration, target, force, record_closed)
                .await?
            {
                Ok(forced) => forced,
                Err(reason) => {
                    outcome.refused = Some(refuse(reason, true));
                    break;
                }
            };
            let left = contract_statements(migration, resume_from);
            let needed = preflight::conditions(left, self.db.dialect());
            if let Some(reason) = self.preflight(migration, &needed).await? {
                outcome.refused = Some(refuse(reason, false));
                break;
            }
            let forcing = force && target == Some(migration.version);
            if let Some(reason) = self.losses(migration, left, &needed, forcing).await? {
                outcome.refused = Some(refuse(reason, false));
                break;
            }
            if forced {
                outcome.forced.push(migration.version);
            }
            if let Some(req) = migration
                .phase(PhaseKind::Contract)
                .and_then(|p| p.directives.requires_app.as_ref())
            {
                store::record_requirement(self.db.as_mut(), migration.version, &req.to_string())
                    .await?;
            }
            outcome.applied.push(
                self.run_phase(migration, PhaseKind::Contract, resume_from)
                    .await?,
            );
        }
        Ok(outcome)
    }
}

/// The statements of `migration`'s contract still to run, from `resume_from`.
fn contract_statements(migration: &Migration, resume_from: usize) -> &[crate::sql::Statement] {
    migration.phase(PhaseKind::Contract).map_or(&[], |p| {
        &p.statements[resume_from.min(p.statements.len())..]
    })
}

impl Runner {
    /// Why the contract of `migration` would fail on the data as it is: the first of the
    /// conditions its statements need (`needed`) that rows break.
    async fn preflight(
        &mut self,
        migration: &Migration,
        needed: &[preflight::Needed],
    ) -> Result<Option<String>> {
        for needed in needed {
            let n = db::preflight::violations(self.db.as_mut(), &needed.condition).await?;
            if n == 0 {
                continue;
            }
            let count = if n >= db::preflight::CAP {
                format!("{} or more", db::preflight::CAP)
            } else {
                n.to_string()
            };
            return Ok(Some(format!(
                "{count} {} ({}:{}): the contract would fail there; fix the data and run it again (nothing was changed)",
                needed.condition.describe(),
                migration.file_of(PhaseKind::Contract),
                needed.line
            )));
        }
        Ok(None)
    }

    /// Whether the contract drops a column whose replacement (the column its backfill filled
    /// from it) lacks its NOT NULL or UNIQUE and the contract does not add them: the reason
    /// to refuse, unless `forcing` (then it is logged).
    async fn losses(
        &mut self,
        migration: &Migration,
        statements: &[crate::sql::Statement],
        added: &[preflight::Needed],
        forcing: bool,
    ) -> Result<Option<String>> {
        let backfill = migration
            .phase(PhaseKind::Backfill)
            .and_then(|p| p.statements.first());
        for r in preflight::replaced(statements, backfill, self.db.dialect()) {
            let lost =
                db::preflight::lost_properties(self.db.as_mut(), &r.table, &r.old, &r.new).await?;
            let lost: Vec<&str> = lost
                .into_iter()
                .filter(|p| !preflight::adds(added, &r.new, p))
                .collect();
            if lost.is_empty() {
                continue;
            }
            let reason = format!(
                "dropping {}.{} ({}:{}) loses its {}: its replacement {} does not have it and the contract does not add it; add it in the contract (or the expand), or pass --force {} to drop it anyway",
                r.table,
                r.old,
                migration.file_of(PhaseKind::Contract),
                r.line,
                lost.join(" and "),
                r.new,
                migration.version
            );
            if !forcing {
                return Ok(Some(reason));
            }
            tracing::warn!(
                "{} {}: {reason} (forced)",
                migration.version,
                migration.name
            );
        }
        Ok(None)
    }

    /// Why a backfilled migration may not contract yet: rows still match its backfill
    /// predicate (left behind by the backfill or the expand phase's triggers), and the
    /// contract would lose their data.
    async fn rows_left_behind(&mut self, version: i64, state: State) -> Result<Option<String>> {
        if state != State::Backfilled {
            return Ok(None);
        }
        let Some(n @ 1..) = self.backfill_remaining(version).await? else {
            return Ok(None);
        };
        let count = if n >= 1000 {
            "1000 or more".to_string()
        } else {
            n.to_string()
        };
        Ok(Some(format!(
            "{count} rows still match the backfill predicate (rows the backfill or the expand-phase triggers left behind); \
             fix them (or the triggers) and check again: the contract would lose their data"
        )))
    }

    /// Ask the gate about `migration`'s contract and record its decision: `Ok(false)` when
    /// it is open, `Ok(true)` when it is closed but forced (recorded as such), `Err(reason)`
    /// when it is closed.
    async fn gate_allows(
        &mut self,
        migration: &Migration,
        target: Option<i64>,
        force: bool,
        record_closed: bool,
    ) -> Result<std::result::Result<bool, String>> {
        let contract = migration.phase(PhaseKind::Contract).map(|p| &p.directives);
        let decision = gate::evaluate(self.db.as_mut(), contract, &self.settings.gate).await?;
        let event = |kind, detail| Event {
            kind,
            version: Some(migration.version),
            actor: &self.settings.actor,
            detail,
        };
        if decision.open || record_closed {
            let detail = serde_json::to_value(&decision).unwrap_or_default();
            store::record_event(self.db.as_mut(), &event("gate", detail)).await?;
        }
        if decision.open {
            return Ok(Ok(false));
        }
        if !(force && target == Some(migration.version)) {
            return Ok(Err(format!("gate closed: {}", decision.reason)));
        }
        tracing::warn!(
            "{} {}: gate closed ({}); contracting anyway (forced)",
            migration.version,
            migration.name,
            decision.reason
        );
        let detail = serde_json::json!({ "overrode": decision.reason, "host": self.settings.host });
        store::record_event(self.db.as_mut(), &event("force", detail)).await?;
        Ok(Ok(true))
    }

    /// The gate's decision for the contract of `version`, or of the first migration whose
    /// contract has not run. `None` when no contract is pending.
    ///
    /// # Errors
    /// [`Error::UnknownVersion`]; database errors.
    pub async fn gate_check(
        &mut self,
        version: Option<i64>,
    ) -> Result<Option<(i64, String, gate::Decision)>> {
        let records = crate::db::store::records(self.db.as_mut()).await?;
        let pending = self.migrations().iter().find(|m| {
            let record = record_of(&records, m.version);
            !matches!(lifecycle::contract_from(m, record), Ok(None))
                && version.is_none_or(|v| v == m.version)
        });
        if let Some(m) = version.and_then(|v| self.migrations().iter().find(|m| m.version == v)) {
            if m.runnable_phase(PhaseKind::Contract).is_none() {
                return Err(Error::Refused(format!(
                    "migration {} ({}) has no contract phase",
                    m.version, m.name
                )));
            }
        }
        let Some(migration) = pending.cloned() else {
            return match version {
                Some(v) if !self.migrations().iter().any(|m| m.version == v) => {
                    Err(Error::UnknownVersion(v))
                }
                _ => Ok(None),
            };
        };
        let contract = migration.phase(PhaseKind::Contract).map(|p| &p.directives);
        let decision = gate::evaluate(self.db.as_mut(), contract, &self.settings.gate).await?;
        Ok(Some((migration.version, migration.name, decision)))
    }
}
