//! `constraint-not-valid`.

use crate::lint::support::{pg, rules_pg};

const ID: &str = "constraint-not-valid";

#[test]
fn flags_a_named_check() {
    insta::assert_snapshot!(pg(
        "ALTER TABLE orders ADD CONSTRAINT orders_quantity_positive CHECK (quantity > 0);"
    ));
}

#[test]
fn names_an_unnamed_check_so_it_can_be_validated_later() {
    insta::assert_snapshot!(pg(
        "ALTER TABLE orders\n  ADD COLUMN note text,\n  ADD CHECK (char_length(note) < 500);"
    ));
}

#[test]
fn passes_not_valid_and_new_tables() {
    for sql in [
        "ALTER TABLE orders ADD CONSTRAINT q CHECK (quantity > 0) NOT VALID;",
        "CREATE TABLE t (a int);\nALTER TABLE t ADD CONSTRAINT a_pos CHECK (a > 0);",
        "ALTER TABLE orders ADD COLUMN \"check\" int;",
    ] {
        assert!(!rules_pg(sql).contains(&ID), "{sql}");
    }
}

#[test]
fn leaves_foreign_keys_to_their_own_rule() {
    let sql = "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id);";
    assert!(!rules_pg(sql).contains(&ID));
}
