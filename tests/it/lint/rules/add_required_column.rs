//! `add-required-column`.

use crate::lint::support::{mysql, pg, rules_in, rules_pg};
use bellows::Dialect;

#[test]
fn flags_not_null_without_default_on_postgres() {
    insta::assert_snapshot!(pg("ALTER TABLE users ADD COLUMN age integer NOT NULL;"));
}

#[test]
fn flags_not_null_without_default_on_mysql() {
    insta::assert_snapshot!(mysql(
        "ALTER TABLE users ADD COLUMN plan varchar(20) NOT NULL;"
    ));
}

#[test]
fn passes_defaults_nullable_columns_and_new_tables() {
    assert!(rules_pg("ALTER TABLE users ADD COLUMN age integer NOT NULL DEFAULT 0;").is_empty());
    assert!(rules_pg("ALTER TABLE users ADD COLUMN age integer;").is_empty());
    assert!(
        rules_pg("CREATE TABLE t (id bigint);\nALTER TABLE t ADD COLUMN a int NOT NULL;")
            .is_empty()
    );
    assert!(rules_in(
        Dialect::Mysql,
        "ALTER TABLE users ADD COLUMN plan varchar(20) NOT NULL DEFAULT 'free';"
    )
    .is_empty());
}
