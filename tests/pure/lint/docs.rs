//! The rule catalogue against its documentation: every registered rule has its page and one
//! row in `docs/rules/README.md` whose dialects and severity match the rule; every page is
//! in the index; rows for rules that do not exist yet say so; ids are unique kebab-case.

use bellows::lint::{rules, RuleInfo};
use bellows::Dialect;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

fn docs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules")
}

/// One row of a table in the index.
#[derive(Debug)]
struct Row {
    id: String,
    planned: bool,
    dialects: String,
    severity: String,
    page: String,
}

/// The rows of every table in `docs/rules/README.md` that name a rule (`` | `id` ... ``).
fn index_rows() -> Vec<Row> {
    let text = std::fs::read_to_string(docs_dir().join("README.md")).expect("the index exists");
    text.lines()
        .filter(|line| line.starts_with("| `"))
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            assert_eq!(cells.len(), 5, "an index row has five cells: {line}");
            let (name, planned) = match cells[0].strip_suffix(" (planned)") {
                Some(name) => (name, true),
                None => (cells[0], false),
            };
            Row {
                id: name.trim_matches('`').to_string(),
                planned,
                dialects: cells[1].to_string(),
                severity: cells[2].to_string(),
                page: cells[4].to_string(),
            }
        })
        .collect()
}

/// The Dialects cell the index shows for `rule`.
fn dialects_cell(rule: &RuleInfo) -> String {
    let names: Vec<&str> = rule
        .dialects
        .iter()
        .map(|d| {
            if *d == Dialect::Postgres {
                "PG"
            } else if *d == Dialect::Mysql {
                "MySQL"
            } else {
                "MariaDB"
            }
        })
        .collect();
    names.join(", ")
}

#[test]
fn every_rule_has_a_doc_page() {
    let missing: Vec<&str> = rules()
        .map(|r| r.id)
        .filter(|id| !docs_dir().join(format!("{id}.md")).is_file())
        .collect();
    assert!(
        missing.is_empty(),
        "rules without docs/rules/<id>.md: {missing:?}"
    );
}

#[test]
fn the_index_lists_every_rule_with_its_dialects_and_severity() {
    let rows = index_rows();
    let mut by_id: HashMap<&str, Vec<&Row>> = HashMap::new();
    for row in &rows {
        by_id.entry(row.id.as_str()).or_default().push(row);
    }
    for rule in rules() {
        let id = rule.id;
        let found = by_id.get(id).map_or(&[][..], Vec::as_slice);
        let [row] = found else {
            panic!(
                "docs/rules/README.md needs exactly one row for `{id}`, found {}: \
                 | `{id}` | {} | {} | <summary> | [{id}.md]({id}.md) |",
                found.len(),
                dialects_cell(&rule),
                rule.default_severity,
            );
        };
        assert!(
            !row.planned,
            "`{id}` is implemented: drop its (planned) mark"
        );
        let dialects = dialects_cell(&rule);
        assert!(
            row.dialects == dialects || (row.dialects == "all" && rule.dialects.len() == 3),
            "`{id}` applies to {dialects}, the index says {}",
            row.dialects
        );
        assert_eq!(
            row.severity,
            rule.default_severity.as_str(),
            "severity of `{id}`"
        );
        assert_eq!(row.page, format!("[{id}.md]({id}.md)"), "page of `{id}`");
    }
}

#[test]
fn index_rows_without_a_rule_are_planned_and_every_page_is_indexed() {
    let registered: HashSet<&str> = rules().map(|r| r.id).collect();
    let rows = index_rows();
    for row in rows.iter().filter(|r| !registered.contains(r.id.as_str())) {
        assert!(
            row.planned || row.page == "—",
            "`{}` is in the index but not in the registry: mark it (planned)",
            row.id
        );
    }
    let linked: HashSet<String> = rows
        .iter()
        .filter(|r| r.page != "—")
        .map(|r| format!("{}.md", r.id))
        .collect();
    for entry in std::fs::read_dir(docs_dir()).expect("docs/rules exists") {
        let name = entry.expect("a directory entry").file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".md") && name != "README.md" {
            assert!(
                linked.contains(name.as_ref()),
                "docs/rules/{name} is not in docs/rules/README.md"
            );
        }
    }
}

#[test]
fn ids_are_unique_kebab_case() {
    let mut seen = HashSet::new();
    for r in rules() {
        let id = r.id;
        assert!(seen.insert(id), "duplicate rule id {id}");
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{id} is not kebab-case"
        );
        assert!(
            !r.summary.is_empty() && !r.dialects.is_empty(),
            "{id} needs a summary and dialects"
        );
        assert!(r.docs_url().ends_with(&format!("/{id}.md")));
    }
}
