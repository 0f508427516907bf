//! The stable JSON format: `{"diagnostics":[...],"files":N,"statements":N}`, each diagnostic
//! with `rule, severity, file, line, column, end_line, end_column, message, why,
//! suggestion` in that order (documented in `docs/lint.md`).

use crate::lint::{Diagnostic, Report};
use serde::Serialize;

#[derive(Serialize)]
struct Output<'a> {
    diagnostics: Vec<&'a Diagnostic>,
    files: usize,
    statements: usize,
}

/// Render `report` as the stable JSON object.
#[must_use]
pub(super) fn render(report: &Report) -> String {
    let output = Output {
        diagnostics: report.diagnostics().collect(),
        files: report.files.len(),
        statements: report.statements(),
    };
    let mut text = serde_json::to_string_pretty(&output).unwrap_or_default();
    text.push('\n');
    text
}
