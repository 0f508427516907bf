//! `txn-hygiene`.

use crate::lint::support::{pg, rules_pg};

#[test]
fn flags_a_nested_begin() {
    insta::assert_snapshot!(pg(
        "BEGIN;\nALTER TABLE t ADD COLUMN a int;\nBEGIN;\nCOMMIT;\nCOMMIT;"
    ));
}

#[test]
fn flags_a_begin_that_is_never_closed() {
    insta::assert_snapshot!(pg("BEGIN;\nALTER TABLE t ADD COLUMN a int;\n"));
}

#[test]
fn passes_balanced_transactions_and_savepoints() {
    assert!(rules_pg("BEGIN;\nALTER TABLE t ADD COLUMN a int;\nSAVEPOINT s;\nROLLBACK TO s;\nCOMMIT;\nSTART TRANSACTION;\nROLLBACK;").is_empty());
}
