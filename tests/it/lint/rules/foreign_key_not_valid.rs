//! `foreign-key-not-valid`.

use crate::lint::support::{mysql, pg, rules_pg};

#[test]
fn flags_a_validated_foreign_key_on_postgres() {
    insta::assert_snapshot!(pg(
        "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);"
    ));
}

#[test]
fn flags_an_inline_reference_and_mysql() {
    insta::assert_snapshot!(pg(
        "ALTER TABLE orders ADD COLUMN coupon_id bigint REFERENCES coupons (id);"
    ));
    insta::assert_snapshot!(mysql(
        "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);"
    ));
}

#[test]
fn passes_not_valid_and_new_tables() {
    assert!(rules_pg(
        "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;"
    )
    .is_empty());
    assert!(rules_pg(
        "CREATE TABLE o (id bigint, user_id bigint);\nALTER TABLE o ADD CONSTRAINT o_fk FOREIGN KEY (user_id) REFERENCES users (id);"
    )
    .is_empty());
}

#[test]
fn passes_mysql_with_foreign_key_checks_off_and_flags_it_once_they_are_back_on() {
    use crate::lint::support::rules_in;
    let off = "SET foreign_key_checks = 0;\nALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id), ALGORITHM=INPLACE, LOCK=NONE;\n";
    assert!(!rules_in(bellows::Dialect::Mysql, off).contains(&"foreign-key-not-valid"));
    let back_on = off.replace(";\nALTER", ";\nSET foreign_key_checks = 1;\nALTER");
    assert!(rules_in(bellows::Dialect::Mysql, &back_on).contains(&"foreign-key-not-valid"));
}
