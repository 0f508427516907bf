//! The deployment tables (state-schema version 5): the requirement each contract ran under,
//! when each requirement first held (soak windows), and retired environments.

use super::sql::StateSql;
use super::{has, Table};
use crate::db::{Backend, Row, SqlValue, State};
use crate::Result;

/// A migration whose contract ran (or started): the point of no return for the app versions
/// its requirement excludes.
#[derive(Debug, Clone)]
pub(crate) struct Contracted {
    /// Version.
    pub version: i64,
    /// Name.
    pub name: String,
    /// Contracted, or stopped half way (contracting).
    pub state: State,
    /// The `requires-app` it ran under, as recorded (`None`: recorded before version 5).
    pub requires_app: Option<String>,
}

/// Record the requirement a contract runs under, before it runs.
///
/// # Errors
/// Database errors.
pub(crate) async fn record_requirement(
    db: &mut dyn Backend,
    version: i64,
    requires_app: &str,
) -> Result<()> {
    if !has(db, Table::Deployments).await? {
        return Ok(());
    }
    let s = StateSql(db.dialect());
    let sql = format!(
        "UPDATE {} SET contract_requires = {} WHERE version = {}",
        s.table("migrations"),
        s.ph(1),
        s.ph(2)
    );
    let binds = [
        SqlValue::Text(requires_app.to_string()),
        SqlValue::Int(version),
    ];
    db.execute_with(&sql, &binds).await.map(drop)
}

/// The migrations whose contract ran or started, in version order.
///
/// # Errors
/// Database errors.
pub(crate) async fn contracted(db: &mut dyn Backend) -> Result<Vec<Contracted>> {
    let schema = super::schema(db).await?;
    if !schema.has(Table::Migrations) {
        return Ok(Vec::new());
    }
    let s = StateSql(db.dialect());
    let requires = if schema.has(Table::Deployments) {
        "contract_requires"
    } else {
        "NULL"
    };
    let sql = format!(
        "SELECT {}, name, state, {requires} FROM {} WHERE state IN ('contracted', 'contracting') ORDER BY version",
        s.text("version"),
        s.table("migrations")
    );
    let rows = db.query(&sql, &[]).await?;
    rows.iter()
        .map(|r: &Row| {
            Ok(Contracted {
                version: r.get(0)?,
                name: r.text(1),
                state: State::parse(&r.text(2)).unwrap_or(State::Contracted),
                requires_app: r.opt_text(3).map(str::to_string),
            })
        })
        .collect()
}

/// The database's clock and when `requirement` was first seen holding, both as epoch
/// milliseconds (`None`: not holding as far as the gate knows, or no such table yet).
///
/// # Errors
/// Database errors.
pub(crate) async fn held_since(
    db: &mut dyn Backend,
    requirement: &str,
) -> Result<(i64, Option<i64>)> {
    let s = StateSql(db.dialect());
    let held = if has(db, Table::Deployments).await? {
        format!(
            "(SELECT {} FROM {} WHERE requirement_key = {})",
            s.epoch_ms("held_since"),
            s.table("gate_soak"),
            s.ph(1)
        )
    } else {
        "NULL".to_string()
    };
    let sql = format!("SELECT {}, {held}", s.epoch_ms(s.now()));
    let binds: Vec<SqlValue> = if held == "NULL" {
        Vec::new()
    } else {
        vec![SqlValue::Text(key(requirement))]
    };
    let rows = db.query(&sql, &binds).await?;
    let row = rows.first().ok_or_else(|| crate::Error::Database {
        context: "reading the database's clock".into(),
        source: sqlx::Error::RowNotFound,
    })?;
    Ok((row.get(0)?, row.opt(1)?))
}

/// Record that `requirement` has held since `ago_ms` milliseconds before now (database
/// clock); nothing without the table.
///
/// # Errors
/// Database errors.
pub(crate) async fn set_held(db: &mut dyn Backend, requirement: &str, ago_ms: u64) -> Result<()> {
    if !has(db, Table::Deployments).await? {
        return Ok(());
    }
    let s = StateSql(db.dialect());
    // `millis_ago` binds placeholder 1, so it comes first.
    let sql = s.upsert(
        "gate_soak",
        "held_since, requirement_key, requirement",
        &format!("{}, {}, {}", s.millis_ago(), s.ph(2), s.ph(3)),
        "requirement_key",
        &["held_since"],
    );
    let binds = [
        SqlValue::count(ago_ms),
        SqlValue::Text(key(requirement)),
        SqlValue::Text(requirement.to_string()),
    ];
    db.execute_with(&sql, &binds).await.map(drop)
}

/// Forget when `requirement` first held: it does not hold now.
///
/// # Errors
/// Database errors.
pub(crate) async fn clear_held(db: &mut dyn Backend, requirement: &str) -> Result<()> {
    if !has(db, Table::Deployments).await? {
        return Ok(());
    }
    let s = StateSql(db.dialect());
    let sql = format!(
        "DELETE FROM {} WHERE requirement_key = {}",
        s.table("gate_soak"),
        s.ph(1)
    );
    db.execute_with(&sql, &[SqlValue::Text(key(requirement))])
        .await
        .map(drop)
}

/// Record `environment` retired now (again: the time moves on).
///
/// # Errors
/// Database errors.
pub(crate) async fn retire(db: &mut dyn Backend, environment: &str, actor: &str) -> Result<()> {
    let s = StateSql(db.dialect());
    let sql = s.upsert(
        "retired_environments",
        "name, retired_at, retired_by",
        &format!("{}, {}, {}", s.ph(1), s.now(), s.ph(2)),
        "name",
        &["retired_at", "retired_by"],
    );
    let binds = [
        SqlValue::Text(environment.to_string()),
        SqlValue::Text(actor.to_string()),
    ];
    db.execute_with(&sql, &binds).await.map(drop)
}

/// The soak table's key of a requirement: its text hashed (a requirement may be longer than
/// a MySQL key column).
fn key(requirement: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(requirement.as_bytes()))
}
