//! Tests of the parent module.
use super::*;

const KEY: &[(&str, Placeholder)] = &[("id", Placeholder::Plain)];

fn key(k: &[(&str, Placeholder)]) -> Vec<(String, Placeholder)> {
    k.iter().map(|(n, p)| ((*n).to_string(), *p)).collect()
}

#[test]
fn adds_the_range_to_the_predicate() {
    let sql = "UPDATE users SET primary_email = email_address WHERE primary_email IS NULL";
    let r = Rewritable::parse(sql, "users", Dialect::Postgres).unwrap();
    assert_eq!(
        r.batched(&key(KEY), true),
        "UPDATE users SET primary_email = email_address WHERE (primary_email IS NULL) AND users.\"id\" > $1 AND users.\"id\" <= $2"
    );
    assert_eq!(
        r.batched(&key(KEY), false),
        "UPDATE users SET primary_email = email_address WHERE (primary_email IS NULL) AND users.\"id\" <= $1"
    );
    let r = Rewritable::parse(
        "UPDATE t AS x SET b = a WHERE b IS NULL OR b <> a",
        "t",
        Dialect::Mysql,
    )
    .unwrap();
    let composite = key(&[("k1", Placeholder::Plain), ("k`2", Placeholder::Plain)]);
    assert_eq!(
        r.batched(&composite, true),
        "UPDATE t AS x SET b = a WHERE (b IS NULL OR b <> a) AND (x.`k1`, x.`k``2`) > (?, ?) AND (x.`k1`, x.`k``2`) <= (?, ?)"
    );
}

#[test]
fn uuid_keys_are_cast() {
    let r =
        Rewritable::parse("UPDATE t SET b = 1 WHERE b IS NULL", "t", Dialect::Postgres).unwrap();
    let s = r.batched(&key(&[("id", Placeholder::Uuid)]), true);
    assert!(
        s.ends_with("t.\"id\" > CAST($1 AS UUID) AND t.\"id\" <= CAST($2 AS UUID)"),
        "{s}"
    );
    let s = r.batched(&key(&[("code", Placeholder::FixedChar)]), false);
    assert!(s.ends_with("t.\"code\" <= CAST($1 AS bpchar)"), "{s}");
}

#[test]
fn insert_select_is_bounded_on_the_source() {
    let sql = "INSERT INTO b (id, v) SELECT a.id, a.v FROM a WHERE NOT EXISTS (SELECT 1 FROM b WHERE b.id = a.id)";
    let r = Rewritable::parse(sql, "a", Dialect::Postgres).unwrap();
    assert!(r
        .batched(&key(KEY), true)
        .ends_with("AND a.\"id\" > $1 AND a.\"id\" <= $2"));
    assert!(r
        .remaining_check(1)
        .starts_with("SELECT 1 FROM (SELECT a.id"));
}

#[test]
fn refuses_what_it_cannot_bound() {
    let refuse =
        |sql: &str, table: &str| Rewritable::parse(sql, table, Dialect::Postgres).unwrap_err();
    assert!(refuse("UPDATE users SET a = b", "users").contains("without WHERE"));
    assert!(refuse("UPDATE users SET n = n + 1 WHERE id > 0", "users").contains("not idempotent"));
    assert!(refuse("UPDATE users SET a = b WHERE a IS NULL", "orders").contains("table=orders"));
    assert!(refuse("SELECT 1", "t").contains("not `SELECT 1`"));
    assert!(refuse(
        "UPDATE t SET a = 1 WHERE a IS NULL; UPDATE t SET a = 2 WHERE a IS NULL",
        "t"
    )
    .contains("exactly one"));
    assert!(refuse("INSERT INTO b SELECT * FROM a", "a").contains("twice"));
    let e = Rewritable::parse(
        "UPDATE a JOIN b ON a.id = b.id SET a.x = b.x WHERE a.x IS NULL",
        "a",
        Dialect::Mysql,
    )
    .unwrap_err();
    assert!(e.contains("multi-table"), "{e}");
}

#[test]
fn the_statement_table_must_be_the_directive_table() {
    let parse = |sql: &str, table: &str| Rewritable::parse(sql, table, Dialect::Postgres);
    assert!(
        parse("UPDATE other.h SET x = 1 WHERE x IS NULL", "h").is_err(),
        "another schema's h"
    );
    assert!(parse("UPDATE h SET x = 1 WHERE x IS NULL", "public.h").is_ok());
    assert!(parse("UPDATE public.h SET x = 1 WHERE x IS NULL", "public.h").is_ok());
}

#[test]
fn insert_select_needs_a_guard_in_its_where() {
    let parse = |sql: &str| Rewritable::parse(sql, "src", Dialect::Postgres);
    let e = parse("INSERT INTO dst (id) SELECT id FROM src ON CONFLICT DO NOTHING").unwrap_err();
    assert!(e.contains("needs a guard"), "{e}");
    assert!(parse("INSERT INTO dst (id) SELECT id FROM src WHERE NOT EXISTS (SELECT 1 FROM dst d WHERE d.id = src.id)").is_ok());
}
