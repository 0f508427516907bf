//! Recipes written against a schema model (the folder replayed): what the new column keeps,
//! names that do not collide, and what the file says it cannot keep.

use super::{op, Args, Model, Recipe, Rendered};
use crate::{Dialect, Migration, Result};

/// `op_name` with `args` against the model of `schema` (one expand phase), gated on 2.0.0.
fn render(op_name: &str, args: &[&str], schema: &str, dialect: Dialect) -> Result<Rendered> {
    let m = Migration::parse(
        "1_schema.sql",
        &format!("-- bellows:expand\n{schema}"),
        dialect,
    )
    .expect("a migration");
    let model = Model::replay(&[m], dialect);
    let spec = op(op_name).expect("a registered op");
    let mut parsed = Args::new();
    let mut options = args.iter().peekable();
    let positionals: Vec<&str> = spec
        .params
        .iter()
        .filter(|p| !p.is_option())
        .map(|p| p.name)
        .collect();
    let mut at = 0;
    while let Some(a) = options.next() {
        if let Some(flag) = a.strip_prefix("--") {
            parsed.set(flag, vec![(*options.next().expect("a value")).to_string()]);
        } else {
            parsed.set(positionals[at], vec![(*a).to_string()]);
            at += 1;
        }
    }
    let recipe = Recipe {
        dialect,
        requires_app: Some(">=2.0.0".into()),
        key: "id".into(),
    };
    recipe.render_with(spec, &parsed, Some(&model))
}

const USERS_PG: &str = "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL UNIQUE);";
const USERS_MY: &str =
    "CREATE TABLE users (id bigint PRIMARY KEY, email varchar(255) NOT NULL UNIQUE);";

#[test]
fn rename_keeps_not_null_and_unique_without_type_or_placeholder() {
    let args = ["users", "email", "primary_email"];
    let pg = render("rename-column", &args, USERS_PG, Dialect::Postgres).unwrap();
    assert!(pg.warnings.is_empty(), "{:?}", pg.warnings);
    insta::assert_snapshot!("rename_unique_not_null_postgres", pg.text);
    let my = render("rename-column", &args, USERS_MY, Dialect::Mariadb).unwrap();
    insta::assert_snapshot!("rename_unique_not_null_mysql", my.text);
    // The placeholder cannot collide: the old column's unique index goes first.
    let drop = my.text.find("DROP INDEX `email`").expect("dropped");
    let placeholder = my.text.find("SET DEFAULT ''").expect("placeholder");
    assert!(drop < placeholder, "{}", my.text);
}

#[test]
fn a_nullable_mysql_column_needs_no_placeholder() {
    let schema = "CREATE TABLE t (id int PRIMARY KEY, d datetime);";
    let my = render("rename-column", &["t", "d", "e"], schema, Dialect::Mysql).unwrap();
    assert!(!my.text.contains("SET DEFAULT"), "{}", my.text);
    let schema = "CREATE TABLE t (id int PRIMARY KEY, d datetime NOT NULL);";
    let my = render("rename-column", &["t", "d", "e"], schema, Dialect::Mysql).unwrap();
    assert!(
        my.text
            .contains("ALTER TABLE `t` ALTER COLUMN `d` SET DEFAULT '2000-01-01 00:00:00', ALGORITHM=INSTANT;"),
        "{}",
        my.text
    );
}

#[test]
fn names_do_not_collide_with_the_models() {
    let schema = "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\n\
                  CREATE UNIQUE INDEX users_email_key ON users (email);\n\
                  CREATE INDEX users_primary_email_key ON users (id);";
    let pg = render(
        "rename-column",
        &["users", "email", "primary_email"],
        schema,
        Dialect::Postgres,
    )
    .unwrap();
    assert!(
        pg.text.contains(
            "CREATE UNIQUE INDEX CONCURRENTLY \"users_primary_email_key1\" ON \"users\" (\"primary_email\")"
        ),
        "{}",
        pg.text
    );
}

#[test]
fn what_cannot_be_kept_is_said_in_the_file() {
    let schema = "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\n\
                  CREATE INDEX users_lower_email ON users (lower(email));\n\
                  CREATE VIEW emails AS SELECT email FROM users;";
    let pg = render(
        "rename-column",
        &["users", "email", "primary_email"],
        schema,
        Dialect::Postgres,
    )
    .unwrap();
    assert_eq!(pg.warnings.len(), 2, "{:?}", pg.warnings);
    assert!(
        pg.warnings[0].contains("users_lower_email"),
        "{:?}",
        pg.warnings
    );
    assert!(
        pg.warnings[1].contains("the view emails"),
        "{:?}",
        pg.warnings
    );
    assert!(
        pg.text
            .contains("-- Warning: the view emails uses users.email"),
        "{}",
        pg.text
    );
}

#[test]
fn checks_defaults_and_keys_are_carried() {
    let schema = "CREATE TABLE accounts (id bigint PRIMARY KEY);\n\
        CREATE TABLE users (id bigint PRIMARY KEY, account bigint NOT NULL DEFAULT 1 REFERENCES accounts (id), \
        CONSTRAINT account_positive CHECK (account > 0));";
    let pg = render(
        "rename-column",
        &["users", "account", "account_id"],
        schema,
        Dialect::Postgres,
    )
    .unwrap();
    insta::assert_snapshot!("rename_checks_defaults_keys_postgres", pg.text);
}

#[test]
fn tables_the_model_does_not_know_need_the_overrides() {
    let err = render(
        "rename-column",
        &["nope", "a", "b"],
        USERS_PG,
        Dialect::Postgres,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("no table nope") && err.contains("--type"),
        "{err}"
    );
    let ok = render(
        "rename-column",
        &["nope", "a", "b", "--type", "text"],
        USERS_PG,
        Dialect::Postgres,
    )
    .unwrap();
    assert!(ok.warnings[0].contains("keeps none"), "{:?}", ok.warnings);
    let err = render(
        "rename-column",
        &["users", "nope", "b"],
        USERS_PG,
        Dialect::Postgres,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("has no column nope"), "{err}");
}

#[test]
fn change_type_keeps_not_null_and_unique() {
    let schema = "CREATE TABLE orders (id bigint PRIMARY KEY, amount int NOT NULL UNIQUE);";
    let args = ["orders", "amount", "bigint"];
    let pg = render("change-type", &args, schema, Dialect::Postgres).unwrap();
    insta::assert_snapshot!("change_type_unique_not_null_postgres", pg.text);
    let my = render("change-type", &args, schema, Dialect::Mysql).unwrap();
    assert!(
        my.text.contains(
            "ALTER TABLE `orders` MODIFY COLUMN `amount_new` bigint NOT NULL, ALGORITHM=INPLACE, LOCK=NONE;"
        ),
        "{}",
        my.text
    );
}

#[test]
fn add_foreign_key_names_an_index_that_does_not_exist_yet() {
    let schema = "CREATE TABLE users (id bigint PRIMARY KEY);\n\
                  CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);\n\
                  CREATE INDEX orders_user_id_idx ON orders (user_id, id);";
    let args = ["orders", "user_id", "users", "id"];
    let pg = render("add-foreign-key", &args, schema, Dialect::Postgres).unwrap();
    assert!(
        pg.text.contains(
            "CREATE INDEX CONCURRENTLY \"orders_user_id_idx1\" ON \"orders\" (\"user_id\")"
        ),
        "{}",
        pg.text
    );
}

#[test]
fn drop_column_and_add_not_null_read_what_they_need() {
    let schema = "CREATE TABLE users (id bigint PRIMARY KEY, nick varchar(20) NOT NULL, \
                  points int DEFAULT 7);";
    let my = render("drop-column", &["users", "nick"], schema, Dialect::Mysql).unwrap();
    assert!(
        my.text
            .contains("ALTER TABLE `users` ALTER COLUMN `nick` SET DEFAULT ''"),
        "{}",
        my.text
    );
    let args = ["users", "points", "--default", "0"];
    let my = render("add-not-null", &args, schema, Dialect::Mysql).unwrap();
    assert!(
        my.text
            .contains("MODIFY COLUMN `points` INT NOT NULL DEFAULT 0")
            && my.text.contains("ALTER COLUMN `points` SET DEFAULT 7"),
        "type and current default read: {}",
        my.text
    );
}
