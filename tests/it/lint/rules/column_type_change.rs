//! `column-type-change`.

use crate::lint::support::{mysql, pg, rules_in, rules_pg};
use bellows::Dialect;

#[test]
fn flags_a_rewriting_type_change_on_postgres() {
    insta::assert_snapshot!(pg("ALTER TABLE users ALTER COLUMN id TYPE bigint;"));
}

#[test]
fn warns_on_a_varchar_target_that_may_only_widen() {
    insta::assert_snapshot!(pg("ALTER TABLE users ALTER COLUMN name TYPE varchar(200);"));
}

#[test]
fn flags_modify_on_mysql_without_an_algorithm_assertion() {
    insta::assert_snapshot!(mysql("ALTER TABLE users MODIFY name varchar(300);"));
}

#[test]
fn passes_new_tables_and_asserted_online_changes() {
    assert!(
        rules_pg("CREATE TABLE t (a int);\nALTER TABLE t ALTER COLUMN a TYPE bigint;").is_empty()
    );
    assert!(rules_in(
        Dialect::Mysql,
        "ALTER TABLE users MODIFY name varchar(300), ALGORITHM=INPLACE, LOCK=NONE;"
    )
    .is_empty());
}
