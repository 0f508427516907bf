//! `require-concurrent-index-drop`.

use crate::lint::support::{pg, rules_pg};

const ID: &str = "require-concurrent-index-drop";

#[test]
fn flags_a_plain_drop() {
    insta::assert_snapshot!(pg("DROP INDEX users_legacy_idx;"));
}

#[test]
fn flags_each_index_of_a_list_and_drops_cascade_from_the_rewrite() {
    insta::assert_snapshot!(pg(
        "-- bellows:contract\nDROP INDEX IF EXISTS public.orders_a_idx, \"Orders_B\" CASCADE;"
    ));
}

#[test]
fn passes_concurrently_even_though_the_parser_cannot_read_it() {
    let found = rules_pg("DROP INDEX CONCURRENTLY IF EXISTS users_legacy_idx;");
    assert!(
        found.is_empty(),
        "the safe form is quiet, unparsed-statement included: {found:?}"
    );
}

#[test]
fn passes_an_index_on_a_table_created_in_the_same_file() {
    let sql = "CREATE TABLE t (a int);\nCREATE INDEX t_a_idx ON t (a);\nDROP INDEX t_a_idx;";
    assert!(!rules_pg(sql).contains(&ID));
    // The same drop of an index on an existing table is flagged.
    let sql = "CREATE INDEX CONCURRENTLY u_a_idx ON users (a);\nDROP INDEX u_a_idx;";
    assert!(rules_pg(sql).contains(&ID));
}

#[test]
fn flags_a_concurrent_drop_postgres_would_refuse() {
    insta::assert_snapshot!(pg(
        "DROP INDEX CONCURRENTLY IF EXISTS a_idx, b_idx CASCADE;"
    ));
}
