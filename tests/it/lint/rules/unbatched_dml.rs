//! `unbatched-dml`.

use crate::lint::support::{mysql, pg, rules_pg};

#[test]
fn flags_a_whole_table_update_in_expand() {
    insta::assert_snapshot!(pg(
        "-- bellows:expand\nALTER TABLE users ADD COLUMN primary_email text;\nUPDATE users SET primary_email = email_address WHERE primary_email IS NULL;\n"
    ));
}

#[test]
fn flags_a_whole_table_delete_on_mysql() {
    insta::assert_snapshot!(mysql("DELETE FROM sessions;"));
}

#[test]
fn passes_bounded_statements_backfills_and_new_tables() {
    assert!(rules_pg("UPDATE users SET plan = 'pro' WHERE id = 42;").is_empty());
    assert!(rules_pg("DELETE FROM users WHERE id IN (1, 2, 3);").is_empty());
    assert!(
        rules_pg("UPDATE users SET a = 1 WHERE id BETWEEN 1 AND 1000 AND a IS NULL;").is_empty()
    );
    assert!(
        rules_pg("-- bellows:backfill table=users\nUPDATE users SET a = b WHERE a IS NULL;")
            .is_empty()
    );
    assert!(rules_pg("CREATE TABLE t (a int);\nUPDATE t SET a = 1;").is_empty());
    assert_eq!(
        rules_pg("UPDATE users SET a = 1 WHERE id = 1 OR a IS NULL;"),
        vec!["unbatched-dml"]
    );
}
