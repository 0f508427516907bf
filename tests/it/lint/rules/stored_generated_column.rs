//! `stored-generated-column`.

use crate::lint::support::{at, check_with, mysql, pg, rules_in, rules_pg};
use bellows::lint::LintOptions;
use bellows::Dialect;

#[test]
fn flags_stored_on_postgres_17_without_a_virtual_rewrite() {
    insta::assert_snapshot!(at(
        Dialect::Postgres,
        "17",
        "ALTER TABLE users ADD COLUMN email_lower text GENERATED ALWAYS AS (lower(email)) STORED;"
    ));
}

#[test]
fn flags_stored_on_mysql_with_the_virtual_rewrite() {
    insta::assert_snapshot!(mysql(
        "ALTER TABLE users ADD COLUMN email_lower varchar(255) AS (lower(email)) STORED;"
    ));
}

#[test]
fn passes_virtual_columns_and_new_tables() {
    assert!(rules_in(
        Dialect::Mysql,
        "ALTER TABLE users ADD COLUMN l varchar(255) AS (lower(email)) VIRTUAL;"
    )
    .is_empty());
    assert!(rules_pg("CREATE TABLE t (a text);\nALTER TABLE t ADD COLUMN b text GENERATED ALWAYS AS (lower(a)) STORED;").is_empty());
    let _ = pg("SELECT 1;");
}

#[test]
fn token_path_flags_mariadb_persistent() {
    let sql = "ALTER TABLE users ADD COLUMN email_lower varchar(255) AS (lower(email)) PERSISTENT;";
    insta::assert_snapshot!(check_with(LintOptions::new(Dialect::Mariadb), sql));
}
