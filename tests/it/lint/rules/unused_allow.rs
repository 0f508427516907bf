//! `unused-allow`.

use crate::lint::support::{pg, rules_pg};

#[test]
fn reports_an_allow_that_silences_nothing() {
    insta::assert_snapshot!(pg("-- bellows:allow require-concurrent-index the table is tiny\nCREATE INDEX CONCURRENTLY i ON t (a);\n"));
}

#[test]
fn reports_an_allow_without_reason_or_with_unknown_rule() {
    insta::assert_snapshot!(pg("CREATE INDEX i ON t (a); -- bellows:allow require-concurrent-index\n-- bellows:allow no-such-rule because\nSELECT 1;\n"));
}

#[test]
fn a_used_allow_is_quiet_and_covers_only_its_statement() {
    let sql = "-- bellows:allow require-concurrent-index lookup table, 12 rows\nCREATE INDEX i ON t (a);\nCREATE INDEX j ON t (b);\n";
    assert_eq!(rules_pg(sql), vec!["require-concurrent-index"]);
}

#[test]
fn an_allow_for_several_rules_is_used_when_one_fires() {
    let sql = "-- bellows:allow require-concurrent-index,unparsed-statement reviewed\nCREATE INDEX i ON t (a);\n";
    assert!(rules_pg(sql).is_empty());
}
