//! The migration lifecycle, decided once: given a migration's file and its recorded state,
//! which phases remain (with their resume points), what each command may do with it, and
//! what `status` tells the user. Pure — no database — so every command agrees and the rules
//! are unit-tested in milliseconds (see the tests below).
//!
//! ```text
//! pending ─expand─▶ expanding ─▶ expanded ─backfill─▶ backfilling ─▶ backfilled
//!                                   │  (no backfill section)             │
//!                                   └──────────────contract─────────────┴─▶ contracting ─▶ contracted
//! expanding | expanded | backfilling | backfilled ─abort─▶ aborting ─▶ aborted
//! ```

use super::status::Next;
use crate::db::{Record, State};
use crate::{Error, Migration, PhaseKind};

/// The state of a migration (pending when never recorded).
pub(crate) fn state_of(record: Option<&Record>) -> State {
    record.map_or(State::Pending, |r| r.state)
}

/// The phases still to run, in order, each with the statement to resume at. The expand
/// phase is listed even when it has no statements (running it records the migration), and
/// so is a phase that stopped half way; the others only when they have statements.
pub(crate) fn remaining(m: &Migration, record: Option<&Record>) -> Vec<(PhaseKind, usize)> {
    let done = record.map_or(0, |r| r.statements_done);
    let listed: &[(PhaseKind, bool)] = match state_of(record) {
        State::Pending => &[
            (PhaseKind::Expand, false),
            (PhaseKind::Backfill, false),
            (PhaseKind::Contract, false),
        ],
        State::Expanding => &[
            (PhaseKind::Expand, true),
            (PhaseKind::Backfill, false),
            (PhaseKind::Contract, false),
        ],
        State::Expanded => &[(PhaseKind::Backfill, false), (PhaseKind::Contract, false)],
        State::Backfilling => &[(PhaseKind::Backfill, true), (PhaseKind::Contract, false)],
        State::Backfilled => &[(PhaseKind::Contract, false)],
        State::Contracting => &[(PhaseKind::Contract, true)],
        State::Aborting => &[(PhaseKind::Down, true)],
        State::Contracted | State::Aborted => &[],
    };
    listed
        .iter()
        .filter(|(kind, resumes)| {
            *kind == PhaseKind::Expand || *resumes || m.runnable_phase(*kind).is_some()
        })
        .map(|&(kind, resumes)| (kind, if resumes { done } else { 0 }))
        .collect()
}

/// `expand`: the statement to start the expand phase at, `None` when it already ran.
pub(crate) fn expand_from(m: &Migration, record: Option<&Record>) -> Option<usize> {
    match remaining(m, record).first() {
        Some(&(PhaseKind::Expand, from)) => Some(from),
        _ => None,
    }
}

/// What `backfill` does with a migration that has a backfill section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BackfillStart {
    /// Run it (or resume it from its checkpoints).
    Run,
    /// It finished, but was asked for by version: walk the whole key range again.
    Rerun,
    /// Nothing to do.
    Skip,
}

/// `backfill` (of every migration, or of `target` only).
///
/// # Errors
/// [`Error::Refused`] when `target` names a migration not expanded yet.
pub(crate) fn backfill_start(
    m: &Migration,
    record: Option<&Record>,
    target: Option<i64>,
) -> Result<BackfillStart, Error> {
    let asked = target == Some(m.version);
    match state_of(record) {
        State::Expanded | State::Backfilling => Ok(BackfillStart::Run),
        // Asked by version after it finished: rows may still match (fixed by hand, missed by
        // a trigger).
        State::Backfilled if asked => Ok(BackfillStart::Rerun),
        State::Pending | State::Expanding if asked => Err(Error::Refused(format!(
            "migration {} ({}) is not expanded yet; run `bellows expand` (or `bellows up`) first",
            m.version, m.name
        ))),
        _ => Ok(BackfillStart::Skip),
    }
}

/// `contract`: `Ok(Some(from))` when the contract may run (gate permitting) from statement
/// `from`; `Ok(None)` when there is nothing to contract (no contract section, already
/// contracted or aborted); `Err(reason)` when an earlier phase must finish first.
pub(crate) fn contract_from(
    m: &Migration,
    record: Option<&Record>,
) -> Result<Option<usize>, String> {
    if m.runnable_phase(PhaseKind::Contract).is_none() {
        return Ok(None);
    }
    match remaining(m, record).first() {
        None => Ok(None),
        Some(&(PhaseKind::Contract, from)) => Ok(Some(from)),
        Some((PhaseKind::Expand, _)) => {
            Err("its expand phase has not completed; run `bellows expand` first".into())
        }
        Some((PhaseKind::Backfill, _)) => Err(
            "its backfill has not completed; run `bellows backfill` (the contract waits until every row is backfilled)"
                .into(),
        ),
        Some((PhaseKind::Down, _)) => Err("it is being aborted; finish with `bellows abort`".into()),
    }
}

/// `abort`: the statement to start the down phase at.
///
/// # Errors
/// [`Error::Refused`] when the migration was never expanded, is (being) contracted, or is
/// already aborted.
pub(crate) fn abort_from(m: &Migration, record: Option<&Record>) -> Result<usize, Error> {
    let version = m.version;
    match state_of(record) {
        State::Expanding | State::Expanded | State::Backfilling | State::Backfilled => Ok(0),
        State::Aborting => Ok(record.map_or(0, |r| r.statements_done)),
        State::Pending => Err(Error::Refused(format!(
            "migration {version} has not been expanded; nothing to abort"
        ))),
        state @ (State::Contracting | State::Contracted) => Err(Error::Refused(format!(
            "migration {version} is {state}: its old schema is gone; write a new migration instead"
        ))),
        State::Aborted => Err(Error::Refused(format!(
            "migration {version} is already aborted"
        ))),
    }
}

/// What `status` says comes next. `drifted` is the phase whose file changed since it ran,
/// if any: every command refuses the migration until the file is restored (or
/// `--allow-drift`).
pub(crate) fn next(m: &Migration, record: Option<&Record>, drifted: Option<PhaseKind>) -> Next {
    if let Some(phase) = drifted {
        return Next::Drifted { phase };
    }
    let statement = |from: usize| from + 1;
    match remaining(m, record).first() {
        Some(&(PhaseKind::Expand, 0)) => Next::Expand,
        Some(&(PhaseKind::Expand, from)) => Next::ResumeExpand {
            statement: statement(from),
        },
        Some((PhaseKind::Backfill, _)) => Next::Backfill,
        Some(&(PhaseKind::Contract, 0)) => Next::Contract {
            requires_app: m
                .phase(PhaseKind::Contract)
                .and_then(|p| p.directives.get("requires-app"))
                .map(str::to_string),
        },
        Some(&(PhaseKind::Contract, from)) => Next::ResumeContract {
            statement: statement(from),
        },
        Some(&(PhaseKind::Down, from)) => Next::ResumeAbort {
            statement: statement(from),
        },
        None if state_of(record) == State::Aborted => Next::Aborted,
        None => Next::Done,
    }
}

/// Refuse a folder that shares no migration with a database that has some: the wrong
/// `--migrations` would otherwise answer "nothing to do" (or apply the wrong files).
///
/// # Errors
/// [`Error::ForeignFolder`].
pub(crate) fn same_folder(migrations: &[Migration], records: &[Record]) -> Result<(), Error> {
    let shared = records
        .iter()
        .any(|r| migrations.iter().any(|m| m.version == r.version));
    if records.is_empty() || shared {
        return Ok(());
    }
    Err(Error::ForeignFolder {
        applied: records.len(),
        on_disk: migrations.len(),
    })
}

/// The first pending migration older than one already applied, with the latest applied
/// one: `expand` refuses it unless out-of-order runs are allowed.
pub(crate) fn first_out_of_order(
    migrations: &[Migration],
    records: &[Record],
) -> Option<(i64, i64)> {
    let later = records.iter().map(|r| r.version).max()?;
    migrations
        .iter()
        .find(|m| out_of_order(m, records))
        .map(|m| (m.version, later))
}

/// Whether `m` is pending while a later migration has already been expanded (a branch
/// merged late): `expand` applies it anyway, after the later one, and `status` says so.
pub(crate) fn out_of_order(m: &Migration, records: &[Record]) -> bool {
    let pending = records.iter().all(|r| r.version != m.version);
    pending && records.iter().any(|r| r.version > m.version)
}

#[cfg(test)]
mod tests;
