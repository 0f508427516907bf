//! bellows' own state tables (DESIGN §2), shared by both backends: their DDL per state-schema
//! version, and the SQL that reads and writes them. PostgreSQL keeps them in schema
//! `bellows`; MySQL in tables prefixed `bellows_`.

use super::types::{AppliedPhase, Progress, Record, State};
use crate::{Dialect, PhaseKind};
use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Decode, Row, Type};

/// The newest state-schema version this build writes. Each entry of [`upgrades`] moves the
/// schema one version up; a database at an older version is upgraded in place.
pub const SCHEMA_VERSION: i64 = 3;

/// A state table's qualified name.
#[must_use]
pub fn table(dialect: Dialect, name: &str) -> String {
    if dialect == Dialect::Postgres {
        format!("bellows.{name}")
    } else {
        format!("bellows_{name}")
    }
}

/// Statements creating the meta table that holds the state-schema version.
#[must_use]
pub fn bootstrap(dialect: Dialect) -> Vec<String> {
    if dialect == Dialect::Postgres {
        vec![
            "CREATE SCHEMA IF NOT EXISTS bellows".into(),
            "CREATE TABLE IF NOT EXISTS bellows.meta (k text PRIMARY KEY, v text NOT NULL)".into(),
        ]
    } else {
        vec![
            "CREATE TABLE IF NOT EXISTS bellows_meta (k varchar(64) PRIMARY KEY, v text NOT NULL)"
                .into(),
        ]
    }
}

/// The statements of each state-schema version: `upgrades(d)[i]` moves version `i` to `i+1`.
#[must_use]
pub fn upgrades(dialect: Dialect) -> Vec<Vec<String>> {
    let pg = dialect == Dialect::Postgres;
    let (ts, text, key, serial) = if pg {
        ("timestamptz", "text", "text", "bigserial")
    } else {
        (
            "datetime(6)",
            "text",
            "varchar(255)",
            "bigint AUTO_INCREMENT",
        )
    };
    let t = |n: &str| table(dialect, n);
    let phase_cols: String = PhaseKind::ALL
        .iter()
        .map(|k| {
            format!(
                "{p}_checksum {key}, {p}_sql {text}, {done} {ts}, ",
                p = k.as_str(),
                done = done_column(*k)
            )
        })
        .collect();
    let v1 = vec![
        format!(
            "CREATE TABLE IF NOT EXISTS {} (version bigint PRIMARY KEY, name {key} NOT NULL, state {key} NOT NULL, \
             statements_done integer NOT NULL DEFAULT 0, {phase_cols}updated_at {ts} NOT NULL, \
             applied_by {key} NOT NULL, applied_host {key} NOT NULL)",
            t("migrations")
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {} (id {serial} PRIMARY KEY, at {ts} NOT NULL, kind {key} NOT NULL, version bigint, \
             actor {key} NOT NULL, detail {text} NOT NULL)",
            t("events")
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {} (id {serial} PRIMARY KEY, app_version {key} NOT NULL, recorded_at {ts} NOT NULL, \
             recorded_by {key} NOT NULL)",
            t("rollouts")
        ),
    ];
    let v2 = vec![format!(
        "CREATE TABLE IF NOT EXISTS {} (id {key} PRIMARY KEY, app_name {key} NOT NULL, app_version {key} NOT NULL, \
         host {key} NOT NULL, started_at {ts} NOT NULL, heartbeat_at {ts} NOT NULL, stopped_at {ts})",
        t("app_instances")
    )];
    let v3 = vec![format!(
        "CREATE TABLE IF NOT EXISTS {} (version bigint NOT NULL, part integer NOT NULL, key_columns {text} NOT NULL, max_key {text}, \
         last_key {text}, rows_done bigint NOT NULL DEFAULT 0, keys_done bigint NOT NULL DEFAULT 0, \
         rows_estimate bigint NOT NULL DEFAULT 0, batch_size bigint NOT NULL, batches bigint NOT NULL DEFAULT 0, \
         started_at {ts} NOT NULL, updated_at {ts} NOT NULL, finished_at {ts}, PRIMARY KEY (version, part))",
        t("backfill_progress")
    )];
    vec![v1, v2, v3]
}

/// The column holding when `kind` finished.
fn done_column(kind: PhaseKind) -> &'static str {
    match kind {
        PhaseKind::Expand => "expanded_at",
        PhaseKind::Backfill => "backfilled_at",
        PhaseKind::Contract => "contracted_at",
        PhaseKind::Down => "aborted_at",
    }
}

/// SQL for "now" in UTC.
#[must_use]
pub fn now(dialect: Dialect) -> &'static str {
    if dialect == Dialect::Postgres {
        "now()"
    } else {
        "UTC_TIMESTAMP(6)"
    }
}

/// A timestamp column as epoch milliseconds (so both backends decode the same way).
#[must_use]
pub fn epoch_ms(dialect: Dialect, col: &str) -> String {
    if dialect == Dialect::Postgres {
        format!("CAST(EXTRACT(EPOCH FROM {col}) * 1000 AS bigint)")
    } else {
        format!("CAST(TIMESTAMPDIFF(MICROSECOND, '1970-01-01', {col}) DIV 1000 AS SIGNED)")
    }
}

/// Placeholder `n` (1-based).
#[must_use]
pub fn ph(dialect: Dialect, n: usize) -> String {
    if dialect == Dialect::Postgres {
        format!("${n}")
    } else {
        "?".into()
    }
}

/// `SELECT` of every migration record, in version order.
#[must_use]
pub fn select_records(dialect: Dialect) -> String {
    let phase_cols: String = PhaseKind::ALL
        .iter()
        .map(|k| {
            format!(
                "{p}_checksum, {p}_sql, {done}, ",
                p = k.as_str(),
                done = epoch_ms(dialect, done_column(*k))
            )
        })
        .collect();
    format!(
        "SELECT version, name, state, statements_done, {phase_cols}{}, applied_by, applied_host FROM {} ORDER BY version",
        epoch_ms(dialect, "updated_at"),
        table(dialect, "migrations")
    )
}

/// Decode a row of [`select_records`].
///
/// # Errors
/// A decode error, or an unknown state name.
pub fn record_from_row<R>(row: &R) -> Result<Record, sqlx::Error>
where
    R: Row,
    usize: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<String>: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i32: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<i64>: Decode<'r, R::Database> + Type<R::Database>,
{
    let state: String = row.try_get(2)?;
    let state = State::parse(&state)
        .ok_or_else(|| sqlx::Error::Decode(format!("unknown state `{state}`").into()))?;
    let mut phases = Vec::new();
    for (i, kind) in PhaseKind::ALL.into_iter().enumerate() {
        let base = 4 + i * 3;
        let checksum: Option<String> = row.try_get(base)?;
        if let Some(checksum) = checksum {
            let sql: Option<String> = row.try_get(base + 1)?;
            let finished: Option<i64> = row.try_get(base + 2)?;
            phases.push((
                kind,
                AppliedPhase {
                    checksum,
                    sql: sql.unwrap_or_default(),
                    finished_at: finished.map(from_ms),
                },
            ));
        }
    }
    let done: i32 = row.try_get(3)?;
    Ok(Record {
        version: row.try_get(0)?,
        name: row.try_get(1)?,
        state,
        statements_done: usize::try_from(done).unwrap_or(0),
        phases,
        updated_at: from_ms(row.try_get(16)?),
        applied_by: row.try_get(17)?,
        applied_host: row.try_get(18)?,
    })
}

fn from_ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Upsert of a progress write; binds, in order: version, name, state, statements_done,
/// checksum, sql, finished (bool), actor, host.
#[must_use]
pub fn upsert_progress(dialect: Dialect, phase: PhaseKind) -> String {
    let p = phase.as_str();
    let done = done_column(phase);
    let now = now(dialect);
    let cols = format!("version, name, state, statements_done, {p}_checksum, {p}_sql, {done}, updated_at, applied_by, applied_host");
    let v = |n| ph(dialect, n);
    let values = format!(
        "{}, {}, {}, {}, {}, {}, CASE WHEN {} THEN {now} END, {now}, {}, {}",
        v(1),
        v(2),
        v(3),
        v(4),
        v(5),
        v(6),
        v(7),
        v(8),
        v(9)
    );
    let updated = [
        "name",
        "state",
        "statements_done",
        &format!("{p}_checksum"),
        &format!("{p}_sql"),
        done,
        "updated_at",
        "applied_by",
        "applied_host",
    ];
    let set: Vec<String> = if dialect == Dialect::Postgres {
        updated
            .iter()
            .map(|c| format!("{c} = EXCLUDED.{c}"))
            .collect()
    } else {
        updated
            .iter()
            .map(|c| format!("{c} = VALUES({c})"))
            .collect()
    };
    let conflict = if dialect == Dialect::Postgres {
        "ON CONFLICT (version) DO UPDATE SET"
    } else {
        "ON DUPLICATE KEY UPDATE"
    };
    format!(
        "INSERT INTO {} ({cols}) VALUES ({values}) {conflict} {}",
        table(dialect, "migrations"),
        set.join(", ")
    )
}

/// The state a progress write leaves the migration in.
#[must_use]
pub fn progress_state(p: &Progress<'_>) -> State {
    if p.finished {
        State::done(p.phase)
    } else {
        State::running(p.phase)
    }
}

/// Insert of an event; binds kind, version, actor, detail.
#[must_use]
pub fn insert_event(dialect: Dialect) -> String {
    format!(
        "INSERT INTO {} (at, kind, version, actor, detail) VALUES ({}, {}, {}, {}, {})",
        table(dialect, "events"),
        now(dialect),
        ph(dialect, 1),
        ph(dialect, 2),
        ph(dialect, 3),
        ph(dialect, 4)
    )
}

/// Insert of a rollout; binds app_version, recorded_by.
#[must_use]
pub fn insert_rollout(dialect: Dialect) -> String {
    format!(
        "INSERT INTO {} (app_version, recorded_at, recorded_by) VALUES ({}, {}, {})",
        table(dialect, "rollouts"),
        ph(dialect, 1),
        now(dialect),
        ph(dialect, 2)
    )
}

/// The latest rollout: app_version, recorded_at (epoch ms), recorded_by.
#[must_use]
pub fn select_latest_rollout(dialect: Dialect) -> String {
    format!(
        "SELECT app_version, {}, recorded_by FROM {} ORDER BY id DESC LIMIT 1",
        epoch_ms(dialect, "recorded_at"),
        table(dialect, "rollouts")
    )
}

/// Read the latest rollout row.
///
/// # Errors
/// A decode error.
pub fn rollout_from_row<R>(row: &R) -> Result<super::types::Rollout, sqlx::Error>
where
    R: Row,
    usize: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(super::types::Rollout {
        app_version: row.try_get(0)?,
        recorded_at: from_ms(row.try_get(1)?),
        recorded_by: row.try_get(2)?,
    })
}

/// Insert of an app instance; binds id, app_name, app_version, host.
#[must_use]
pub fn insert_instance(dialect: Dialect) -> String {
    let now = now(dialect);
    format!(
        "INSERT INTO {} (id, app_name, app_version, host, started_at, heartbeat_at) VALUES ({}, {}, {}, {}, {now}, {now})",
        table(dialect, "app_instances"),
        ph(dialect, 1),
        ph(dialect, 2),
        ph(dialect, 3),
        ph(dialect, 4)
    )
}

/// Heartbeat of a running instance; binds id.
#[must_use]
pub fn touch_instance(dialect: Dialect) -> String {
    format!(
        "UPDATE {} SET heartbeat_at = {} WHERE id = {} AND stopped_at IS NULL",
        table(dialect, "app_instances"),
        now(dialect),
        ph(dialect, 1)
    )
}

/// Mark an instance stopped; binds id.
#[must_use]
pub fn stop_instance(dialect: Dialect) -> String {
    format!(
        "UPDATE {} SET stopped_at = {} WHERE id = {}",
        table(dialect, "app_instances"),
        now(dialect),
        ph(dialect, 1)
    )
}

/// Every instance with its times as epoch ms and the server's now (so ages use one clock).
#[must_use]
pub fn select_instances(dialect: Dialect) -> String {
    format!(
        "SELECT id, app_name, app_version, host, {}, {}, {}, {} FROM {} ORDER BY started_at",
        epoch_ms(dialect, "started_at"),
        epoch_ms(dialect, "heartbeat_at"),
        epoch_ms(dialect, "stopped_at"),
        epoch_ms(dialect, now(dialect)),
        table(dialect, "app_instances")
    )
}

/// Delete instances silent for longer than a grace period; binds the grace in seconds.
#[must_use]
pub fn prune_instances(dialect: Dialect) -> String {
    let cutoff = if dialect == Dialect::Postgres {
        "now() - make_interval(secs => $1)".to_string()
    } else {
        "UTC_TIMESTAMP(6) - INTERVAL ? SECOND".to_string()
    };
    format!(
        "DELETE FROM {} WHERE heartbeat_at < {cutoff}",
        table(dialect, "app_instances")
    )
}

/// Decode a row of [`select_instances`].
///
/// # Errors
/// A decode error.
pub fn instance_from_row<R>(row: &R) -> Result<super::types::Instance, sqlx::Error>
where
    R: Row,
    usize: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<i64>: Decode<'r, R::Database> + Type<R::Database>,
{
    let heartbeat: i64 = row.try_get(5)?;
    let now: i64 = row.try_get(7)?;
    Ok(super::types::Instance {
        id: row.try_get(0)?,
        app_name: row.try_get(1)?,
        app_version: row.try_get(2)?,
        host: row.try_get(3)?,
        started_at: from_ms(row.try_get(4)?),
        heartbeat_at: from_ms(heartbeat),
        stopped_at: row.try_get::<Option<i64>, _>(6)?.map(from_ms),
        heartbeat_age: std::time::Duration::from_millis(
            u64::try_from(now - heartbeat).unwrap_or(0),
        ),
    })
}
