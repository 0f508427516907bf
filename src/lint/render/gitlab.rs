//! GitLab Code Quality JSON: an array of issues with `description`, `check_name`,
//! `fingerprint`, `severity` and `location`. The fingerprint hashes the rule, the file and
//! the flagged source text (plus its occurrence number), so it survives lines moving.

use super::to_json;
use crate::lint::{Report, Severity};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// Render `report` as a Code Quality report.
#[must_use]
pub(super) fn render(report: &Report) -> String {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut issues = Vec::new();
    for file in &report.files {
        let lines: Vec<&str> = file.source.lines().collect();
        let ascii: Vec<bool> = lines.iter().map(|l| l.is_ascii()).collect();
        for d in &file.diagnostics {
            let text = flagged_text(&lines, &ascii, d);
            let key = format!("{}\0{}\0{}", d.rule, d.file, text.trim());
            let n = seen.entry(key.clone()).or_default();
            *n += 1;
            let fingerprint = hex::encode(Sha256::digest(format!("{key}\0{n}").as_bytes()));
            let severity = match d.severity {
                Severity::Error => "critical",
                Severity::Warning => "major",
                Severity::Info => "info",
            };
            issues.push(json!({
                "type": "issue",
                "description": format!("{} ({})", d.message, d.rule),
                "check_name": d.rule,
                "content": { "body": body(&d.why, d.suggestion.as_deref()) },
                "categories": ["Bug Risk"],
                "fingerprint": fingerprint,
                "severity": severity,
                "location": { "path": d.file, "lines": { "begin": d.line, "end": d.end_line } },
            }));
        }
    }
    to_json(&serde_json::Value::Array(issues))
}

/// The source lines of a finding, for its fingerprint; on a line longer than
/// [`LONG_LINE`] only the flagged columns, so many findings on one long line (a minified file)
/// do not each hash the whole line.
fn flagged_text(lines: &[&str], ascii: &[bool], d: &crate::lint::Diagnostic) -> String {
    let Some(flagged) = lines.get(d.line.saturating_sub(1)..d.end_line.min(lines.len())) else {
        return String::new();
    };
    if flagged.iter().all(|l| l.len() <= LONG_LINE) {
        return flagged.join("\n");
    }
    let first = flagged[0];
    let column = d.column.saturating_sub(1);
    let start = if ascii.get(d.line.saturating_sub(1)) == Some(&true) {
        column.min(first.len())
    } else {
        first
            .char_indices()
            .nth(column)
            .map_or(first.len(), |(i, _)| i)
    };
    let rest = &first[start..];
    let take = if d.end_line == d.line {
        (d.end_column + 1).saturating_sub(d.column).min(LONG_LINE)
    } else {
        LONG_LINE
    };
    rest.chars().take(take).collect()
}

/// Lines longer than this (bytes) are fingerprinted by their flagged columns only.
const LONG_LINE: usize = 4096;

fn body(why: &str, suggestion: Option<&str>) -> String {
    match suggestion {
        Some(s) => format!("{why}\n\nInstead:\n\n```sql\n{s}\n```"),
        None => why.to_string(),
    }
}
