//! The human format: each finding with the source lines of its statement, a caret line
//! under them, why it is dangerous and the safe rewrite. Colour only when asked (the CLI asks
//! on a terminal).

use crate::lint::{Diagnostic, Report, Severity};
use std::fmt::Write as _;

/// How many source lines of a statement are shown before eliding the rest.
const MAX_LINES: usize = 6;

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn severity(&self, s: Severity) -> String {
        let code = match s {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Info => "1;36",
        };
        self.wrap(code, s.as_str())
    }
}

/// Render `report` for a person; `color` adds ANSI colours.
#[must_use]
pub(crate) fn render(report: &Report, color: bool) -> String {
    let paint = Paint { on: color };
    let mut out = String::new();
    let mut counts = [0usize; 3];
    for file in &report.files {
        let lines: Vec<&str> = file.source.lines().collect();
        for d in &file.diagnostics {
            counts[d.severity as usize] += 1;
            diagnostic(&mut out, d, &lines, &paint);
        }
    }
    let [info, warning, error] = counts;
    let _ = writeln!(
        out,
        "{}: {} error(s), {} warning(s), {} info in {} file(s), {} statement(s)",
        if error + warning + info == 0 {
            paint.wrap("1;32", "clean")
        } else {
            paint.wrap("1", "summary")
        },
        error,
        warning,
        info,
        report.files.len(),
        report.statements()
    );
    out
}

fn diagnostic(out: &mut String, d: &Diagnostic, lines: &[&str], paint: &Paint) {
    let _ = writeln!(
        out,
        "{}[{}]: {}",
        paint.severity(d.severity),
        paint.wrap("1", d.rule),
        paint.wrap("1", &d.message)
    );
    let width = d.end_line.to_string().len();
    let pad = " ".repeat(width);
    let bar = paint.wrap("34", "|");
    let _ = writeln!(
        out,
        "{pad}{} {}:{}:{}",
        paint.wrap("34", "-->"),
        d.file,
        d.line,
        d.column
    );
    let _ = writeln!(out, "{pad} {bar}");
    let last = d.end_line.min(d.line + MAX_LINES - 1);
    for n in d.line..=last {
        let Some(text) = lines.get(n.wrapping_sub(1)) else {
            break;
        };
        let _ = writeln!(
            out,
            "{} {bar} {text}",
            paint.wrap("34", &format!("{n:>width$}"))
        );
        let chars = text.chars().count();
        let from = if n == d.line {
            d.column
        } else {
            first_non_blank(text)
        };
        let to = if n == d.end_line { d.end_column } else { chars };
        if to >= from {
            let marks = paint.wrap(caret_code(d.severity), &"^".repeat(to - from + 1));
            let _ = writeln!(
                out,
                "{pad} {bar} {}{marks}",
                " ".repeat(from.saturating_sub(1))
            );
        }
    }
    if last < d.end_line {
        let _ = writeln!(out, "{pad} {bar} ... ({} more line(s))", d.end_line - last);
    }
    let _ = writeln!(
        out,
        "{pad} {} {} {}",
        paint.wrap("34", "="),
        paint.wrap("1", "why:"),
        d.why
    );
    if let Some(s) = &d.suggestion {
        let _ = writeln!(
            out,
            "{pad} {} {}",
            paint.wrap("34", "="),
            paint.wrap("1", "instead:")
        );
        for line in s.lines() {
            let _ = writeln!(out, "{pad}     {}", paint.wrap("32", line));
        }
    }
    out.push('\n');
}

fn caret_code(s: Severity) -> &'static str {
    match s {
        Severity::Error => "31",
        Severity::Warning => "33",
        Severity::Info => "36",
    }
}

fn first_non_blank(text: &str) -> usize {
    text.chars().take_while(|c| c.is_whitespace()).count() + 1
}
