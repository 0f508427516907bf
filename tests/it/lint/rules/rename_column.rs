//! `rename-column`.

use crate::lint::support::{at, mysql, pg, report_with, rules_pg};
use bellows::lint::LintOptions;
use bellows::Dialect;

#[test]
fn flags_a_rename_in_a_file_without_markers() {
    insta::assert_snapshot!(pg(
        "ALTER TABLE users RENAME COLUMN email TO primary_email;"
    ));
}

#[test]
fn flags_the_postgres_form_without_column() {
    insta::assert_snapshot!(pg(
        "-- bellows:expand\nALTER TABLE ONLY public.users RENAME \"Email\" TO primary_email;\n"
    ));
}

/// The rule ids found in `sql` on MySQL, without the rewrite check of the snapshots.
fn rules_mysql(sql: &str) -> Vec<&'static str> {
    report_with(LintOptions::new(Dialect::Mysql), "migration.sql", sql)
        .diagnostics()
        .map(|d| d.rule)
        .collect()
}

#[test]
fn flags_mysql_renames_even_when_instant() {
    // MySQL 8.0.28+ renames instantly; the running app still breaks.
    insta::assert_snapshot!(at(
        Dialect::Mysql,
        "8.0.30",
        "ALTER TABLE users RENAME COLUMN email TO primary_email, ALGORITHM=INSTANT;"
    ));
    // CHANGE restates the type, so column-type-change may report it too.
    assert!(
        rules_mysql("ALTER TABLE users CHANGE COLUMN email primary_email varchar(255);")
            .contains(&"rename-column")
    );
    assert!(
        rules_mysql("ALTER TABLE users CHANGE `Email` `PrimaryEmail` text NULL;")
            .contains(&"rename-column")
    );
}

#[test]
fn passes_contract_phases_new_tables_and_same_name_changes() {
    let none = |sql: &str| !rules_pg(sql).contains(&"rename-column");
    assert!(none("-- bellows:contract requires-app=\">=2.4.0\"\nALTER TABLE users RENAME COLUMN email TO primary_email;"));
    assert!(none(
        "CREATE TABLE t (a int);\nALTER TABLE t RENAME a TO b;"
    ));
    assert!(none(
        "ALTER TABLE users RENAME TO customers;\nCREATE VIEW users AS SELECT * FROM customers;"
    ));
    assert!(
        !rules_mysql("ALTER TABLE users CHANGE email Email varchar(255);")
            .contains(&"rename-column")
    );
    assert!(!mysql("ALTER TABLE users RENAME INDEX a TO b;").contains("[rename-column]"));
}
