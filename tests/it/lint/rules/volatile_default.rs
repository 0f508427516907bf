//! `volatile-default`.

use crate::lint::support::{at, pg, rules_pg};
use bellows::Dialect;

const ID: &str = "volatile-default";

#[test]
fn flags_a_volatile_default() {
    insta::assert_snapshot!(pg(
        "ALTER TABLE users ADD COLUMN api_token uuid DEFAULT gen_random_uuid();"
    ));
}

#[test]
fn flags_an_unknown_function_and_keeps_only_name_and_type_in_the_rewrite() {
    insta::assert_snapshot!(pg(
        "ALTER TABLE users ADD COLUMN IF NOT EXISTS score numeric(5, 2) NOT NULL DEFAULT compute_score(1);"
    ));
}

#[test]
fn flags_a_constant_default_on_postgres_10() {
    insta::assert_snapshot!(at(
        Dialect::Postgres,
        "10",
        "ALTER TABLE users ADD COLUMN status text DEFAULT 'active';"
    ));
}

#[test]
fn passes_non_volatile_defaults_on_11_and_new_tables() {
    for sql in [
        "ALTER TABLE users ADD COLUMN status text DEFAULT 'active';",
        "ALTER TABLE users ADD COLUMN created_at timestamptz DEFAULT now();",
        "ALTER TABLE users ADD COLUMN meta jsonb DEFAULT '{}'::jsonb, ADD n numeric(3, 1) DEFAULT 1.5::numeric(3, 1);",
        "ALTER TABLE users ADD COLUMN c text DEFAULT NULL;",
        "CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN token uuid DEFAULT gen_random_uuid();",
    ] {
        assert!(!rules_pg(sql).contains(&ID), "{sql}");
    }
    assert!(at(
        Dialect::Postgres,
        "10",
        "ALTER TABLE users ADD COLUMN c text DEFAULT NULL;"
    )
    .starts_with("clean"));
}

#[test]
fn passes_common_stable_functions_and_flags_unknown_ones_only_as_warnings() {
    let sql = "ALTER TABLE users ADD COLUMN tz text DEFAULT timezone('utc', now())::text, ADD j jsonb DEFAULT to_jsonb('x'::text);";
    assert!(!rules_pg(sql).contains(&ID));
    let out = pg("ALTER TABLE users ADD COLUMN s int DEFAULT my_immutable_fn();");
    assert!(out.starts_with("warning[volatile-default]"), "{out}");
}
