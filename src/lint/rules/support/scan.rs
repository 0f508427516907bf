//! Walking a statement's tokens: punctuation, paren depth, the `IF [NOT] EXISTS` / `ONLY`
//! modifiers before a name, and the top-level comma-separated clauses of a statement.

use super::spans::{span_of, text_of};
use crate::lint::{StatementContext, Tok, TokKind, Tokens};
use sqlparser::tokenizer::Span;
use std::ops::Range;

/// True when token `i` is the punctuation `p`.
#[must_use]
pub(crate) fn is_punct(t: &Tokens, i: usize, p: &str) -> bool {
    t.get(i)
        .is_some_and(|x| x.kind == TokKind::Punct && x.text == p)
}

/// The paren depth of every token: `(` and `)` count as the depth outside them.
#[must_use]
pub(crate) fn depths(t: &Tokens) -> Vec<usize> {
    let mut depth = 0usize;
    let mut out = Vec::with_capacity(t.all().len());
    for (i, _) in t.all().iter().enumerate() {
        if is_punct(t, i, ")") {
            depth = depth.saturating_sub(1);
        }
        out.push(depth);
        if is_punct(t, i, "(") {
            depth += 1;
        }
    }
    out
}

/// The index just past `IF [NOT] EXISTS` and `ONLY` at `i`.
#[must_use]
pub(crate) fn skip_modifiers(t: &Tokens, mut i: usize) -> usize {
    if t.is_word(i, "IF") {
        i += if t.is_word(i + 1, "NOT") { 3 } else { 2 };
    }
    if t.is_word(i, "ONLY") {
        i += 1;
    }
    i
}

/// A run of tokens `start..end` of a statement between top-level commas: one clause of an
/// `ALTER TABLE`, one name of a list. Read it with absolute token indexes (`start`, `end`,
/// [`range`](Self::range)) or with indexes relative to its start (`get`, `is_word`, ...).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clause<'t> {
    /// The statement's tokens.
    pub t: &'t Tokens,
    /// Index of the clause's first token.
    pub start: usize,
    /// Index just past its last token.
    pub end: usize,
}

impl<'t> Clause<'t> {
    /// The clause's token indexes in the statement.
    #[must_use]
    pub(crate) fn range(&self) -> Range<usize> {
        self.start..self.end
    }

    /// Token `k` of the clause.
    #[must_use]
    pub(crate) fn get(&self, k: usize) -> Option<&'t Tok> {
        (self.start + k < self.end)
            .then(|| self.t.get(self.start + k))
            .flatten()
    }

    /// True when token `k` of the clause is the unquoted word `w`.
    #[must_use]
    pub(crate) fn is_word(&self, k: usize, w: &str) -> bool {
        self.start + k < self.end && self.t.is_word(self.start + k, w)
    }

    /// The span from the clause's first to its last token, when positions are known.
    #[must_use]
    pub(crate) fn span(&self) -> Option<Span> {
        span_of(self.t, &self.range())
    }

    /// The source text of clause indexes `from..to` as written (the token texts joined by
    /// spaces when positions are unknown).
    #[must_use]
    pub(crate) fn text(&self, ctx: &StatementContext<'_>, from: usize, to: usize) -> String {
        let (a, b) = (self.start + from, (self.start + to).min(self.end));
        text_of(ctx, &(a..b)).map_or_else(
            || {
                (a..b)
                    .filter_map(|i| self.t.get(i).map(|t| t.text.clone()))
                    .collect::<Vec<_>>()
                    .join(" ")
            },
            str::to_string,
        )
    }

    /// The identifier at clause index `k` and the index after it (a word or quoted name).
    #[must_use]
    pub(crate) fn ident(&self, k: usize) -> Option<(String, usize)> {
        let tok = self.get(k)?;
        match tok.kind {
            TokKind::Word => Some((tok.text.to_ascii_lowercase(), k + 1)),
            TokKind::Quoted => Some((tok.text.clone(), k + 1)),
            _ => None,
        }
    }
}

/// The top-level comma-separated clauses of the tokens from `from` to the end (an empty
/// clause between two commas included).
#[must_use]
pub(crate) fn clauses(t: &Tokens, from: usize) -> Vec<Clause<'_>> {
    let d = depths(t);
    let len = t.all().len();
    let mut out = Vec::new();
    let mut start = from;
    for (i, &depth) in d.iter().enumerate().skip(from) {
        if depth == 0 && is_punct(t, i, ",") {
            out.push(Clause { t, start, end: i });
            start = i + 1;
        }
    }
    if start < len {
        out.push(Clause { t, start, end: len });
    }
    out
}
