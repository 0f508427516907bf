//! `contract`: destructive phases in version order, each only when its migration is ready
//! (expanded, and backfilled with zero rows left matching the backfill predicate if it has
//! a backfill) and its gate passes. `--force` overrides
//! the gate, never readiness, and is recorded.

use super::expand::Applied;
use super::{lifecycle, record_of, Runner};
use crate::db::{store, Event, Record, State};
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
                "--force needs the VERSION whose gate it overrides".into(),
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
        let records = self.lock().await?;
        let result = self
            .contract_locked(&records, target, force, record_closed)
            .await;
        self.unlock(result).await
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
            if state == State::Backfilled {
                let remaining = self.backfill_remaining(migration.version).await?;
                if let Some(n @ 1..) = remaining {
                    let count = if n >= 1000 {
                        "1000 or more".to_string()
                    } else {
                        n.to_string()
                    };
                    outcome.refused = Some(refuse(format!(
                        "{count} rows still match the backfill predicate (rows the backfill or the expand-phase triggers left behind); \
                         fix them (or the triggers) and check again: the contract would lose their data"
                    ), false));
                    break;
                }
            }
            let requires = migration
                .phase(PhaseKind::Contract)
                .and_then(|p| p.directives.requires_app.as_ref());
            let decision = gate::evaluate(self.db.as_mut(), requires, &self.settings.gate).await?;
            if decision.open || record_closed {
                let detail = serde_json::to_value(&decision).unwrap_or_default();
                let event = Event {
                    kind: "gate",
                    version: Some(migration.version),
                    actor: &self.settings.actor,
                    detail,
                };
                store::record_event(self.db.as_mut(), &event).await?;
            }
            if !decision.open {
                if !(force && target == Some(migration.version)) {
                    outcome.refused =
                        Some(refuse(format!("gate closed: {}", decision.reason), true));
                    break;
                }
                tracing::warn!(
                    "{} {}: gate closed ({}); contracting anyway (--force)",
                    migration.version,
                    migration.name,
                    decision.reason
                );
                let detail =
                    serde_json::json!({ "overrode": decision.reason, "host": self.settings.host });
                store::record_event(
                    self.db.as_mut(),
                    &Event {
                        kind: "force",
                        version: Some(migration.version),
                        actor: &self.settings.actor,
                        detail,
                    },
                )
                .await?;
                outcome.forced.push(migration.version);
            }
            outcome.applied.push(
                self.run_phase(migration, PhaseKind::Contract, resume_from)
                    .await?,
            );
        }
        Ok(outcome)
    }
}

impl Runner {
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
        let requires = migration
            .phase(PhaseKind::Contract)
            .and_then(|p| p.directives.requires_app.as_ref());
        let decision = gate::evaluate(self.db.as_mut(), requires, &self.settings.gate).await?;
        Ok(Some((migration.version, migration.name, decision)))
    }
}
