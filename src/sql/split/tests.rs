//! Tests of the parent module.
use super::*;

fn sqls(text: &str, dialect: Dialect) -> Vec<String> {
    split(text, dialect, 1)
        .unwrap()
        .into_iter()
        .map(|s| s.sql)
        .collect()
}

#[test]
fn splits_on_semicolons_outside_quotes_and_comments() {
    let text = "SELECT ';' AS a; -- a comment; still comment\nSELECT \"x;y\" /* ; */ FROM t;\n\n";
    assert_eq!(
        sqls(text, Dialect::Postgres),
        vec!["SELECT ';' AS a", "SELECT \"x;y\" /* ; */ FROM t"]
    );
}

#[test]
fn keeps_dollar_quoted_bodies_whole() {
    let text = "CREATE FUNCTION f() RETURNS trigger AS $body$\nBEGIN\n  NEW.a := 1; RETURN NEW;\nEND;\n$body$ LANGUAGE plpgsql;\nSELECT $$;$$, $1;";
    let out = sqls(text, Dialect::Postgres);
    assert_eq!(out.len(), 2, "{out:?}");
    assert!(out[0].ends_with("LANGUAGE plpgsql"));
    assert_eq!(out[1], "SELECT $$;$$, $1");
}

#[test]
fn keeps_mysql_trigger_bodies_whole() {
    let text = "CREATE DEFINER=`root`@`%` TRIGGER t BEFORE INSERT ON users FOR EACH ROW\nBEGIN\n  IF NEW.a IS NULL THEN SET NEW.a = 1; END IF;\n  SET NEW.b = CASE WHEN NEW.c THEN 1 ELSE 2 END;\nEND;\nUPDATE users SET a = 'it''s \\' ;';";
    let out = sqls(text, Dialect::Mysql);
    assert_eq!(out.len(), 2, "{out:?}");
    assert!(out[0].ends_with("END"));
    assert!(out[1].starts_with("UPDATE users"));
}

#[test]
fn honours_the_delimiter_command() {
    let text = "DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END//\nDELIMITER ;\nSELECT 2;";
    let out = sqls(text, Dialect::Mariadb);
    assert_eq!(
        out,
        vec!["CREATE PROCEDURE p() BEGIN SELECT 1; END", "SELECT 2"]
    );
}

#[test]
fn begin_atomic_bodies_in_postgres() {
    let text = "CREATE FUNCTION one() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;\nBEGIN;\nCOMMIT;";
    assert_eq!(sqls(text, Dialect::Postgres).len(), 3);
}

#[test]
fn reports_positions_in_the_file() {
    let text = "\n  -- lead\n  ALTER TABLE t\n    ADD COLUMN x int;";
    let out = split(text, Dialect::Postgres, 10).unwrap();
    assert_eq!(
        out[0].start,
        Pos {
            line: 12,
            column: 3
        }
    );
    assert_eq!(out[0].end.line, 13);
}

#[test]
fn unterminated_quote_is_an_error_with_position() {
    let err = split("SELECT 1;\nSELECT 'oops", Dialect::Postgres, 1).unwrap_err();
    assert_eq!(err.what, "string literal");
    assert_eq!(err.pos, Pos { line: 2, column: 8 });
}

#[test]
fn nested_block_comments_in_postgres() {
    assert_eq!(
        sqls("/* a /* b */ ; */ SELECT 1", Dialect::Postgres),
        vec!["SELECT 1"]
    );
}

#[test]
fn escape_strings_take_backslashes() {
    assert_eq!(
        sqls("SELECT E'a\\';b';", Dialect::Postgres),
        vec!["SELECT E'a\\';b'"]
    );
}

#[test]
fn dollar_quoted_bodies_and_quoted_semicolons_do_not_split() {
    let sql = "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\nSELECT ';';";
    let statements = split(sql, Dialect::Postgres, 1).unwrap();
    assert_eq!(statements.len(), 2);
    assert_eq!(statements[1].start.line, 2);
}
