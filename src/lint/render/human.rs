//! The human format: each finding with the source lines of its statement, a caret line
//! under them, why it is dangerous and the safe rewrite. Colour only when asked (the CLI asks
//! on a terminal).

use crate::lint::{Diagnostic, Report, Severity};
use std::fmt::Write as _;

/// How many source lines of a statement are shown before eliding the rest.
const MAX_LINES: usize = 6;
/// A source line longer than this (in bytes) is shown as a window around the caret.
const MAX_LINE: usize = 240;
/// Characters shown either side of the flagged part of a long line.
const CONTEXT: usize = 60;
/// Most characters of a flagged part shown on a long line.
const MAX_FLAGGED: usize = 120;

/// A source line, and whether it is ASCII (so a column is a byte offset), worked out once
/// per file: a finding on a long line then costs its window, not the line.
struct Line<'a> {
    text: &'a str,
    ascii: bool,
}

impl<'a> Line<'a> {
    fn new(text: &'a str) -> Self {
        Line {
            text,
            ascii: text.is_ascii(),
        }
    }

    fn chars(&self) -> usize {
        if self.ascii {
            self.text.len()
        } else {
            self.text.chars().count()
        }
    }

    /// The characters `from..to` (0-based, end exclusive, clamped).
    fn slice(&self, from: usize, to: usize) -> &'a str {
        if self.ascii {
            let end = to.min(self.text.len());
            return &self.text[from.min(end)..end];
        }
        let mut indices = self.text.char_indices().map(|(i, _)| i);
        let start = indices.by_ref().nth(from).unwrap_or(self.text.len());
        let end = if to > from {
            indices.nth(to - from - 1).unwrap_or(self.text.len())
        } else {
            start
        };
        &self.text[start..end]
    }
}

/// The text shown for `line` and the caret columns in it: the line itself when short, else
/// a window around the flagged columns `from..=to` (1-based), cut with `...`.
fn window<'a>(
    line: &Line<'a>,
    from: usize,
    to: usize,
) -> (std::borrow::Cow<'a, str>, usize, usize) {
    if line.text.len() <= MAX_LINE {
        return (line.text.into(), from, to);
    }
    let start = from.saturating_sub(1).saturating_sub(CONTEXT);
    let flagged_end = to.min(from + MAX_FLAGGED);
    let end = flagged_end + CONTEXT;
    let body = line.slice(start, end);
    let cut_before = start > 0;
    let cut_after = body.len() < line.text.len() - line.slice(0, start).len();
    let shift = if cut_before { 3 } else { 0 };
    // A file with CR-only line ends is one line here: show its CRs as spaces.
    let body = body.replace('\r', " ");
    let text = format!(
        "{}{body}{}",
        if cut_before { "..." } else { "" },
        if cut_after { "..." } else { "" }
    );
    (
        text.into(),
        from - start + shift,
        flagged_end - start + shift,
    )
}

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
        let lines: Vec<Line<'_>> = file.source.lines().map(Line::new).collect();
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

fn diagnostic(out: &mut String, d: &Diagnostic, lines: &[Line<'_>], paint: &Paint) {
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
        let Some(line) = lines.get(n.wrapping_sub(1)) else {
            break;
        };
        let from = if n == d.line {
            d.column
        } else {
            first_non_blank(line.text)
        };
        let to = if n == d.end_line {
            d.end_column
        } else {
            line.chars()
        };
        let (text, from, to) = window(line, from, to);
        let _ = writeln!(
            out,
            "{} {bar} {text}",
            paint.wrap("34", &format!("{n:>width$}"))
        );
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
