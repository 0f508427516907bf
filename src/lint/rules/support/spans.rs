//! From token ranges to the statement's text: the span a finding points at, the byte range
//! and text as written, and the statement with some ranges replaced or text inserted (for
//! suggested rewrites).

use crate::lint::{StatementContext, Tokens};
use sqlparser::tokenizer::Span;
use std::ops::Range;

/// The span covering tokens `r`, when the tokens carry positions (not when they came from
/// the fallback word scanner).
#[must_use]
pub(crate) fn span_of(t: &Tokens, r: &Range<usize>) -> Option<Span> {
    let first = t.get(r.start)?.span;
    let last = t.get(r.end.checked_sub(1)?)?.span;
    (first.start.line > 0 && last.end.line > 0).then(|| Span::new(first.start, last.end))
}

/// The byte range in the statement text covered by tokens `r`.
#[must_use]
pub(crate) fn bytes_of(ctx: &StatementContext<'_>, r: &Range<usize>) -> Option<Range<usize>> {
    let span = span_of(ctx.tokens, r)?;
    let start = ctx.offset_of(span.start)?;
    let end = ctx.offset_of(span.end)?;
    (start <= end && end <= ctx.sql.len()).then_some(start..end)
}

/// The statement text of tokens `r`, as written.
#[must_use]
pub(crate) fn text_of<'a>(ctx: &StatementContext<'a>, r: &Range<usize>) -> Option<&'a str> {
    let b = bytes_of(ctx, r)?;
    ctx.sql.get(b)
}

/// The statement text with each token run replaced by its text; `None` when a run has no
/// position or runs overlap.
#[must_use]
pub(crate) fn replace_all(
    ctx: &StatementContext<'_>,
    mut edits: Vec<(Range<usize>, &str)>,
) -> Option<String> {
    edits.sort_by_key(|e| std::cmp::Reverse(e.0.start));
    let mut out = ctx.sql.to_string();
    let mut limit = usize::MAX;
    for (r, with) in edits {
        let b = bytes_of(ctx, &r)?;
        if b.end > limit || out.get(b.clone()).is_none() {
            return None;
        }
        out.replace_range(b.clone(), with);
        limit = b.start;
    }
    Some(out)
}

/// The statement text with `edits` (byte offset, text to insert) applied.
#[must_use]
pub(crate) fn insert_all(sql: &str, mut edits: Vec<(usize, String)>) -> Option<String> {
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = sql.to_string();
    for (at, text) in edits {
        if at > out.len() || !out.is_char_boundary(at) {
            return None;
        }
        out.insert_str(at, &text);
    }
    Some(out)
}
