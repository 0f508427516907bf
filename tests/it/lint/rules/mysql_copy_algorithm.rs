//! `mysql-copy-algorithm`.

use crate::lint::support::{at, mysql, report_with};
use bellows::lint::LintOptions;
use bellows::Dialect;

const ID: &str = "mysql-copy-algorithm";

fn found(dialect: Dialect, sql: &str) -> bool {
    report_with(LintOptions::new(dialect), "migration.sql", sql)
        .diagnostics()
        .any(|d| d.rule == ID)
}

#[test]
fn flags_algorithm_copy() {
    insta::assert_snapshot!(mysql(
        "ALTER TABLE orders ADD INDEX orders_created_idx (created_at), ALGORITHM=COPY;"
    ));
}

#[test]
fn flags_blocking_locks_on_create_index_and_drop_index() {
    insta::assert_snapshot!(mysql(
        "CREATE INDEX orders_user_idx ON orders (user_id) LOCK=EXCLUSIVE;"
    ));
    // sqlparser 0.63 cannot read DROP INDEX ... ALGORITHM; the token path still checks it.
    insta::assert_snapshot!(at(
        Dialect::Mariadb,
        "10.11",
        "DROP INDEX orders_user_idx ON orders LOCK=SHARED;"
    ));
}

#[test]
fn flags_a_session_that_forces_copies() {
    insta::assert_snapshot!(at(
        Dialect::Mariadb,
        "10.11",
        "SET SESSION alter_algorithm = 'COPY';"
    ));
}

#[test]
fn passes_online_assertions_and_new_tables() {
    for sql in [
        "ALTER TABLE orders ADD INDEX i (a), ALGORITHM=INPLACE, LOCK=NONE;",
        "ALTER TABLE orders ADD COLUMN c int, ALGORITHM=INSTANT;",
        "ALTER TABLE orders ADD COLUMN note varchar(20) DEFAULT 'ALGORITHM=COPY';",
        "CREATE TABLE t (a int);\nALTER TABLE t ADD INDEX i (a), ALGORITHM=COPY;",
    ] {
        assert!(!found(Dialect::Mysql, sql), "{sql}");
    }
    assert!(!found(
        Dialect::Mariadb,
        "ALTER TABLE orders ALGORITHM=NOCOPY, ADD COLUMN c int;"
    ));
}
