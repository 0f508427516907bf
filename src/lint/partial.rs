//! An `ALTER TABLE` the parser cannot read whole (issue 14): the clauses it cannot read are
//! blanked out — same lines and columns, so every position stays true — and the rest is
//! parsed again, so the rules that read the parse still judge the clauses it can read
//! (`ALTER COLUMN c SET NOT NULL, ALTER CONSTRAINT fk NOT DEFERRABLE`). The clauses left
//! out are kept for `unparsed-statement`, which knows the harmless ones.

use super::rules::support::alter::alter_table;
use super::{ParseFailure, Tokens};
use sqlparser::ast::Statement;
use sqlparser::dialect::Dialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Location;
use std::ops::Range;

/// A clause the parser could not read: its tokens and the parser's complaint about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unread {
    /// The clause's token indexes.
    pub tokens: Range<usize>,
    /// What the parser said when it stopped in it.
    pub message: String,
}

/// The `ALTER TABLE` `sql` read clause by clause after the parser refused it with `first`:
/// the statement without the clauses it cannot read (`None` when it reads none) and those
/// clauses. `None` when `sql` is not an `ALTER TABLE` or the parser stopped before its
/// first clause.
pub(super) fn alter_clauses(
    sql: &str,
    tokens: &Tokens,
    dialect: &dyn Dialect,
    first: &ParseFailure,
) -> Option<(Option<Statement>, Vec<Unread>)> {
    let alter = alter_table(tokens)?;
    let clauses: Vec<Range<usize>> = alter.clauses.iter().map(|c| c.range()).collect();
    let starts: Vec<Location> = clauses
        .iter()
        .map(|r| tokens.get(r.start).map(|t| t.span.start))
        .collect::<Option<_>>()?;
    let lines = line_starts(sql);
    let mut unread: Vec<Unread> = Vec::new();
    let mut failure = first.clone();
    loop {
        let at = failure.at?;
        // The clause the parser stopped in: the last one starting at or before the spot.
        let i = starts
            .iter()
            .rposition(|s| (s.line, s.column) <= (at.line, at.column))?;
        if unread.iter().any(|u| u.tokens == clauses[i]) {
            return None;
        }
        unread.push(Unread {
            tokens: clauses[i].clone(),
            message: failure.message.clone(),
        });
        if unread.len() == clauses.len() {
            return Some((None, unread));
        }
        let text = blanked(sql, &lines, tokens, &clauses, &unread);
        match Parser::new(dialect)
            .with_recursion_limit(crate::sql::RECURSION_LIMIT)
            .try_with_sql(&text)
            .and_then(|mut p| p.parse_statements())
        {
            Ok(mut parsed) if parsed.len() == 1 => {
                return Some((Some(parsed.swap_remove(0)), unread))
            }
            Ok(_) => return None,
            Err(e) => failure = super::prepare::failure(&e.to_string()),
        }
    }
}

/// `sql` with the unread clauses, and the commas that would be left dangling, replaced by
/// spaces (line breaks kept).
fn blanked(
    sql: &str,
    lines: &[usize],
    tokens: &Tokens,
    clauses: &[Range<usize>],
    unread: &[Unread],
) -> String {
    let mut blank: Vec<Range<usize>> = Vec::new();
    let mut kept_before = false;
    for (j, clause) in clauses.iter().enumerate() {
        let gone = unread.iter().any(|u| u.tokens == *clause);
        if j > 0 && (gone || !kept_before) {
            blank.push(clause.start - 1..clause.start);
        }
        if gone {
            blank.push(clause.clone());
        } else {
            kept_before = true;
        }
    }
    let mut bytes: Vec<Range<usize>> = blank
        .iter()
        .filter_map(|r| {
            let from = offset(sql, lines, tokens.get(r.start)?.span.start)?;
            let to = offset(sql, lines, tokens.get(r.end.checked_sub(1)?)?.span.end)?;
            Some(from..to)
        })
        .collect();
    bytes.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(sql.len());
    let mut from = 0;
    for r in bytes {
        if r.start < from {
            continue;
        }
        out.push_str(&sql[from..r.start]);
        out.extend(
            sql[r.clone()]
                .chars()
                .map(|c| if c == '\n' || c == '\r' { c } else { ' ' }),
        );
        from = r.end;
    }
    out.push_str(&sql[from..]);
    out
}

/// The byte offset where each line of `sql` starts.
fn line_starts(sql: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(sql.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// The byte offset of a (1-based, character-counted) location in `sql`.
fn offset(sql: &str, lines: &[usize], at: Location) -> Option<usize> {
    let start = *lines.get(usize::try_from(at.line).ok()?.checked_sub(1)?)?;
    let column = usize::try_from(at.column).ok()?.checked_sub(1)?;
    let rest = sql.get(start..)?;
    Some(
        start
            + rest
                .char_indices()
                .nth(column)
                .map_or(rest.len(), |(i, _)| i),
    )
}

/// MySQL's `MODIFY c VARCHAR(255) BINARY` (the `_bin` collation of the column's character
/// set, so a collation change that copies the table): sqlparser does not know the `BINARY`
/// attribute, so it reads the statement with `COLLATE binary` in its place (columns after
/// it on the same line move by 8).
pub(super) fn mysql_binary(
    sql: &str,
    tokens: &Tokens,
    dialect: &dyn Dialect,
    failure: &ParseFailure,
) -> Option<Statement> {
    let at = failure.at?;
    let i = tokens.all().iter().position(|t| t.span.start == at)?;
    let column_def = (0..i).any(|k| tokens.is_word(k, "MODIFY") || tokens.is_word(k, "CHANGE"));
    if !dialect.is::<sqlparser::dialect::MySqlDialect>()
        || !tokens.is_word(i, "BINARY")
        || !column_def
    {
        return None;
    }
    let lines = line_starts(sql);
    let tok = tokens.get(i)?;
    let (from, to) = (
        offset(sql, &lines, tok.span.start)?,
        offset(sql, &lines, tok.span.end)?,
    );
    let text = format!("{}COLLATE binary{}", &sql[..from], &sql[to..]);
    let mut parsed = Parser::new(dialect)
        .with_recursion_limit(crate::sql::RECURSION_LIMIT)
        .try_with_sql(&text)
        .and_then(|mut p| p.parse_statements())
        .ok()?;
    (parsed.len() == 1).then(|| parsed.swap_remove(0))
}
