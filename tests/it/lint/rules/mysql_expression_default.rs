//! `mysql-expression-default`.

use crate::lint::support::{at, mysql, report_with};
use bellows::lint::LintOptions;
use bellows::Dialect;

const ID: &str = "mysql-expression-default";

fn found(dialect: Dialect, sql: &str) -> bool {
    report_with(LintOptions::new(dialect), "migration.sql", sql)
        .diagnostics()
        .any(|d| d.rule == ID)
}

#[test]
fn flags_a_parenthesised_expression_default() {
    insta::assert_snapshot!(mysql(
        "ALTER TABLE users ADD COLUMN api_token CHAR(36) DEFAULT (UUID());"
    ));
}

#[test]
fn flags_a_bare_expression_on_mariadb_through_the_token_path() {
    insta::assert_snapshot!(at(
        Dialect::Mariadb,
        "10.11",
        "ALTER TABLE users ADD COLUMN IF NOT EXISTS expires_at DATETIME DEFAULT NOW() + INTERVAL 1 DAY;"
    ));
}

#[test]
fn before_instant_columns_the_rewrite_asserts_inplace() {
    insta::assert_snapshot!(at(
        Dialect::Mysql,
        "8.0.11",
        "ALTER TABLE users ADD COLUMN score INT DEFAULT (42 * 2);"
    ));
}

#[test]
fn passes_literals_current_timestamp_and_new_tables() {
    for sql in [
        "ALTER TABLE users ADD COLUMN flags INT NOT NULL DEFAULT 0;",
        "ALTER TABLE users ADD COLUMN status VARCHAR(10) DEFAULT 'new', ADD n INT DEFAULT -1;",
        "ALTER TABLE users ADD COLUMN seen DATETIME DEFAULT CURRENT_TIMESTAMP;",
        "CREATE TABLE t (a INT);\nALTER TABLE t ADD COLUMN token CHAR(36) DEFAULT (UUID());",
    ] {
        assert!(!found(Dialect::Mysql, sql), "{sql}");
    }
    // A current-time default with a precision is not an expression, on MariaDB either.
    assert!(!found(
        Dialect::Mariadb,
        "ALTER TABLE users ADD COLUMN updated DATETIME DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP;"
    ));
    assert!(!found(
        Dialect::Mariadb,
        "ALTER TABLE users ADD COLUMN seen DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6);"
    ));
}
