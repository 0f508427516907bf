//! The tables the gate reads and the app writes: the events log, recorded rollouts and
//! registered app instances.

use super::sql::StateSql;
use super::{has, Table};
use crate::db::types::{Event, Instance, InstanceChange, Rollout};
use crate::db::{Backend, Row, SqlValue};
use crate::Result;

/// Append to the events log.
///
/// # Errors
/// Database errors.
pub(crate) async fn record_event(db: &mut dyn Backend, event: &Event<'_>) -> Result<()> {
    let s = StateSql(db.dialect());
    let sql = format!(
        "INSERT INTO {} (at, kind, version, actor, detail) VALUES ({}, {})",
        s.table("events"),
        s.now(),
        s.phs(1, 4)
    );
    let binds = [
        SqlValue::Text(event.kind.to_string()),
        SqlValue::opt_int(event.version),
        SqlValue::Text(event.actor.to_string()),
        SqlValue::Text(event.detail.to_string()),
    ];
    db.execute_with(&sql, &binds).await.map(drop)
}

/// Record a finished rollout of an app (`None`: of every app, as before app names).
///
/// # Errors
/// Database errors.
pub(crate) async fn record_rollout(
    db: &mut dyn Backend,
    app: Option<&str>,
    app_version: &str,
    actor: &str,
) -> Result<()> {
    let s = StateSql(db.dialect());
    let sql = format!(
        "INSERT INTO {} (app_name, app_version, recorded_at, recorded_by) VALUES ({}, {}, {}, {})",
        s.table("rollouts"),
        s.ph(1),
        s.ph(2),
        s.now(),
        s.ph(3)
    );
    let binds = [
        app.map_or(SqlValue::Null, |a| SqlValue::Text(a.to_string())),
        SqlValue::Text(app_version.to_string()),
        SqlValue::Text(actor.to_string()),
    ];
    db.execute_with(&sql, &binds).await.map(drop)
}

/// Every recorded rollout, oldest first (the order versions that are not semver compare in).
///
/// # Errors
/// Database errors.
pub(crate) async fn rollouts(db: &mut dyn Backend) -> Result<Vec<Rollout>> {
    let schema = super::schema(db).await?;
    if !schema.has(Table::Migrations) {
        return Ok(Vec::new());
    }
    let s = StateSql(db.dialect());
    let app = if schema.has(Table::RolloutApps) {
        "app_name"
    } else {
        "NULL"
    };
    let sql = format!(
        "SELECT {app}, app_version, {}, recorded_by FROM {} ORDER BY id",
        s.epoch_ms("recorded_at"),
        s.table("rollouts")
    );
    let rows = db.query(&sql, &[]).await?;
    rows.iter()
        .map(|r| {
            Ok(Rollout {
                app_name: r.opt_text(0).map(str::to_string),
                app_version: r.text(1),
                recorded_at: r.time(2)?,
                recorded_by: r.text(3),
            })
        })
        .collect()
}

/// Register, heartbeat, deregister or prune app instances; returns the rows touched.
///
/// # Errors
/// Database errors.
pub(crate) async fn change_instance(
    db: &mut dyn Backend,
    change: InstanceChange<'_>,
) -> Result<u64> {
    let s = StateSql(db.dialect());
    let (table, now) = (s.table("app_instances"), s.now());
    let text = |v: &str| SqlValue::Text(v.to_string());
    let (sql, binds) = match change {
        InstanceChange::Register(i) => {
            let mut binds = vec![
                text(&i.id),
                text(&i.app_name),
                text(&i.app_version),
                text(&i.host),
            ];
            let env = if has(db, Table::Deployments).await? {
                binds.push(SqlValue::opt_text(i.environment.clone()));
                format!(
                    ", environment) VALUES ({}, {now}, {now}, {})",
                    s.phs(1, 4),
                    s.ph(5)
                )
            } else {
                format!(") VALUES ({}, {now}, {now})", s.phs(1, 4))
            };
            (
                format!("INSERT INTO {table} (id, app_name, app_version, host, started_at, heartbeat_at{env}"),
                binds,
            )
        }
        InstanceChange::Heartbeat(id) => (
            format!(
                "UPDATE {table} SET heartbeat_at = {now} WHERE id = {} AND stopped_at IS NULL",
                s.ph(1)
            ),
            vec![text(id)],
        ),
        InstanceChange::Deregister(id) => (
            format!(
                "UPDATE {table} SET stopped_at = {now} WHERE id = {}",
                s.ph(1)
            ),
            vec![text(id)],
        ),
        InstanceChange::Prune(grace) => {
            if !has(db, Table::Instances).await? {
                return Ok(0);
            }
            (
                format!(
                    "DELETE FROM {table} WHERE heartbeat_at < {}",
                    s.millis_ago()
                ),
                vec![SqlValue::count(
                    u64::try_from(grace.as_millis()).unwrap_or(u64::MAX),
                )],
            )
        }
    };
    db.execute_with(&sql, &binds).await
}

/// Every registered instance (empty when there is no such table yet), with its heartbeat's
/// age by the database's clock.
///
/// # Errors
/// Database errors.
pub(crate) async fn instances(db: &mut dyn Backend) -> Result<Vec<Instance>> {
    let schema = super::schema(db).await?;
    if !schema.has(Table::Instances) {
        return Ok(Vec::new());
    }
    let s = StateSql(db.dialect());
    // An instance stops counting when its environment was retired after it started.
    let (environment, retired, join) = if schema.has(Table::Deployments) {
        (
            "i.environment",
            s.epoch_ms("CASE WHEN r.retired_at >= i.started_at THEN r.retired_at END"),
            format!(
                " LEFT JOIN {} r ON r.name = i.environment",
                s.table("retired_environments")
            ),
        )
    } else {
        ("NULL", "NULL".to_string(), String::new())
    };
    let sql = format!(
        "SELECT i.id, i.app_name, i.app_version, i.host, {}, {}, {}, {}, {environment}, {retired} FROM {} i{join} \
         ORDER BY i.started_at, i.id",
        s.epoch_ms("i.started_at"),
        s.epoch_ms("i.heartbeat_at"),
        s.epoch_ms("i.stopped_at"),
        s.epoch_ms(s.now()),
        s.table("app_instances")
    );
    let rows = db.query(&sql, &[]).await?;
    rows.iter().map(instance_from_row).collect()
}

fn instance_from_row(row: &Row) -> Result<Instance> {
    let heartbeat: i64 = row.get(5)?;
    let now: i64 = row.get(7)?;
    Ok(Instance {
        id: row.text(0),
        app_name: row.text(1),
        app_version: row.text(2),
        host: row.text(3),
        started_at: row.time(4)?,
        heartbeat_at: row.time(5)?,
        stopped_at: row.opt_time(6)?,
        environment: row.opt_text(8).map(str::to_string),
        retired_at: row.opt_time(9)?,
        heartbeat_age: std::time::Duration::from_millis(
            u64::try_from(now - heartbeat).unwrap_or(0),
        ),
    })
}

/// A migration's last failure, as the events log has it: when, and the event's detail
/// (phase, line, error).
pub(crate) type Failure = (chrono::DateTime<chrono::Utc>, serde_json::Value);

/// The last failure of each migration whose latest phase event is a failure (a later
/// `phase` event means it was resumed and finished since).
///
/// # Errors
/// Database errors.
pub(crate) async fn failures(db: &mut dyn Backend) -> Result<Vec<(i64, Failure)>> {
    if !has(db, Table::Migrations).await? {
        return Ok(Vec::new());
    }
    let s = StateSql(db.dialect());
    let sql = format!(
        "SELECT {}, kind, detail, {} FROM {} WHERE kind IN ('failed', 'phase') AND version IS NOT NULL ORDER BY id",
        s.text("version"),
        s.epoch_ms("at"),
        s.table("events")
    );
    let mut last: std::collections::BTreeMap<i64, Option<Failure>> =
        std::collections::BTreeMap::new();
    for row in db.query(&sql, &[]).await? {
        let failed = if row.text(1) == "failed" {
            Some((
                row.time(3)?,
                serde_json::from_str(&row.text(2)).unwrap_or_default(),
            ))
        } else {
            None
        };
        last.insert(row.get(0)?, failed);
    }
    Ok(last
        .into_iter()
        .filter_map(|(v, f)| f.map(|f| (v, f)))
        .collect())
}

/// The latency guard's committed write: a one-row upsert in the meta table, as small as an
/// app's own write.
pub(crate) fn latency_probe(dialect: crate::Dialect) -> crate::db::Bound {
    let s = StateSql(dialect);
    crate::db::Bound {
        sql: s.upsert(
            "meta",
            "k, v",
            &format!("'latency_probe', {}", s.text(s.now())),
            "k",
            &["v"],
        ),
        binds: Vec::new(),
    }
}
