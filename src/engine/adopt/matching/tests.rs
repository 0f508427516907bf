use super::*;
use crate::db::adopt::{Covers, History, HistoryEntry, Tool};
use crate::engine::adopt::checksum::sqlx as sqlx_checksum;
use crate::Dialect;

fn folder() -> Vec<Migration> {
    crate::migration::from_files(
        [
            ("1_a.sql", "CREATE TABLE a (id int);\n"),
            ("2_b.sql", "CREATE TABLE b (id int);\n"),
            ("3_c.sql", "CREATE TABLE c (id int);\n"),
        ],
        Dialect::Postgres,
    )
    .unwrap()
}

fn entry(version: &str, checksum: Option<String>, covers: Covers) -> HistoryEntry {
    HistoryEntry {
        version: version.into(),
        name: None,
        checksum,
        applied_at: None,
        succeeded: true,
        covers,
    }
}

fn verdicts(lines: &[Matched<'_>]) -> Vec<(String, AdoptVerdict)> {
    lines
        .iter()
        .map(|l| (l.line.version.clone(), l.line.verdict))
        .collect()
}

#[test]
fn sqlx_checksums_are_compared() {
    let m = folder();
    let history = History {
        tool: Tool::Sqlx,
        entries: vec![
            entry("1", Some(sqlx_checksum(&m[0].source)), Covers::This),
            entry(
                "2",
                Some(sqlx_checksum("CREATE TABLE b (x int);\n")),
                Covers::This,
            ),
            entry("7", Some(sqlx_checksum("")), Covers::This),
        ],
    };
    let lines = match_history(&m, &[], &history);
    assert_eq!(
        verdicts(&lines),
        [
            ("1".into(), AdoptVerdict::Matched),
            ("2".into(), AdoptVerdict::Changed),
            ("3".into(), AdoptVerdict::Pending),
            ("7".into(), AdoptVerdict::Missing),
        ]
    );
    // SHA-384 of the empty string, as sqlx stores it.
    assert!(sqlx_checksum("").starts_with("38b060a751ac9638"));
}

#[test]
fn golang_migrate_covers_every_earlier_version_and_flyway_baselines() {
    let m = folder();
    let golang = History {
        tool: Tool::GolangMigrate,
        entries: vec![entry("2", None, Covers::Through)],
    };
    let lines = match_history(&m, &[], &golang);
    assert_eq!(
        verdicts(&lines),
        [
            ("1".into(), AdoptVerdict::Matched),
            ("2".into(), AdoptVerdict::Matched),
            ("3".into(), AdoptVerdict::Pending),
        ]
    );
    let flyway = History {
        tool: Tool::Flyway,
        entries: vec![
            entry("1", None, Covers::Baseline),
            entry("1.5", None, Covers::This),
        ],
    };
    let lines = match_history(&m, &[], &flyway);
    assert_eq!(lines[0].line.verdict, AdoptVerdict::Matched);
    assert_eq!(
        lines[3].line.verdict,
        AdoptVerdict::Missing,
        "a dotted version"
    );
}

#[test]
fn a_pending_file_older_than_an_adopted_one_is_flagged() {
    let m = folder();
    let dbmate = History {
        tool: Tool::Dbmate,
        entries: vec![
            entry("1", None, Covers::This),
            entry("3", None, Covers::This),
        ],
    };
    let lines = match_history(&m, &[], &dbmate);
    assert_eq!(lines[1].line.verdict, AdoptVerdict::Pending);
    let detail = lines[1].line.detail.as_deref().unwrap_or_default();
    assert!(detail.contains("--allow-out-of-order"), "{detail}");
    let baseline = match_baseline(&m, &[], 2);
    assert_eq!(baseline[1].line.verdict, AdoptVerdict::Matched);
    assert_eq!(baseline[2].line.verdict, AdoptVerdict::Pending);
}
