//! SARIF 2.1.0 for code scanning: one run whose driver lists every rule (summary, help text
//! and a link to its documentation page) and one result per finding.

use super::to_json;
use crate::lint::{Report, Severity, DOCS_URL, RULES};
use serde_json::json;

/// Render `report` as a SARIF 2.1.0 log.
#[must_use]
pub(super) fn render(report: &Report) -> String {
    let rules: Vec<_> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.id(),
                "name": r.id(),
                "shortDescription": { "text": r.summary() },
                "fullDescription": { "text": r.summary() },
                "help": {
                    "text": format!("{} See {DOCS_URL}{}.md", r.summary(), r.id()),
                    "markdown": format!("{} See [the rule's page]({DOCS_URL}{}.md).", r.summary(), r.id()),
                },
                "helpUri": format!("{DOCS_URL}{}.md", r.id()),
                // A rule that is off unless enabled says so (SARIF's default is enabled).
                "defaultConfiguration": if r.enabled_by_default() {
                    json!({ "level": level(r.default_severity()) })
                } else {
                    json!({ "level": level(r.default_severity()), "enabled": false })
                },
            })
        })
        .collect();
    let results: Vec<_> = report
        .diagnostics()
        .map(|d| {
            let mut text = format!("{} Why: {}", d.message, d.why);
            if let Some(s) = &d.suggestion {
                text.push_str("\nInstead:\n");
                text.push_str(s);
            }
            json!({
                "ruleId": d.rule,
                "ruleIndex": RULES.iter().position(|r| r.id() == d.rule),
                "level": level(d.severity),
                "message": { "text": text },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(&d.file) },
                        "region": {
                            "startLine": d.line,
                            "startColumn": d.column,
                            "endLine": d.end_line,
                            "endColumn": d.end_column + 1,
                        },
                    },
                }],
            })
        })
        .collect();
    to_json(&json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "bellows",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": DOCS_URL.trim_end_matches("docs/rules/").trim_end_matches("blob/main/"),
                    "rules": rules,
                },
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }))
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A relative URI for a file path: forward slashes, no leading `./`.
fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    path.strip_prefix("./").unwrap_or(&path).replace(' ', "%20")
}
