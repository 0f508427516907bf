//! The state tables' DDL, version by version: `upgrades()[n]` moves the schema from version
//! `n` to `n + 1`. Every statement can run twice, so an upgrade interrupted half way (MySQL
//! DDL commits one statement at a time) completes on the next run: `CREATE ... IF NOT
//! EXISTS`, `ADD COLUMN IF NOT EXISTS` on PostgreSQL and MariaDB, and on MySQL (which has no
//! `ADD COLUMN IF NOT EXISTS`) a plain `ADD COLUMN` whose "duplicate column" error (1060)
//! counts as done ([`already_done`]).

use super::sql::StateSql;
use crate::PhaseKind;

/// The newest state-schema version this build writes.
pub(crate) const SCHEMA_VERSION: u32 = 5;

/// Statements creating the meta table that holds the state-schema version.
pub(crate) fn bootstrap(s: StateSql) -> Vec<String> {
    let (_, text, key, _) = s.types();
    let mut out = Vec::new();
    if !s.0.is_mysql_family() {
        out.push("CREATE SCHEMA IF NOT EXISTS bellows".to_string());
    }
    out.push(format!(
        "CREATE TABLE IF NOT EXISTS {} (k {} PRIMARY KEY, v {text} NOT NULL)",
        s.table("meta"),
        if s.0.is_mysql_family() {
            "varchar(64)"
        } else {
            key
        }
    ));
    out
}

/// The column holding when `kind` finished.
pub(crate) fn done_column(kind: PhaseKind) -> &'static str {
    match kind {
        PhaseKind::Expand => "expanded_at",
        PhaseKind::Backfill => "backfilled_at",
        PhaseKind::Contract => "contracted_at",
        PhaseKind::Down => "aborted_at",
    }
}

/// The statements of each state-schema version.
pub(crate) fn upgrades(s: StateSql) -> Vec<Vec<String>> {
    let (ts, text, key, serial) = s.types();
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
            s.table("migrations")
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {} (id {serial} PRIMARY KEY, at {ts} NOT NULL, kind {key} NOT NULL, version bigint, \
             actor {key} NOT NULL, detail {text} NOT NULL)",
            s.table("events")
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {} (id {serial} PRIMARY KEY, app_version {key} NOT NULL, recorded_at {ts} NOT NULL, \
             recorded_by {key} NOT NULL)",
            s.table("rollouts")
        ),
    ];
    let v2 = vec![format!(
        "CREATE TABLE IF NOT EXISTS {} (id {key} PRIMARY KEY, app_name {key} NOT NULL, app_version {key} NOT NULL, \
         host {key} NOT NULL, started_at {ts} NOT NULL, heartbeat_at {ts} NOT NULL, stopped_at {ts})",
        s.table("app_instances")
    )];
    let v3 = vec![format!(
        "CREATE TABLE IF NOT EXISTS {} (version bigint NOT NULL, part integer NOT NULL, key_columns {text} NOT NULL, max_key {text}, \
         last_key {text}, rows_done bigint NOT NULL DEFAULT 0, keys_done bigint NOT NULL DEFAULT 0, \
         rows_estimate bigint NOT NULL DEFAULT 0, batch_size bigint NOT NULL, batches bigint NOT NULL DEFAULT 0, \
         started_at {ts} NOT NULL, updated_at {ts} NOT NULL, finished_at {ts}, PRIMARY KEY (version, part))",
        s.table("backfill_progress")
    )];
    let if_not_exists = if s.0 == crate::Dialect::Mysql {
        ""
    } else {
        "IF NOT EXISTS "
    };
    let v4 = vec![format!(
        "ALTER TABLE {} ADD COLUMN {if_not_exists}app_name {key}",
        s.table("rollouts")
    )];
    vec![v1, v2, v3, v4, deployments(s)]
}

/// Version 5, deployments: the environment of each instance, the requirement each contract
/// ran under (the rollback guard reads it without the files), when each requirement first
/// held (soak windows), and retired environments.
fn deployments(s: StateSql) -> Vec<String> {
    let (ts, text, key, _) = s.types();
    let if_not_exists = if s.0 == crate::Dialect::Mysql {
        ""
    } else {
        "IF NOT EXISTS "
    };
    vec![
        format!(
            "ALTER TABLE {} ADD COLUMN {if_not_exists}environment {key}",
            s.table("app_instances")
        ),
        format!(
            "ALTER TABLE {} ADD COLUMN {if_not_exists}contract_requires {text}",
            s.table("migrations")
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {} (requirement_key {key} PRIMARY KEY, requirement {text} NOT NULL, \
             held_since {ts} NOT NULL)",
            s.table("gate_soak")
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {} (name {key} PRIMARY KEY, retired_at {ts} NOT NULL, retired_by {key} NOT NULL)",
            s.table("retired_environments")
        ),
    ]
}

/// Whether an upgrade statement failed only because an earlier, interrupted run already
/// did it (MySQL 1060, duplicate column).
pub(crate) fn already_done(e: &crate::Error) -> bool {
    match e {
        crate::Error::Database { source, .. } => source
            .as_database_error()
            .and_then(crate::db::mysql_number)
            .is_some_and(|n| n == 1060),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dialect;

    #[test]
    fn one_upgrade_per_version() {
        for d in [Dialect::Postgres, Dialect::Mysql, Dialect::Mariadb] {
            assert_eq!(upgrades(StateSql(d)).len(), SCHEMA_VERSION as usize);
            assert!(upgrades(StateSql(d))
                .iter()
                .flatten()
                .all(|s| s.starts_with("CREATE TABLE IF NOT EXISTS")
                    || s.contains("ADD COLUMN IF NOT EXISTS")
                    || d == Dialect::Mysql));
        }
    }
}
