use super::*;
use crate::schema::{Lookup, Table};

fn model(dialect: Dialect, sql: &[&str]) -> Schema {
    let mut r = Replay::new(dialect, Folding::of(dialect));
    for (i, s) in sql.iter().enumerate() {
        r.statement(s, &format!("f.sql:{}", i + 1));
    }
    r.finish()
}

fn table<'a>(s: &'a Schema, name: &str) -> &'a Table {
    match s.table(&TableName::parse(name, s.dialect, s.folding).unwrap()) {
        Lookup::Known(t) => t,
        other => panic!("{name}: {other:?}"),
    }
}

fn is_unknown(s: &Schema, name: &str) -> bool {
    matches!(
        s.table(&TableName::parse(name, s.dialect, s.folding).unwrap()),
        Lookup::Unknown(_)
    )
}

#[test]
fn create_table_with_every_kind_of_constraint() {
    let s = model(Dialect::Postgres, &[
        "CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email varchar(200) NOT NULL UNIQUE, name text COLLATE \"C\" DEFAULT 'x', age int CHECK (age > 0))",
        "CREATE TABLE orders (id serial PRIMARY KEY, user_id bigint REFERENCES users (id), total numeric(10, 2))",
    ]);
    let users = table(&s, "users");
    assert_eq!(
        users.primary_key.as_ref().unwrap().name.as_deref(),
        Some("users_pkey")
    );
    let email = users.column("email").unwrap();
    assert!(!email.nullable);
    assert_eq!(email.type_normalized, "character varying(200)");
    assert_eq!(
        users.column("id").unwrap().identity.as_deref(),
        Some("always")
    );
    assert_eq!(
        users.column("name").unwrap().collation.as_deref(),
        Some("C")
    );
    assert_eq!(
        users.column("name").unwrap().default.as_deref(),
        Some("'x'")
    );
    assert_eq!(users.indexes[0].name.as_deref(), Some("users_email_key"));
    assert!(users.unique_over(&["email".into()]));
    assert_eq!(users.checks[0].name.as_deref(), Some("users_age_check"));
    assert_eq!(users.checks[0].columns, ["age"]);
    let orders = table(&s, "orders");
    assert_eq!(
        orders.foreign_keys[0].name.as_deref(),
        Some("orders_user_id_fkey")
    );
    assert!(!orders.column("id").unwrap().nullable);
    assert_eq!(s.referencing(&users.name).len(), 1);
    assert!(matches!(s.table(&TableName::new("nope")), Lookup::Absent));
}

#[test]
fn alter_table_columns_and_constraints() {
    let s = model(
        Dialect::Postgres,
        &[
            "CREATE TABLE t (id int PRIMARY KEY, a text, b int)",
            "ALTER TABLE t ADD COLUMN c text NOT NULL DEFAULT ''",
            "ALTER TABLE t ALTER COLUMN a SET NOT NULL, ALTER COLUMN b TYPE bigint",
            "ALTER TABLE t ALTER COLUMN c DROP DEFAULT",
            "ALTER TABLE t ADD CONSTRAINT b_pos CHECK (b > 0) NOT VALID",
            "ALTER TABLE t ADD CONSTRAINT a_nn CHECK (a IS NOT NULL) NOT VALID",
            "ALTER TABLE t VALIDATE CONSTRAINT b_pos",
            "ALTER TABLE t DROP CONSTRAINT a_nn",
            "ALTER TABLE t DROP COLUMN IF EXISTS zz",
        ],
    );
    let t = table(&s, "t");
    assert!(!t.column("a").unwrap().nullable);
    assert_eq!(t.column("b").unwrap().type_normalized, "bigint");
    assert_eq!(t.column("c").unwrap().default, None);
    assert_eq!(t.checks.len(), 1);
    assert!(t.checks[0].validated);
    let s = model(
        Dialect::Postgres,
        &[
            "CREATE TABLE t (a int)",
            "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID",
        ],
    );
    assert!(!table(&s, "t").checks[0].validated);
}

#[test]
fn indexes_concurrent_partial_unique_and_dropped() {
    let s = model(
        Dialect::Postgres,
        &[
            "CREATE TABLE t (id int PRIMARY KEY, email text, deleted_at timestamptz)",
            "CREATE UNIQUE INDEX CONCURRENTLY t_email_live ON t (email) WHERE deleted_at IS NULL",
            "CREATE INDEX ON t (lower(email))",
            "CREATE INDEX t_deleted ON t (deleted_at)",
            "DROP INDEX CONCURRENTLY IF EXISTS t_deleted",
        ],
    );
    let t = table(&s, "t");
    assert_eq!(t.indexes.len(), 2);
    assert!(t.indexes[0].unique && t.indexes[0].predicate.is_some());
    assert!(
        !t.unique_over(&["email".into()]),
        "a partial index is no key"
    );
    assert_eq!(t.indexes[1].columns, ["(lower(email))"]);
    // An index replay could not name, then a DROP INDEX of an unknown name: unknown.
    let s = model(
        Dialect::Postgres,
        &[
            "CREATE TABLE t (e text)",
            "CREATE INDEX ON t (lower(e))",
            "DROP INDEX t_lower_idx",
        ],
    );
    assert!(is_unknown(&s, "t"));
}

#[test]
fn renames_carry_constraints_along() {
    let s = model(Dialect::Postgres, &[
        "CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL UNIQUE CHECK (email <> ''))",
        "CREATE TABLE logins (user_email text REFERENCES users (email))",
        "CREATE VIEW v AS SELECT email FROM users",
        "ALTER TABLE users RENAME COLUMN email TO primary_email",
        "ALTER TABLE users RENAME TO accounts",
    ]);
    assert!(matches!(s.table(&TableName::new("users")), Lookup::Absent));
    let t = table(&s, "accounts");
    assert_eq!(t.indexes[0].columns, ["primary_email"]);
    assert_eq!(t.checks[0].columns, ["primary_email"]);
    assert!(
        t.checks[0].expr.contains("primary_email"),
        "{}",
        t.checks[0].expr
    );
    assert!(!t.column("primary_email").unwrap().nullable);
    let fk = &table(&s, "logins").foreign_keys[0];
    assert_eq!(fk.references, TableName::new("accounts"));
    assert_eq!(fk.referenced_columns, ["primary_email"]);
    assert_eq!(
        s.views[0].uses,
        [(t.name.clone(), "primary_email".to_string())]
    );
}

#[test]
fn mixed_case_and_schema_qualified_names() {
    let s = model(
        Dialect::Postgres,
        &[
            "CREATE TABLE \"Users\" (\"Id\" int PRIMARY KEY)",
            "CREATE TABLE users (id int PRIMARY KEY)",
            "CREATE TABLE app.Users (id int)",
        ],
    );
    assert_eq!(table(&s, "\"Users\"").columns[0].name, "Id");
    assert_eq!(table(&s, "Users").columns[0].name, "id");
    assert_eq!(table(&s, "public.users").columns[0].name, "id");
    assert!(table(&s, "app.users").primary_key.is_none());
    assert_eq!(s.table_written("Users").known().unwrap().name.name, "Users");
    assert_eq!(s.table_written("USERS").known().unwrap().name.name, "users");
}

#[test]
fn unreadable_statements_mark_what_they_touch_unknown() {
    let s = model(
        Dialect::Postgres,
        &[
            "CREATE TABLE a (id int)",
            "CREATE TABLE b (id int)",
            "CREATE TABLE c (id int)",
            "ALTER TABLE a ALTER COLUMN id SET STATISTICS 100 ???",
            "DO $$ BEGIN EXECUTE 'ALTER TABLE b ADD COLUMN x int'; END $$",
            "UPDATE c SET id = 1",
            "CREATE TABLE d AS SELECT * FROM c",
            "ALTER TABLE e ADD COLUMN x int",
        ],
    );
    assert!(is_unknown(&s, "a"));
    assert!(is_unknown(&s, "b"));
    assert!(table(&s, "c").column("id").is_some());
    assert!(is_unknown(&s, "d"));
    assert!(is_unknown(&s, "e"));
    assert!(s.incomplete().is_some());
    assert!(
        matches!(s.table(&TableName::new("zz")), Lookup::Unknown(_)),
        "an incomplete model never says absent"
    );
    let s = model(
        Dialect::Postgres,
        &[
            "CREATE TABLE a (id int)",
            "DROP TABLE a",
            "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql",
        ],
    );
    assert!(matches!(s.table(&TableName::new("a")), Lookup::Absent));
    assert!(s.incomplete().is_none());
}

#[test]
fn mysql_modify_change_rename_and_index_names() {
    let s = model(Dialect::Mysql, &[
        "CREATE TABLE `Users` (id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, Email varchar(100) NOT NULL, name varchar(10), UNIQUE KEY (Email), KEY (name))",
        "ALTER TABLE `Users` MODIFY name varchar(20) NOT NULL, ADD INDEX (name)",
        "ALTER TABLE `Users` CHANGE Email primary_email varchar(200) NULL",
        "CREATE TABLE orders (id int PRIMARY KEY, user_id bigint, CONSTRAINT fk_u FOREIGN KEY (user_id) REFERENCES `Users` (id))",
        "RENAME TABLE `Users` TO accounts",
        "ALTER TABLE accounts DROP INDEX name_2",
    ]);
    let t = table(&s, "accounts");
    assert_eq!(
        t.column("ID").unwrap().identity.as_deref(),
        Some("auto_increment")
    );
    assert_eq!(
        t.primary_key.as_ref().unwrap().name.as_deref(),
        Some("PRIMARY")
    );
    let email = t.column("primary_email").unwrap();
    assert!(email.nullable);
    assert_eq!(email.type_normalized, "varchar(200)");
    assert_eq!(t.indexes[0].name.as_deref(), Some("Email"));
    assert_eq!(t.indexes[0].columns, ["primary_email"]);
    assert_eq!(t.indexes.len(), 2);
    assert!(!t.column("name").unwrap().nullable);
    let orders = table(&s, "orders");
    assert_eq!(
        orders.foreign_keys[0].references,
        TableName::new("accounts")
    );
    assert_eq!(
        orders.indexes[0].name.as_deref(),
        Some("fk_u"),
        "MySQL indexes a foreign key"
    );
    assert!(
        matches!(s.table(&TableName::new("users")), Lookup::Absent),
        "table names are case-sensitive by default"
    );
}

#[test]
fn triggers_and_phases_in_order() {
    let text = "-- bellows:contract\nALTER TABLE t DROP COLUMN old;\n-- bellows:expand\nALTER TABLE t ADD COLUMN new int;\nCREATE TRIGGER t_sync BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f();\n-- bellows:down\nDROP TABLE t;\n";
    let first = Migration::parse(
        "1_t.sql",
        "CREATE TABLE t (id int, old int);",
        Dialect::Postgres,
    )
    .unwrap();
    let second = Migration::parse("2_t.sql", text, Dialect::Postgres).unwrap();
    let s = replay(&[second, first], Dialect::Postgres, Folding::Postgres);
    let t = table(&s, "t");
    assert_eq!(
        t.columns
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["id", "new"]
    );
    assert_eq!(t.triggers[0].name, "t_sync");
}
