//! bellows' own tables, for every dialect at once: the state-schema version (read and
//! checked here and nowhere else), the migration records and their progress, the events
//! log, rollouts, app instances and backfill progress. Each function takes a [`Backend`]
//! and writes its SQL once; [`sql::StateSql`] holds the few pieces that differ by dialect.

mod adopt;
mod app;
mod backfill;
mod deploy;
mod migrations;
mod schema;
pub(crate) mod sql;

pub(crate) use adopt::{record_adopted, Adoption};
pub(crate) use app::{
    change_instance, failures, instances, latency_probe, record_event, record_rollout, rollouts,
};
pub use backfill::BackfillProgress;
pub(crate) use backfill::PartStart;
pub(crate) use backfill::{
    checkpoint_sql, finish_backfill, insert_backfill, load_backfills, reset_backfill,
};
pub(crate) use deploy::{clear_held, contracted, held_since, record_requirement, retire, set_held};
pub(crate) use migrations::{progress_write, records, write_progress};

use super::Backend;
use crate::{Error, Result};
use sql::StateSql;

/// Where the state tables stand on a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StateSchema {
    /// bellows never ran here.
    Absent,
    /// The tables exist at this version.
    At(u32),
}

/// A state table that came with a later state-schema version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Table {
    /// Migrations, events, rollouts (version 1).
    Migrations,
    /// App instances (version 2).
    Instances,
    /// Backfill progress (version 3).
    BackfillProgress,
    /// The app of each recorded rollout (version 4).
    RolloutApps,
    /// Environments, soak windows, contract requirements (version 5).
    Deployments,
}

impl StateSchema {
    /// Whether `table` exists at this version (reads of a missing table return nothing).
    pub(crate) fn has(self, table: Table) -> bool {
        let needs = match table {
            Table::Migrations => 1,
            Table::Instances => 2,
            Table::BackfillProgress => 3,
            Table::RolloutApps => 4,
            Table::Deployments => 5,
        };
        matches!(self, StateSchema::At(v) if v >= needs)
    }

    /// Whether this build's tables are all there.
    pub(crate) fn is_current(self) -> bool {
        self == StateSchema::At(schema::SCHEMA_VERSION)
    }
}

/// Read the state-schema version.
///
/// # Errors
/// Database errors.
pub(crate) async fn schema(db: &mut dyn Backend) -> Result<StateSchema> {
    let s = StateSql(db.dialect());
    let exists = db.query(s.meta_exists(), &[]).await?;
    if super::Row::scalar(&exists) != Some("1") {
        return Ok(StateSchema::Absent);
    }
    let sql = format!(
        "SELECT v FROM {} WHERE k = 'schema_version'",
        s.table("meta")
    );
    let rows = db.query(&sql, &[]).await?;
    Ok(StateSchema::At(
        super::Row::scalar(&rows)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
    ))
}

/// Whether `table` can be read (its state-schema version is there).
pub(crate) async fn has(db: &mut dyn Backend, table: Table) -> Result<bool> {
    Ok(schema(db).await?.has(table))
}

/// Create or upgrade the state tables to this build's version. Call under the migration
/// lock.
///
/// # Errors
/// [`Error::StateTooNew`] when a newer bellows wrote them; database errors.
pub(crate) async fn ensure(db: &mut dyn Backend) -> Result<()> {
    let s = StateSql(db.dialect());
    let found = match schema(db).await? {
        StateSchema::At(v) => v,
        StateSchema::Absent => {
            for sql in schema::bootstrap(s) {
                db.execute(&sql).await?;
            }
            0
        }
    };
    if found > schema::SCHEMA_VERSION {
        return Err(Error::StateTooNew {
            found: i64::from(found),
            supported: i64::from(schema::SCHEMA_VERSION),
        });
    }
    let upgrades = schema::upgrades(s);
    for (from, statements) in upgrades.iter().enumerate().skip(found as usize) {
        for sql in statements {
            match db.execute(sql).await {
                Err(e) if schema::already_done(&e) => {}
                other => other?,
            }
        }
        let version = super::SqlValue::Text((from + 1).to_string());
        let set = s.upsert(
            "meta",
            "k, v",
            &format!("'schema_version', {}", s.ph(1)),
            "k",
            &["v"],
        );
        db.execute_with(&set, &[version]).await?;
    }
    Ok(())
}
