//! `drop-schema-database`.

use crate::lint::support::{mysql, pg, rules_pg};

#[test]
fn flags_drop_schema_even_in_a_contract_phase() {
    insta::assert_snapshot!(pg(
        "-- bellows:contract requires-app=\">=3.0.0\"\nDROP SCHEMA reporting CASCADE;\n"
    ));
}

#[test]
fn flags_drop_database() {
    insta::assert_snapshot!(mysql("DROP DATABASE IF EXISTS analytics;"));
    insta::assert_snapshot!(pg("DROP DATABASE analytics WITH (FORCE);"));
}

#[test]
fn passes_a_schema_created_in_the_same_file_and_other_drops() {
    let none = |sql: &str| !rules_pg(sql).contains(&"drop-schema-database");
    assert!(none(
        "CREATE SCHEMA IF NOT EXISTS staging;\nDROP SCHEMA staging CASCADE;"
    ));
    assert!(none("DROP TABLE reporting.daily_totals;"));
    assert!(
        !mysql("CREATE DATABASE tmp_import;\nDROP DATABASE tmp_import;")
            .contains("[drop-schema-database]")
    );
}
