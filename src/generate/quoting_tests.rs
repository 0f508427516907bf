//! What `bellows new` writes for names with spaces, quotes or the dollar-quote tag in them,
//! and the `--type` it refuses: every file it writes loads, and the runner accepts it.

use super::testing::render;
use crate::engine::CheckedMigrations;
use crate::{Dialect, Migration, PhaseKind};

fn load(file: &str, dialect: Dialect) -> Migration {
    let m =
        Migration::parse("1_recipe.sql", file, dialect).unwrap_or_else(|e| panic!("{e}\n{file}"));
    CheckedMigrations::new(vec![m.clone()], dialect).unwrap_or_else(|e| panic!("{e}\n{file}"));
    m
}

#[test]
fn a_table_with_spaces_and_quotes_is_written_quoted_and_loads() {
    for table in ["my table", "odd\"name", "a \"b\" c"] {
        for dialect in [Dialect::Postgres, Dialect::Mysql] {
            let args = [
                ("TABLE", table),
                ("OLD", "a"),
                ("NEW", "b"),
                ("type", "int"),
            ];
            let file = render("rename-column", &args, dialect).unwrap();
            let m = load(&file, dialect);
            let backfill = m.phase(PhaseKind::Backfill).unwrap();
            assert_eq!(backfill.directives.get("table"), Some(table), "{file}");
            assert_eq!(backfill.directives.get("key"), Some("id"));
        }
    }
}

#[test]
fn a_column_holding_the_dollar_quote_tag_gets_another_tag() {
    let args = [
        ("TABLE", "t"),
        ("OLD", "x$bellows$y"),
        ("NEW", "z"),
        ("type", "int"),
    ];
    let file = render("rename-column", &args, Dialect::Postgres).unwrap();
    assert!(file.contains("AS $bellows1$\n"), "{file}");
    let m = load(&file, Dialect::Postgres);
    let expand = m.phase(PhaseKind::Expand).unwrap();
    assert_eq!(expand.statements.len(), 3, "{file}");
    assert!(expand.statements[1].sql.ends_with("$bellows1$"));
}

#[test]
fn a_type_the_parser_does_not_read_as_one_type_is_refused() {
    for ty in [
        "int); DROP TABLE users; --",
        "int DEFAULT 0",
        "int, evil int",
        "",
        "not a type (",
    ] {
        let rename = [("TABLE", "t"), ("OLD", "a"), ("NEW", "b"), ("type", ty)];
        let change = [("TABLE", "t"), ("COLUMN", "a"), ("TYPE", ty)];
        let cases: [(&str, &[(&str, &str)]); 2] =
            [("rename-column", &rename), ("change-type", &change)];
        for (op, args) in cases {
            let e = render(op, args, Dialect::Postgres).expect_err(ty);
            assert!(
                e.to_string().contains("not a column type"),
                "{op} {ty:?}: {e}"
            );
        }
    }
    for ty in [
        "numeric(12,2)",
        "varchar(100)",
        "timestamp with time zone",
        "text[]",
    ] {
        let args = [("TABLE", "t"), ("OLD", "a"), ("NEW", "b"), ("type", ty)];
        render("rename-column", &args, Dialect::Postgres).unwrap_or_else(|e| panic!("{ty}: {e}"));
    }
}
