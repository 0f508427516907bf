//! GitHub Actions workflow commands: one `::error|warning|notice file=..,line=..::message`
//! line per finding, escaped the way the runner expects (`%`, CR, LF everywhere; also `:`
//! and `,` in properties).

use crate::lint::{Report, Severity};
use std::fmt::Write as _;

/// Render `report` as workflow annotations.
#[must_use]
pub(super) fn render(report: &Report) -> String {
    let mut out = String::new();
    for d in report.diagnostics() {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut message = format!("{}\n\nWhy: {}", d.message, d.why);
        if let Some(s) = &d.suggestion {
            let _ = write!(message, "\n\nInstead:\n{s}");
        }
        let _ = writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            property(&d.file),
            d.line,
            d.column,
            d.end_line,
            d.end_column,
            property(&format!("bellows: {}", d.rule)),
            data(&message)
        );
    }
    out
}

/// Escape a message.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes() {
        assert_eq!(super::data("50%\r\nx"), "50%25%0D%0Ax");
        assert_eq!(super::property("a:b,c"), "a%3Ab%2Cc");
    }
}
