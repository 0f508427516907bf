//! Cutting a phase into steps: on PostgreSQL, consecutive transactional statements form one
//! step (one transaction, committed with its progress) and statements that refuse a
//! transaction run alone; on MySQL every statement is its own step, since DDL commits
//! implicitly.

use crate::sql::{classify, leading_words, Dialect, Statement};
use crate::{Error, Migration, Phase, Result};
use std::ops::Range;
use std::time::Duration;

/// One step of a phase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StepPlan {
    /// Indexes of the phase's statements in this step.
    pub range: Range<usize>,
    /// Run in a transaction with the progress write.
    pub in_transaction: bool,
    /// Run without a lock timeout (concurrent builds, VACUUM: they never block the app).
    pub no_lock_timeout: bool,
    /// Index built by `CREATE INDEX CONCURRENTLY`, checked for an INVALID leftover.
    pub concurrent_index: Option<String>,
}

/// Cut a phase into steps.
///
/// # Errors
/// [`Error::MigrationFile`] for transaction control (`BEGIN`, `COMMIT`...) in a phase:
/// bellows owns the transactions.
pub(super) fn plan_steps(
    migration: &Migration,
    phase: &Phase,
    dialect: Dialect,
) -> Result<Vec<StepPlan>> {
    let mut steps: Vec<StepPlan> = Vec::new();
    let mut sealed = false;
    for (i, statement) in phase.statements.iter().enumerate() {
        let kind = classify(&statement.sql, dialect);
        if kind.transaction_control {
            return Err(Error::MigrationFile {
                file: migration.file_of(phase.kind).to_string(),
                line: Some(statement.start.line),
                message: "bellows runs each phase in transactions of its own; remove this transaction control statement".into(),
            });
        }
        let scans = kind.own_transaction;
        let alone = !dialect.transactional_ddl() || kind.no_transaction || scans;
        let in_transaction = if !dialect.transactional_ddl() {
            !kind.ddl && !is_session_statement(statement)
        } else {
            !kind.no_transaction
        };
        let joins_previous = !alone
            && !sealed
            && steps
                .last()
                .is_some_and(|s| s.in_transaction && s.range.end == i);
        sealed = scans;
        if joins_previous {
            if let Some(last) = steps.last_mut() {
                last.range.end = i + 1;
            }
            continue;
        }
        steps.push(StepPlan {
            range: i..i + 1,
            in_transaction,
            no_lock_timeout: kind.no_transaction && takes_no_blocking_lock(statement),
            concurrent_index: kind.concurrent_index,
        });
    }
    Ok(steps)
}

/// `SET ...` (not `SET LOCAL`): session settings a resumed phase must replay.
#[must_use]
pub(super) fn is_session_setting(statement: &Statement) -> bool {
    let words = leading_words(&statement.sql, 2);
    words.first().is_some_and(|w| w == "SET")
        && words
            .get(1)
            .is_none_or(|w| w != "LOCAL" && w != "CONSTRAINTS" && w != "TRANSACTION")
}

/// `SET ...`, `USE ...`: session statements, run outside a transaction on MySQL.
fn is_session_statement(statement: &Statement) -> bool {
    matches!(
        leading_words(&statement.sql, 1).first().map(String::as_str),
        Some("SET" | "USE")
    )
}

/// Concurrent index builds and drops, concurrent reindex/detach and VACUUM take only locks
/// that let reads and writes through; a lock timeout would only make them fail.
fn takes_no_blocking_lock(statement: &Statement) -> bool {
    let words = leading_words(&statement.sql, 12);
    words.iter().any(|w| w == "CONCURRENTLY") || words.first().is_some_and(|w| w == "VACUUM")
}

/// The lock timeout of a step.
#[must_use]
pub(super) fn step_lock_timeout(step: &StepPlan, lock_timeout: Duration) -> Option<Duration> {
    (!step.no_lock_timeout).then_some(lock_timeout)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(sql: &str, dialect: Dialect) -> Vec<StepPlan> {
        let m = Migration::parse("1_x.sql", sql, dialect).unwrap();
        plan_steps(&m, &m.phases[0], dialect).unwrap()
    }

    #[test]
    fn postgres_groups_transactional_statements_and_isolates_concurrent_ones() {
        let s = steps(
            "ALTER TABLE t ADD COLUMN a int;\nALTER TABLE t ADD COLUMN b int;\nCREATE INDEX CONCURRENTLY t_a ON t (a);\nCOMMENT ON TABLE t IS 'x';",
            Dialect::Postgres,
        );
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].range, 0..2);
        assert!(s[0].in_transaction);
        assert!(!s[1].in_transaction && s[1].no_lock_timeout);
        assert_eq!(s[1].concurrent_index.as_deref(), Some("t_a"));
        assert_eq!(s[2].range, 3..4);
    }

    #[test]
    fn mysql_runs_each_statement_alone_and_dml_in_a_transaction() {
        let s = steps("ALTER TABLE t ADD COLUMN a int;\nUPDATE t SET a = 1 WHERE a IS NULL;\nSET foreign_key_checks = 0;", Dialect::Mysql);
        assert_eq!(s.len(), 3);
        assert!(!s[0].in_transaction);
        assert!(s[1].in_transaction);
        assert!(!s[2].in_transaction);
    }

    #[test]
    fn validate_constraint_gets_a_transaction_of_its_own() {
        let s = steps(
            "ALTER TABLE t ADD CONSTRAINT c CHECK (a IS NOT NULL) NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT c;\nALTER TABLE t ALTER COLUMN a SET NOT NULL;\nALTER TABLE t DROP CONSTRAINT c;",
            Dialect::Postgres,
        );
        let ranges: Vec<_> = s.iter().map(|s| s.range.clone()).collect();
        assert_eq!(ranges, vec![0..1, 1..2, 2..4]);
        assert!(s.iter().all(|s| s.in_transaction));
    }

    #[test]
    fn transaction_control_is_refused_with_its_line() {
        let m = Migration::parse(
            "1_x.sql",
            "BEGIN;\nALTER TABLE t ADD COLUMN a int;\nCOMMIT;",
            Dialect::Postgres,
        )
        .unwrap();
        let err = plan_steps(&m, &m.phases[0], Dialect::Postgres).unwrap_err();
        assert_eq!(err.location(), Some(("1_x.sql", Some(1))));
    }
}
