//! `concurrently-in-transaction`.

use crate::lint::support::{check_with, pg, report_with};
use bellows::lint::{LintOptions, TransactionMode};
use bellows::Dialect;

const ID: &str = "concurrently-in-transaction";

fn wrapped() -> LintOptions {
    let mut options = LintOptions::new(Dialect::Postgres);
    options.transaction_mode = TransactionMode::Always;
    options
}

fn found(options: LintOptions, sql: &str) -> bool {
    report_with(options, "migration.sql", sql)
        .diagnostics()
        .any(|d| d.rule == ID)
}

#[test]
fn flags_concurrently_inside_an_explicit_begin() {
    insta::assert_snapshot!(pg(
        "BEGIN;\nCREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id);\nCOMMIT;"
    ));
}

#[test]
fn flags_a_file_the_runner_wraps_in_a_transaction() {
    insta::assert_snapshot!(check_with(
        wrapped(),
        "DROP INDEX CONCURRENTLY users_legacy_idx;"
    ));
}

#[test]
fn passes_bellows_auto_mode_and_after_commit() {
    let pg_opts = || LintOptions::new(Dialect::Postgres);
    assert!(!found(
        pg_opts(),
        "CREATE INDEX CONCURRENTLY i ON t (a);\nREINDEX TABLE CONCURRENTLY t;"
    ));
    assert!(!found(
        pg_opts(),
        "BEGIN;\nALTER TABLE t ADD COLUMN c int;\nCOMMIT;\nCREATE INDEX CONCURRENTLY i ON t (c);"
    ));
    let mut never = pg_opts();
    never.transaction_mode = TransactionMode::Never;
    assert!(!found(never, "CREATE INDEX CONCURRENTLY i ON t (a);"));
}

#[test]
fn passes_a_wrapped_file_that_opts_out_with_no_transaction() {
    assert!(!found(
        wrapped(),
        "-- no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);"
    ));
    assert!(found(
        wrapped(),
        "ALTER TABLE t DETACH PARTITION t_2020 CONCURRENTLY;"
    ));
}
