//! Markdown for one pull-request comment: a headline with the counts, a table of the files
//! with findings, then each finding under its file with the flagged SQL, why it is
//! dangerous and the safe rewrite. For pipelines that post a comment instead of annotations
//! (GitLab, Gitea, Bitbucket, GitHub without annotations). The first line is an HTML comment
//! a bot can find to update its earlier comment instead of adding one.

use crate::lint::{Diagnostic, FileReport, Report, Severity};
use std::fmt::Write as _;

/// The comment's first line: invisible, and stable, so a bot can find its own comment.
pub(super) const MARKER: &str = "<!-- bellows-lint -->";

/// How many lines of a flagged statement are shown.
const MAX_LINES: usize = 8;

/// Render `report` as one Markdown comment.
#[must_use]
pub(super) fn render(report: &Report) -> String {
    let mut out = format!("{MARKER}\n");
    let flagged: Vec<&FileReport> = report
        .files
        .iter()
        .filter(|f| !f.diagnostics.is_empty())
        .collect();
    let files = count(report.files.len(), "file", "files");
    let statements = count(report.statements(), "statement", "statements");
    if flagged.is_empty() {
        let _ = writeln!(
            out,
            "### bellows lint: clean\n\nNo findings in {files} ({statements})."
        );
        return out;
    }
    let all: Vec<&Diagnostic> = report.diagnostics().collect();
    let _ = writeln!(
        out,
        "### bellows lint: {} in {} of {files}\n",
        totals(&all),
        flagged.len()
    );
    out.push_str("| file | findings |\n|---|---|\n");
    for f in &flagged {
        let found: Vec<&Diagnostic> = f.diagnostics.iter().collect();
        let _ = writeln!(
            out,
            "| {} | {} |",
            code(&f.path).replace('|', "\\|"),
            totals(&found)
        );
    }
    for f in flagged {
        let _ = writeln!(out, "\n#### {}\n", code(&f.path));
        let lines: Vec<&str> = f.source.lines().collect();
        for d in &f.diagnostics {
            finding(&mut out, d, &lines);
        }
    }
    let _ = writeln!(
        out,
        "<sub>{statements} linted. Silence a reviewed statement with \
         `-- bellows:allow <rule> <reason>` above it.</sub>"
    );
    out
}

/// One finding: severity, rule and line, the message, the flagged SQL, why, the rewrite.
fn finding(out: &mut String, d: &Diagnostic, lines: &[&str]) {
    let icon = match d.severity {
        Severity::Error => "🛑",
        Severity::Warning => "⚠️",
        Severity::Info => "ℹ️",
    };
    let _ = writeln!(
        out,
        "{icon} **{}** `{}` at line {}: {}\n",
        d.severity.as_str(),
        d.rule,
        d.line,
        d.message
    );
    let last = d.end_line.min(d.line + MAX_LINES - 1);
    let mut sql: Vec<&str> = (d.line..=last)
        .filter_map(|n| lines.get(n.wrapping_sub(1)).copied())
        .collect();
    let more = format!("-- ... {} more line(s)", d.end_line - last);
    if last < d.end_line {
        sql.push(&more);
    }
    if !sql.is_empty() {
        fenced(out, "sql", &sql.join("\n"));
    }
    let _ = writeln!(
        out,
        "<details><summary>Why</summary>\n\n{}\n\n</details>\n",
        d.why
    );
    if let Some(s) = &d.suggestion {
        out.push_str("Safe rewrite:\n\n");
        fenced(out, "sql", s.trim_end());
    }
}

/// `text` in a fenced block longer than any run of backquotes inside it.
fn fenced(out: &mut String, lang: &str, text: &str) {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let _ = writeln!(out, "{fence}{lang}\n{text}\n{fence}\n");
}

/// `text` as inline code, whatever backquotes it holds.
fn code(text: &str) -> String {
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

/// "1 error, 2 warnings": the non-zero counts, most severe first.
fn totals(found: &[&Diagnostic]) -> String {
    let n = |s: Severity| found.iter().filter(|d| d.severity == s).count();
    [
        (n(Severity::Error), "error", "errors"),
        (n(Severity::Warning), "warning", "warnings"),
        (n(Severity::Info), "info", "info"),
    ]
    .into_iter()
    .filter(|(k, _, _)| *k > 0)
    .map(|(k, one, many)| count(k, one, many))
    .collect::<Vec<_>>()
    .join(", ")
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::{fenced, render, MARKER};
    use crate::lint::{Diagnostic, FileReport, LintOptions, Linter, Report, Severity};
    use crate::Dialect;

    fn report(files: &[(&str, &str)]) -> Report {
        let linter = Linter::new(LintOptions::new(Dialect::Postgres));
        Report {
            files: files
                .iter()
                .map(|(path, sql)| linter.lint(path, sql).expect("valid"))
                .collect(),
        }
    }

    fn finding(file: &str, rule: &'static str, severity: Severity, line: usize) -> Diagnostic {
        Diagnostic {
            rule,
            severity,
            file: file.into(),
            line,
            column: 1,
            end_line: line + 1,
            end_column: 10,
            message: format!("{rule} found"),
            why: "Why it hurts.".into(),
            suggestion: (severity == Severity::Error)
                .then(|| "CREATE INDEX CONCURRENTLY i\n    ON t (c);".to_string()),
        }
    }

    /// Made by hand, so that the snapshot pins the layout, not the rules' wording.
    #[test]
    fn one_comment_with_each_file_s_findings_and_rewrites() {
        let a = "migrations/2_a|b.sql";
        let file = |path: &str, source: &str, diagnostics, statements| FileReport {
            path: path.into(),
            source: source.into(),
            diagnostics,
            statements,
        };
        let report = Report {
            files: vec![
                file(
                    a,
                    "-- bellows:expand\nCREATE INDEX i\n    ON t (c);\nDROP TABLE `x`;\nSELECT 1;\n",
                    vec![
                        finding(a, "require-concurrent-index", Severity::Error, 2),
                        finding(a, "drop-table", Severity::Warning, 4),
                    ],
                    3,
                ),
                file("migrations/3_ok.sql", "SELECT 1;\n", vec![], 1),
                file(
                    "migrations/4_c.sql",
                    "SELECT 1;\nSELECT 2;\n",
                    vec![finding("migrations/4_c.sql", "unbatched-dml", Severity::Info, 1)],
                    2,
                ),
            ],
        };
        let text = render(&report);
        assert!(text.starts_with(MARKER), "{text}");
        assert!(
            !text.contains("3_ok.sql"),
            "files without findings are only counted"
        );
        insta::assert_snapshot!(text);
    }

    #[test]
    fn a_real_report_carries_the_rule_and_its_rewrite() {
        let text = render(&report(&[(
            "1.sql",
            "CREATE INDEX events_ts_idx ON events (ts);\n",
        )]));
        assert!(
            text.contains("`require-concurrent-index` at line 1"),
            "{text}"
        );
        assert!(
            text.contains("Safe rewrite:\n\n```sql\nCREATE INDEX CONCURRENTLY"),
            "{text}"
        );
    }

    #[test]
    fn clean_says_so_in_one_line() {
        let text = render(&report(&[(
            "a.sql",
            "CREATE TABLE t (id int PRIMARY KEY);\n",
        )]));
        assert_eq!(
            text,
            format!("{MARKER}\n### bellows lint: clean\n\nNo findings in 1 file (1 statement).\n")
        );
    }

    #[test]
    fn a_fence_outlasts_the_backquotes_inside() {
        let mut out = String::new();
        fenced(&mut out, "sql", "SELECT '````'");
        assert!(
            out.starts_with("`````sql\n") && out.ends_with("\n`````\n\n"),
            "{out}"
        );
    }
}
