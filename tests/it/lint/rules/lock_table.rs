//! `lock-table`.

use crate::lint::support::{pg, rules_pg};

const ID: &str = "lock-table";

#[test]
fn flags_access_exclusive() {
    insta::assert_snapshot!(pg(
        "LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE;\nALTER TABLE accounts ADD COLUMN region text;"
    ));
}

#[test]
fn flags_exclusive_and_the_default_mode() {
    insta::assert_snapshot!(pg(
        "LOCK accounts, ledger;\nLOCK TABLE ONLY ledger IN EXCLUSIVE MODE NOWAIT;"
    ));
}

#[test]
fn passes_weaker_modes_and_new_tables() {
    for sql in [
        "LOCK TABLE accounts IN SHARE MODE;",
        "LOCK TABLE accounts IN ROW EXCLUSIVE MODE;",
        "LOCK TABLE accounts IN SHARE ROW EXCLUSIVE MODE;",
        "CREATE TABLE t (a int);\nLOCK TABLE t IN ACCESS EXCLUSIVE MODE;",
    ] {
        assert!(!rules_pg(sql).contains(&ID), "{sql}");
    }
}
