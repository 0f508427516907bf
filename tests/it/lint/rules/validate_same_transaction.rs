//! `validate-same-transaction`.

use crate::lint::support::{check_with, pg, report_with};
use bellows::lint::{LintOptions, TransactionMode};
use bellows::Dialect;

const ID: &str = "validate-same-transaction";

const ADD: &str = "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;";
const VALIDATE: &str = "ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;";

fn found(options: LintOptions, sql: &str) -> bool {
    report_with(options, "migration.sql", sql)
        .diagnostics()
        .any(|d| d.rule == ID)
}

#[test]
fn passes_validation_in_the_same_bellows_phase_which_bellows_runs_in_its_own_transaction() {
    let sql = format!("-- bellows:expand\n{ADD}\n{VALIDATE}");
    assert!(!found(LintOptions::new(Dialect::Postgres), &sql));
    assert!(!pg(&sql).contains(ID));
}

#[test]
fn flags_validation_inside_one_explicit_transaction() {
    insta::assert_snapshot!(pg(
        "BEGIN;\nALTER TABLE orders ADD CONSTRAINT q CHECK (quantity > 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT q;\nCOMMIT;"
    ));
}

#[test]
fn flags_a_file_the_runner_wraps_even_across_phases() {
    let mut wrapped = LintOptions::new(Dialect::Postgres);
    wrapped.transaction_mode = TransactionMode::Always;
    let sql = format!("-- bellows:expand\n{ADD}\n\n-- bellows:contract\n{VALIDATE}");
    assert!(found(wrapped.clone(), &sql));
    insta::assert_snapshot!(check_with(wrapped, &format!("{ADD}\n{VALIDATE}")));
}

#[test]
fn passes_a_later_phase_a_commit_or_a_statement_that_runs_alone() {
    let opts = || LintOptions::new(Dialect::Postgres);
    assert!(!found(
        opts(),
        &format!("-- bellows:expand\n{ADD}\n\n-- bellows:contract\n{VALIDATE}")
    ));
    assert!(!found(
        opts(),
        &format!("BEGIN;\n{ADD}\nCOMMIT;\n{VALIDATE}")
    ));
    // CREATE INDEX CONCURRENTLY runs alone, so the phase's transaction ends before it.
    assert!(!found(
        opts(),
        &format!(
            "{ADD}\nCREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id);\n{VALIDATE}"
        )
    ));
    // A runner that sends statements one by one commits each of them.
    let mut never = opts();
    never.transaction_mode = TransactionMode::Never;
    assert!(!found(never, &format!("{ADD}\n{VALIDATE}")));
}
