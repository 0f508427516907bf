//! `set-not-null`.

use crate::lint::support::{at, mysql, pg, rules_in, rules_pg};
use bellows::Dialect;

#[test]
fn flags_set_not_null_on_postgres() {
    insta::assert_snapshot!(pg(
        "-- bellows:contract\nALTER TABLE users ALTER COLUMN email SET NOT NULL;"
    ));
}

#[test]
fn flags_modify_not_null_on_mysql() {
    insta::assert_snapshot!(mysql(
        "ALTER TABLE users MODIFY email varchar(255) NOT NULL;"
    ));
}

#[test]
fn a_validated_check_earlier_in_the_file_makes_it_safe_on_12_plus() {
    let sql =
        "ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;\n\
               COMMIT;\n\
               ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;\n\
               ALTER TABLE users ALTER COLUMN email SET NOT NULL;";
    assert!(!rules_pg(sql).contains(&"set-not-null"));
    assert!(
        at(Dialect::Postgres, "11", sql).contains("set-not-null"),
        "PostgreSQL 11 scans anyway"
    );
    let unvalidated =
        "ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;\n\
                       ALTER TABLE users ALTER COLUMN email SET NOT NULL;";
    assert!(rules_pg(unvalidated).contains(&"set-not-null"));
}

#[test]
fn passes_new_tables_and_online_mysql_rebuilds() {
    assert!(
        rules_pg("CREATE TABLE t (a int);\nALTER TABLE t ALTER COLUMN a SET NOT NULL;").is_empty()
    );
    assert!(rules_in(
        Dialect::Mysql,
        "ALTER TABLE users MODIFY email varchar(255) NOT NULL, ALGORITHM=INPLACE, LOCK=NONE;"
    )
    .is_empty());
}
