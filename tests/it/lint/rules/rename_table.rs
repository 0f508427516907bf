//! `rename-table`.

use crate::lint::support::{at, mysql, pg, rules_pg};
use bellows::Dialect;

#[test]
fn flags_a_rename_without_a_compatibility_view() {
    insta::assert_snapshot!(pg("ALTER TABLE accounts RENAME TO customers;"));
}

#[test]
fn flags_each_pair_of_a_mysql_rename_table() {
    insta::assert_snapshot!(mysql(
        "-- bellows:expand\nRENAME TABLE accounts TO customers, `Orders` TO purchases;\n"
    ));
}

#[test]
fn flags_mysql_alter_rename_also_on_mariadb() {
    insta::assert_snapshot!(at(
        Dialect::Mariadb,
        "10.11",
        "ALTER TABLE accounts RENAME AS customers;"
    ));
}

#[test]
fn passes_a_rename_with_a_view_contract_phases_and_new_tables() {
    let none = |sql: &str| !rules_pg(sql).contains(&"rename-table");
    assert!(none("-- bellows:expand\nALTER TABLE accounts RENAME TO customers;\nCREATE VIEW accounts AS SELECT * FROM customers;"));
    assert!(none(
        "-- bellows:contract requires-app=\">=2.4.0\"\nALTER TABLE accounts RENAME TO customers;"
    ));
    assert!(none(
        "CREATE TABLE tmp_x (id int);\nALTER TABLE tmp_x RENAME TO x;"
    ));
    assert!(none("ALTER TABLE users RENAME COLUMN a TO b;"));
    assert!(none("-- bellows:expand\nALTER TABLE a ADD COLUMN x int;\n-- bellows:down\nALTER TABLE customers RENAME TO accounts;"));
    assert!(none("ALTER TABLE users RENAME CONSTRAINT a TO b;"));
    assert!(
        !mysql("RENAME TABLE a TO b;\nCREATE OR REPLACE VIEW a AS SELECT * FROM b;")
            .contains("[rename-table]")
    );
}
