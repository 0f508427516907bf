//! Every output format, pinned with snapshots of one report that has an error, a warning and
//! an info finding across two files.

use bellows::lint::render::{render, Format};
use bellows::lint::{LintOptions, Linter, Report};
use bellows::Dialect;

fn report() -> Report {
    let mut options = LintOptions::new(Dialect::Postgres);
    options.table_rows.insert("countries".into(), 250);
    options.table_rows.insert("events".into(), 48_000_000);
    let linter = Linter::new(options);
    let a = linter
        .lint(
            "migrations/20261122093000_indexes.sql",
            "-- bellows:expand\nCREATE INDEX events_ts_idx\n    ON events (ts);\nCREATE INDEX ON countries (name); -- \"tiny\", 100% safe\n",
        )
        .expect("valid");
    let b = linter
        .lint(
            "migrations/20261123000000_misc.sql",
            "-- bellows:allow require-concurrent-index,x: y\nSELECT * FROM users WHERE;\n",
        )
        .expect("valid");
    Report { files: vec![a, b] }
}

#[test]
fn human() {
    insta::assert_snapshot!(render(Format::Human, &report(), false));
}

#[test]
fn human_in_colour() {
    let text = render(Format::Human, &report(), true);
    assert!(text.contains("\x1b[1;31merror\x1b[0m"), "{text}");
}

#[test]
fn json() {
    insta::assert_snapshot!(render(Format::Json, &report(), false));
}

#[test]
fn json_is_the_documented_shape() {
    let value: serde_json::Value =
        serde_json::from_str(&render(Format::Json, &report(), false)).expect("json");
    assert_eq!(value["files"], 2);
    assert_eq!(value["statements"], 3);
    let keys: Vec<&str> = value["diagnostics"][0]
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = vec![
        "rule",
        "severity",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "message",
        "why",
        "suggestion",
    ];
    expected.sort_unstable();
    assert_eq!(keys, expected);
}

#[test]
fn sarif() {
    let text = render(Format::Sarif, &report(), false);
    let mut value: serde_json::Value = serde_json::from_str(&text).expect("json");
    let driver = &mut value["runs"][0]["tool"]["driver"];
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let rules = driver["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), bellows::lint::rules().count());
    for (rule, entry) in bellows::lint::rules().zip(rules) {
        assert_eq!(entry["id"], rule.id);
        assert_eq!(entry["helpUri"], rule.docs_url().as_str());
        let off = entry["defaultConfiguration"]["enabled"] == serde_json::json!(false);
        assert_eq!(off, !rule.enabled_by_default, "{}", rule.id);
        assert!(entry["help"]["text"]
            .as_str()
            .is_some_and(|t| !t.is_empty()));
    }
    // The rule list grows with every rule; pin the rest of the log.
    driver["rules"] = serde_json::json!("[every registered rule]");
    driver["version"] = serde_json::json!("[version]");
    let results = value["runs"][0]["results"].as_array_mut().expect("results");
    for r in results.iter_mut() {
        r["ruleIndex"] = serde_json::json!("[index]");
    }
    insta::assert_snapshot!(serde_json::to_string_pretty(&value).expect("json"));
}

#[test]
fn github() {
    insta::assert_snapshot!(render(Format::Github, &report(), false));
}

#[test]
fn gitlab() {
    insta::assert_snapshot!(render(Format::Gitlab, &report(), false));
}

#[test]
fn gitlab_fingerprints_are_unique_and_survive_moved_lines() {
    let parse = |r: &Report| -> Vec<String> {
        let v: serde_json::Value =
            serde_json::from_str(&render(Format::Gitlab, r, false)).expect("json");
        v.as_array()
            .expect("array")
            .iter()
            .map(|i| i["fingerprint"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let linter = Linter::new(LintOptions::new(Dialect::Postgres));
    let one = |text: &str| Report {
        files: vec![linter.lint("m.sql", text).expect("valid")],
    };
    let twice = parse(&one("CREATE INDEX i ON t (a);\nCREATE INDEX i ON t (a);\n"));
    assert_eq!(twice.len(), 2);
    assert_ne!(twice[0], twice[1]);
    let moved = parse(&one("\n\n\nCREATE INDEX i ON t (a);\n"));
    assert_eq!(moved[0], twice[0]);
}
