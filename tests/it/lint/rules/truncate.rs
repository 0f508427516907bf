//! `truncate`.

use crate::lint::support::{mysql, pg, rules_pg};

#[test]
fn flags_truncate_cascade_in_every_phase() {
    insta::assert_snapshot!(pg(
        "-- bellows:contract requires-app=\">=2.4.0\"\nTRUNCATE audit_log CASCADE;\n"
    ));
}

#[test]
fn flags_each_existing_table_of_a_list() {
    insta::assert_snapshot!(pg("CREATE TABLE staging (id bigint);\nTRUNCATE TABLE ONLY staging, sessions RESTART IDENTITY;"));
    insta::assert_snapshot!(mysql("TRUNCATE TABLE `cache_entries`;"));
}

#[test]
fn passes_tables_created_in_the_same_file() {
    let none = |sql: &str| !rules_pg(sql).contains(&"truncate");
    assert!(none(
        "CREATE TABLE import_buffer (id bigint);\nTRUNCATE import_buffer;"
    ));
    assert!(none(
        "CREATE UNLOGGED TABLE a (id int);\nCREATE TABLE b (id int);\nTRUNCATE a, b;"
    ));
    assert!(none(
        "-- bellows:backfill table=audit_log key=id\nDELETE FROM audit_log;"
    ));
}
