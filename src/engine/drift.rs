//! Drift: an applied phase whose statements changed on disk since it ran. Refused, with a
//! line diff, unless explicitly allowed.

use crate::db::{Record, State};
use crate::migration::normalized_sql;
use crate::sql::split;
use crate::{Dialect, Error, Migration, PhaseKind, Result};

/// A phase whose statements changed on disk since they ran.
pub(crate) struct Drifted {
    /// The phase.
    pub(crate) phase: PhaseKind,
    /// Its statements as they ran.
    applied: String,
    /// As they are on disk.
    on_disk: String,
}

/// The first phase of `migration` that changed since `record` says it ran. A phase that
/// stopped half way is compared only on the statements that ran: fixing the statement that
/// failed is not drift. A backfill that committed a batch (`backfill_started`) has run its
/// statement: changing it half way would leave rows holding a mix of both versions.
pub(crate) fn find(
    migration: &Migration,
    record: &Record,
    dialect: Dialect,
    backfill_started: bool,
) -> Option<Drifted> {
    record.phases.iter().find_map(|(kind, applied)| {
        let on_disk = migration
            .phase(*kind)
            .map(|p| p.statements.clone())
            .unwrap_or_default();
        let (applied, on_disk) = if record.state == State::running(*kind) {
            let ran = split(&applied.sql, dialect, 1).unwrap_or_default();
            let done = match kind {
                PhaseKind::Backfill if backfill_started => 1,
                _ => record.statements_done,
            };
            let n = done.min(ran.len());
            (
                normalized_sql(&ran[..n]),
                normalized_sql(&on_disk[..n.min(on_disk.len())]),
            )
        } else {
            (applied.sql.clone(), normalized_sql(&on_disk))
        };
        (applied != on_disk).then_some(Drifted {
            phase: *kind,
            applied,
            on_disk,
        })
    })
}

/// Check every recorded phase against the files.
///
/// # Errors
/// [`Error::Drift`] for the first changed phase, unless `allow` (then it is logged).
pub(super) fn check(
    migrations: &[Migration],
    records: &[Record],
    started_backfills: &[i64],
    dialect: Dialect,
    allow: bool,
) -> Result<()> {
    for record in records {
        let Some(migration) = migrations.iter().find(|m| m.version == record.version) else {
            continue;
        };
        let started = started_backfills.contains(&record.version);
        let Some(d) = find(migration, record, dialect, started) else {
            continue;
        };
        if allow {
            tracing::warn!(
                "{} {}: the {} phase changed since it was applied (drift allowed)",
                migration.version,
                migration.name,
                d.phase
            );
            continue;
        }
        return Err(Error::Drift {
            version: migration.version,
            name: migration.name.clone(),
            phase: d.phase,
            diff: diff(&d.applied, &d.on_disk, migration.file_of(d.phase)),
        });
    }
    Ok(())
}

/// A unified diff, applied → on disk.
fn diff(applied: &str, on_disk: &str, file: &str) -> String {
    similar::TextDiff::from_lines(applied, on_disk)
        .unified_diff()
        .context_radius(2)
        .header("as applied", file)
        .to_string()
}
