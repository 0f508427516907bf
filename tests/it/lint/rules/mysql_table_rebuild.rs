//! `mysql-table-rebuild`.

use crate::lint::support::{at, mysql, report_with};
use bellows::lint::LintOptions;
use bellows::Dialect;

const ID: &str = "mysql-table-rebuild";

fn found(dialect: Dialect, sql: &str) -> bool {
    report_with(LintOptions::new(dialect), "migration.sql", sql)
        .diagnostics()
        .any(|d| d.rule == ID)
}

#[test]
fn flags_a_character_set_conversion() {
    insta::assert_snapshot!(mysql(
        "ALTER TABLE comments CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_ai_ci;"
    ));
}

#[test]
fn flags_in_place_rebuilds() {
    insta::assert_snapshot!(at(
        Dialect::Mariadb,
        "10.11",
        "ALTER TABLE events ENGINE=InnoDB, ROW_FORMAT=COMPRESSED KEY_BLOCK_SIZE=8;"
    ));
    insta::assert_snapshot!(mysql("OPTIMIZE TABLE events;"));
}

#[test]
fn flags_partitioning_changes() {
    insta::assert_snapshot!(mysql(
        "ALTER TABLE events PARTITION BY HASH (id) PARTITIONS 8;"
    ));
}

#[test]
fn passes_metadata_changes_lookalikes_and_new_tables() {
    for sql in [
        "ALTER TABLE comments DEFAULT CHARACTER SET utf8mb4;",
        "ALTER TABLE comments ADD COLUMN engine VARCHAR(10), ADD COLUMN force INT;",
        "ALTER TABLE events ADD PARTITION (PARTITION p2030 VALUES LESS THAN (2031));",
        "CREATE TABLE t (a INT);\nALTER TABLE t CONVERT TO CHARACTER SET utf8mb4;",
    ] {
        assert!(!found(Dialect::Mysql, sql), "{sql}");
    }
    assert!(!found(
        Dialect::Mariadb,
        "CREATE TABLE t (a INT);\nALTER TABLE t FORCE;"
    ));
}
