//! The `migrations` table: one record per migration with its state, resume point and the
//! checksum and text of each phase that ran; progress writes move it.

use super::schema::done_column;
use super::sql::StateSql;
use super::{has, Table};
use crate::db::types::{AppliedPhase, Progress, Record, State};
use crate::db::{Backend, Bound, Row, SqlValue};
use crate::{Error, PhaseKind, Result};

/// Every migration record, in version order (empty when there is no state yet).
///
/// # Errors
/// Database errors.
pub(crate) async fn records(db: &mut dyn Backend) -> Result<Vec<Record>> {
    if !has(db, Table::Migrations).await? {
        return Ok(Vec::new());
    }
    let s = StateSql(db.dialect());
    let phase_cols: String = PhaseKind::ALL
        .iter()
        .map(|k| {
            format!(
                "{p}_checksum, {p}_sql, {done}, ",
                p = k.as_str(),
                done = s.epoch_ms(done_column(*k))
            )
        })
        .collect();
    let sql = format!(
        "SELECT {}, name, state, {}, {phase_cols}{}, applied_by, applied_host FROM {} ORDER BY version",
        s.text("version"),
        s.text("statements_done"),
        s.epoch_ms("updated_at"),
        s.table("migrations")
    );
    let rows = db.query(&sql, &[]).await?;
    rows.iter().map(record_from_row).collect()
}

fn record_from_row(row: &Row) -> Result<Record> {
    let state = row.text(2);
    let state = State::parse(&state).ok_or_else(|| Error::Database {
        context: "reading migration state".into(),
        source: sqlx::Error::Decode(format!("unknown state `{state}`").into()),
    })?;
    let mut phases = Vec::new();
    for (i, kind) in PhaseKind::ALL.into_iter().enumerate() {
        let base = 4 + i * 3;
        if let Some(checksum) = row.opt_text(base) {
            phases.push((
                kind,
                AppliedPhase {
                    checksum: checksum.to_string(),
                    sql: row.text(base + 1),
                    finished_at: row.opt_time(base + 2)?,
                },
            ));
        }
    }
    Ok(Record {
        version: row.get(0)?,
        name: row.text(1),
        state,
        statements_done: row.get(3)?,
        phases,
        updated_at: row.time(16)?,
        applied_by: row.text(17),
        applied_host: row.text(18),
    })
}

/// The state a progress write leaves the migration in.
fn progress_state(p: &Progress<'_>) -> State {
    if p.finished {
        State::done(p.phase)
    } else {
        State::running(p.phase)
    }
}

/// The upsert that records `p`, to run alone or inside a step's transaction.
pub(crate) fn progress_write(d: crate::Dialect, p: &Progress<'_>) -> Bound {
    let s = StateSql(d);
    let ph = p.phase.as_str();
    let done = done_column(p.phase);
    let now = s.now();
    let cols = format!("version, name, state, statements_done, {ph}_checksum, {ph}_sql, {done}, updated_at, applied_by, applied_host");
    let values = format!(
        "{}, CASE WHEN {} = 1 THEN {now} END, {now}, {}",
        s.phs(1, 6),
        s.ph(7),
        s.phs(8, 2)
    );
    let checksum_col = format!("{ph}_checksum");
    let sql_col = format!("{ph}_sql");
    let updated = [
        "name",
        "state",
        "statements_done",
        &checksum_col,
        &sql_col,
        done,
        "updated_at",
        "applied_by",
        "applied_host",
    ];
    Bound {
        sql: s.upsert("migrations", &cols, &values, "version", &updated),
        binds: vec![
            SqlValue::Int(p.version),
            SqlValue::Text(p.name.to_string()),
            SqlValue::Text(progress_state(p).as_str().to_string()),
            SqlValue::count(p.statements_done as u64),
            SqlValue::Text(p.checksum.to_string()),
            SqlValue::Text(p.sql.to_string()),
            SqlValue::Int(i64::from(p.finished)),
            SqlValue::Text(p.actor.to_string()),
            SqlValue::Text(p.host.to_string()),
        ],
    }
}

/// Write progress on its own.
///
/// # Errors
/// Database errors.
pub(crate) async fn write_progress(db: &mut dyn Backend, p: &Progress<'_>) -> Result<()> {
    let w = progress_write(db.dialect(), p);
    db.execute_with(&w.sql, &w.binds).await.map(drop)
}
