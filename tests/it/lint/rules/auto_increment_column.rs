//! `auto-increment-column`.

use crate::lint::support::{mysql, pg, rules_pg};

#[test]
fn flags_serial_and_identity_on_postgres() {
    insta::assert_snapshot!(pg("ALTER TABLE events ADD COLUMN seq bigserial;"));
    assert!(
        rules_pg("ALTER TABLE events ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY;")
            .contains(&"auto-increment-column")
    );
}

#[test]
fn flags_auto_increment_on_mysql() {
    insta::assert_snapshot!(mysql(
        "ALTER TABLE events ADD COLUMN n bigint AUTO_INCREMENT, ADD UNIQUE KEY (n);"
    ));
}

#[test]
fn passes_plain_columns_and_new_tables() {
    assert!(rules_pg("ALTER TABLE events ADD COLUMN n bigint;").is_empty());
    assert!(rules_pg("CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN id bigserial;").is_empty());
}
