//! `unparsed-statement`.

use crate::lint::support::{mysql, pg, rules_pg};

#[test]
fn reports_the_parser_message_and_position() {
    insta::assert_snapshot!(pg("-- bellows:expand\nDO $$ BEGIN PERFORM 1; END $$;\n"));
}

#[test]
fn reports_mariadb_extensions_on_mysql() {
    insta::assert_snapshot!(mysql(
        "ALTER TABLE users ADD COLUMN IF NOT EXISTS note text, ALGORITHM=NOCOPY;"
    ));
}

#[test]
fn token_checks_still_run_and_allow_silences_it() {
    let sql = "-- bellows:allow unparsed-statement reviewed by hand\nCREATE INDEX i ON ONLY t (a);";
    assert_eq!(rules_pg(sql), vec!["require-concurrent-index"]);
}

#[test]
fn readable_statements_pass() {
    assert!(rules_pg("SELECT 1;\nUPDATE t SET a = 1 WHERE id = 3;").is_empty());
}
