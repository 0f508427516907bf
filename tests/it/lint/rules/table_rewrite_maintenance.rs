//! `table-rewrite-maintenance`.

use crate::lint::support::{pg, rules_pg};

const ID: &str = "table-rewrite-maintenance";

#[test]
fn flags_vacuum_full() {
    insta::assert_snapshot!(pg("VACUUM FULL orders;"));
}

#[test]
fn flags_vacuum_full_in_option_form_through_the_token_path() {
    insta::assert_snapshot!(pg("VACUUM (FULL, ANALYZE) orders, order_items;"));
}

#[test]
fn flags_cluster() {
    insta::assert_snapshot!(pg("CLUSTER orders USING orders_created_at_idx;"));
}

#[test]
fn passes_plain_vacuum_and_new_tables() {
    for sql in [
        "VACUUM orders;",
        "VACUUM (FULL false, ANALYZE) orders;",
        "ANALYZE orders;",
        "CREATE TABLE t (a int);\nVACUUM FULL t;",
        "CREATE TABLE t (a int);\nCLUSTER t USING t_pkey;",
        "REPACK (CONCURRENTLY) orders;",
    ] {
        assert!(!rules_pg(sql).contains(&ID), "{sql}");
    }
    assert!(rules_pg("CLUSTER;").contains(&ID));
}
