//! `drop-table`.

use crate::lint::support::{mysql, pg, rules_pg};

#[test]
fn flags_a_drop_outside_a_contract_phase() {
    insta::assert_snapshot!(pg("DROP TABLE user_sessions_old;"));
}

#[test]
fn flags_only_the_existing_tables_of_a_list() {
    insta::assert_snapshot!(pg("-- bellows:expand\nCREATE TABLE scratch (id bigint);\nDROP TABLE IF EXISTS scratch, public.audit_old CASCADE;\n"));
}

#[test]
fn flags_mysql_drops() {
    insta::assert_snapshot!(mysql("DROP TABLE `Legacy`;"));
}

#[test]
fn passes_contract_phases_and_scratch_tables() {
    let none = |sql: &str| !rules_pg(sql).contains(&"drop-table");
    assert!(none(
        "-- bellows:contract requires-app=\">=2.4.0\"\nDROP TABLE user_sessions_old;"
    ));
    assert!(none("CREATE TEMP TABLE ids (id bigint);\nDROP TABLE ids;"));
    assert!(none("DROP VIEW accounts;"));
    assert!(none("DROP INDEX CONCURRENTLY users_email_idx;"));
}
