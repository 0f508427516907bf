//! `require-lock-timeout`.

use crate::lint::support::{check_with, report_with, rules_pg};
use bellows::lint::{LintOptions, TransactionMode};
use bellows::Dialect;

fn other_runner(dialect: Dialect) -> LintOptions {
    let mut options = LintOptions::new(dialect);
    options.transaction_mode = TransactionMode::Never;
    options
}

fn rules(dialect: Dialect, sql: &str) -> Vec<&'static str> {
    report_with(other_runner(dialect), "m.sql", sql)
        .diagnostics()
        .map(|d| d.rule)
        .collect()
}

#[test]
fn flags_ddl_without_a_timeout_in_a_file_another_runner_applies() {
    insta::assert_snapshot!(check_with(
        other_runner(Dialect::Postgres),
        "ALTER TABLE users ADD COLUMN nickname text;"
    ));
    insta::assert_snapshot!(check_with(
        other_runner(Dialect::Mysql),
        "ALTER TABLE users ADD COLUMN nickname text;"
    ));
}

#[test]
fn passes_after_set_lock_timeout_for_new_tables_and_under_bellows() {
    let sql = "SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN nickname text;";
    assert!(rules(Dialect::Postgres, sql).is_empty());
    let sql = "SET SESSION lock_wait_timeout = 5;\nALTER TABLE users ADD COLUMN nickname text;";
    assert!(rules(Dialect::Mysql, sql).is_empty());
    let sql = "CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN b int;";
    assert!(rules(Dialect::Postgres, sql).is_empty());
    assert!(rules(
        Dialect::Postgres,
        "CREATE INDEX CONCURRENTLY i ON users (a);"
    )
    .is_empty());
    assert!(
        rules_pg("ALTER TABLE users ADD COLUMN nickname text;").is_empty(),
        "bellows sets one itself"
    );
    let zero = "SET lock_timeout = 0;\nALTER TABLE users ADD COLUMN nickname text;";
    assert_eq!(
        rules(Dialect::Postgres, zero),
        vec!["require-lock-timeout"],
        "0 means no timeout"
    );
}
