//! Drift: an applied phase whose statements changed on disk since it ran. Refused, with a
//! line diff, unless explicitly allowed.

use crate::db::{Record, State};
use crate::migration::normalized_sql;
use crate::sql::split;
use crate::{Dialect, Error, Migration, Result};

/// Check every recorded phase against the files. A phase that stopped half way is compared
/// only on the statements that ran: fixing the statement that failed is not drift.
///
/// # Errors
/// [`Error::Drift`] for the first changed phase, unless `allow` (then it is logged).
pub fn check(
    migrations: &[Migration],
    records: &[Record],
    dialect: Dialect,
    allow: bool,
) -> Result<()> {
    for record in records {
        let Some(migration) = migrations.iter().find(|m| m.version == record.version) else {
            continue;
        };
        for (kind, applied) in &record.phases {
            let on_disk = migration
                .phase(*kind)
                .map(|p| p.statements.clone())
                .unwrap_or_default();
            let (applied_sql, sql) = if record.state == State::running(*kind) {
                let ran = split(&applied.sql, dialect, 1).unwrap_or_default();
                let n = record.statements_done.min(ran.len());
                (
                    normalized_sql(&ran[..n]),
                    normalized_sql(&on_disk[..n.min(on_disk.len())]),
                )
            } else {
                (applied.sql.clone(), normalized_sql(&on_disk))
            };
            if applied_sql == sql {
                continue;
            }
            if allow {
                tracing::warn!(
                    "{} {}: the {kind} phase changed since it was applied (--allow-drift)",
                    migration.version,
                    migration.name
                );
                continue;
            }
            return Err(Error::Drift {
                version: migration.version,
                name: migration.name.clone(),
                phase: *kind,
                diff: diff(&applied_sql, &sql, migration.file_of(*kind)),
            });
        }
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
