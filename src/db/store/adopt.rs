//! Migrations another tool ran, recorded as applied: each phase the file has is written as
//! done (the tool ran the whole file), all of them in one transaction with one event.

use crate::db::types::{Event, Progress};
use crate::db::Backend;
use crate::migration::checksum;
use crate::{Migration, PhaseKind, Result};

/// Who adopts, and from what (for the events log).
pub(crate) struct Adoption<'a> {
    /// Who runs the adoption.
    pub(crate) actor: &'a str,
    /// On which host.
    pub(crate) host: &'a str,
    /// Where the history came from, for the event (e.g. `sqlx` or `baseline`).
    pub(crate) from: &'a str,
}

/// Record `migrations` as run to their end (expand, then backfill and contract where the
/// file has them), in one transaction.
///
/// # Errors
/// Database errors (nothing is recorded then).
pub(crate) async fn record_adopted(
    db: &mut dyn Backend,
    migrations: &[&Migration],
    who: &Adoption<'_>,
) -> Result<()> {
    db.execute("BEGIN").await?;
    let written = write_all(db, migrations, who).await;
    let end = if written.is_ok() {
        "COMMIT"
    } else {
        "ROLLBACK"
    };
    let ended = db.execute(end).await;
    written?;
    ended
}

async fn write_all(
    db: &mut dyn Backend,
    migrations: &[&Migration],
    who: &Adoption<'_>,
) -> Result<()> {
    let empty = checksum("");
    for m in migrations {
        for kind in [PhaseKind::Expand, PhaseKind::Backfill, PhaseKind::Contract] {
            let phase = m.phase(kind);
            if kind != PhaseKind::Expand && m.runnable_phase(kind).is_none() {
                continue;
            }
            let sql = phase.map(crate::Phase::normalized_sql).unwrap_or_default();
            let progress = Progress {
                version: m.version,
                name: &m.name,
                phase: kind,
                statements_done: phase.map_or(0, |p| p.statements.len()),
                finished: true,
                checksum: phase.map_or(&empty, |p| &p.checksum),
                sql: &sql,
                actor: who.actor,
                host: who.host,
            };
            super::write_progress(db, &progress).await?;
        }
    }
    let versions: Vec<i64> = migrations.iter().map(|m| m.version).collect();
    let event = Event {
        kind: "adopt",
        version: None,
        actor: who.actor,
        detail: serde_json::json!({ "from": who.from, "versions": versions }),
    };
    super::record_event(db, &event).await
}
