//! `unique-constraint`.

use crate::lint::support::{mysql, pg, rules_in, rules_pg};
use bellows::Dialect;

#[test]
fn flags_add_unique_on_postgres() {
    insta::assert_snapshot!(pg(
        "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);"
    ));
}

#[test]
fn flags_add_unique_on_mysql() {
    insta::assert_snapshot!(mysql(
        "ALTER TABLE users ADD UNIQUE KEY users_email (email);"
    ));
}

#[test]
fn passes_using_index_and_new_tables() {
    assert!(rules_pg(
        "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;"
    )
    .is_empty());
    assert!(
        rules_pg("CREATE TABLE t (a int);\nALTER TABLE t ADD CONSTRAINT t_a UNIQUE (a);")
            .is_empty()
    );
}

#[test]
fn mysql_create_unique_index_and_online_assertions() {
    assert_eq!(
        rules_in(Dialect::Mysql, "CREATE UNIQUE INDEX ue ON users (email);"),
        vec!["unique-constraint"]
    );
    assert!(rules_in(
        Dialect::Mysql,
        "ALTER TABLE users ADD UNIQUE KEY u (email), ALGORITHM=INPLACE, LOCK=NONE;"
    )
    .is_empty());
    assert!(rules_in(
        Dialect::Mysql,
        "CREATE TABLE t (a int);\nCREATE UNIQUE INDEX ua ON t (a);"
    )
    .is_empty());
}
