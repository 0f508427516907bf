//! `drop-column`.

use crate::lint::support::{at, mysql, pg, rules_pg};
use bellows::Dialect;

#[test]
fn flags_a_drop_in_a_file_without_markers() {
    insta::assert_snapshot!(pg("ALTER TABLE users DROP COLUMN legacy_flags;"));
}

#[test]
fn flags_each_dropped_column_in_an_expand_phase() {
    insta::assert_snapshot!(pg("-- bellows:expand\nALTER TABLE public.users\n  DROP COLUMN a,\n  DROP CONSTRAINT users_a_check,\n  DROP IF EXISTS b CASCADE;\n"));
}

#[test]
fn flags_mysql_drops_with_the_online_algorithm_of_the_version() {
    insta::assert_snapshot!(mysql("ALTER TABLE `Users` DROP `Old`, ALGORITHM=INPLACE;"));
    insta::assert_snapshot!(at(
        Dialect::Mysql,
        "8.0.20",
        "ALTER TABLE users DROP COLUMN old;"
    ));
}

#[test]
fn token_path_flags_a_drop_the_parser_cannot_read() {
    // MariaDB's ADD COLUMN IF NOT EXISTS is not read by sqlparser 0.63; the drop next to it
    // is still found.
    insta::assert_snapshot!(at(
        Dialect::Mariadb,
        "10.11",
        "ALTER TABLE t ADD COLUMN IF NOT EXISTS x int, DROP COLUMN y;"
    ));
}

#[test]
fn passes_contract_phases_new_tables_and_other_drops() {
    let none = |sql: &str| !rules_pg(sql).contains(&"drop-column");
    assert!(none(
        "-- bellows:contract requires-app=\">=2.4.0\"\nALTER TABLE users DROP COLUMN legacy_flags;"
    ));
    assert!(none("-- bellows:expand\nALTER TABLE users ADD COLUMN e text;\n-- bellows:contract\nALTER TABLE users DROP COLUMN email;"));
    assert!(none(
        "CREATE TABLE scratch (id bigint, tmp text);\nALTER TABLE scratch DROP COLUMN tmp;"
    ));
    assert!(none("ALTER TABLE users DROP CONSTRAINT users_email_key;"));
    assert!(none("ALTER TABLE users ADD COLUMN tmp_flag boolean;\nUPDATE users SET tmp_flag = true WHERE id = 1;\nALTER TABLE users DROP COLUMN tmp_flag;"));
    assert!(none("-- bellows:expand\nALTER TABLE users ADD COLUMN e text;\n-- bellows:down\nALTER TABLE users DROP COLUMN e;"));
    assert!(none(
        "-- bellows:allow drop-column never shipped\nALTER TABLE users DROP COLUMN e;"
    ));
    assert!(none("ALTER TABLE users ALTER COLUMN email DROP DEFAULT;"));
    assert!(!mysql(
        "ALTER TABLE users DROP INDEX users_email, DROP FOREIGN KEY fk, DROP PRIMARY KEY;"
    )
    .contains("[drop-column]"));
}
