//! Token-level reading for statements the parser cannot read: which table a DDL statement
//! targets, a trigger's name and table, and which tables a statement names at all.

use super::Replay;
use crate::schema::TableName;
use sqlparser::ast::{Ident, ObjectName, ObjectNamePart};
use sqlparser::tokenizer::{Token, Tokenizer};

/// The words of `sql` (keywords upper-cased for matching, identifiers with their quotes).
/// The words of string and dollar-quoted bodies count too (`DO $$ ... $$`, `EXECUTE '...'`).
fn words(sql: &str, replay: &Replay) -> Vec<Ident> {
    let tokens = Tokenizer::new(replay.parser.as_ref(), sql)
        .tokenize()
        .unwrap_or_default();
    let bodies: Vec<String> = tokens
        .iter()
        .filter_map(|t| match t {
            Token::DollarQuotedString(s) => Some(s.value.clone()),
            Token::SingleQuotedString(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    tokens
        .into_iter()
        .filter_map(|t| match t {
            Token::Word(w) => Some(Ident {
                value: w.value,
                quote_style: w.quote_style,
                span: sqlparser::tokenizer::Span::empty(),
            }),
            Token::Period => Some(Ident::new(".")),
            _ => None,
        })
        .chain(bodies.into_iter().flat_map(|b| words(&b, replay)))
        .collect()
}

fn is(word: &Ident, keyword: &str) -> bool {
    word.quote_style.is_none() && word.value.eq_ignore_ascii_case(keyword)
}

/// The name starting at `words[i]` (`a` or `a.b`).
fn name_at(words: &[Ident], i: usize, replay: &Replay) -> Option<TableName> {
    let first = words.get(i)?;
    let parts = if words
        .get(i + 1)
        .is_some_and(|w| w.value == "." && w.quote_style.is_none())
    {
        vec![first.clone(), words.get(i + 2)?.clone()]
    } else {
        vec![first.clone()]
    };
    replay.name(&ObjectName(
        parts.into_iter().map(ObjectNamePart::Identifier).collect(),
    ))
}

/// The index just past the optional words in `skip` starting at `i`.
fn past(words: &[Ident], mut i: usize, skip: &[&str]) -> usize {
    while words.get(i).is_some_and(|w| skip.iter().any(|k| is(w, k))) {
        i += 1;
    }
    i
}

/// The table an ALTER TABLE, CREATE TABLE, DROP TABLE or CREATE INDEX ... ON targets.
pub(super) fn target_table(sql: &str, replay: &Replay) -> Option<TableName> {
    let w = words(sql, replay);
    let first = w.first()?;
    if is(first, "CREATE") && w.iter().take(6).any(|x| is(x, "INDEX")) {
        let on = w.iter().position(|x| is(x, "ON"))?;
        return name_at(&w, past(&w, on + 1, &["ONLY"]), replay);
    }
    let table = w.iter().take(6).position(|x| is(x, "TABLE"))?;
    if !(is(first, "ALTER") || is(first, "CREATE") || is(first, "DROP")) {
        return None;
    }
    name_at(
        &w,
        past(&w, table + 1, &["IF", "NOT", "EXISTS", "ONLY"]),
        replay,
    )
}

/// A CREATE TRIGGER's name and table (`CREATE ... TRIGGER name ... ON table`).
pub(super) fn trigger_target(sql: &str, replay: &Replay) -> Option<(String, TableName)> {
    let w = words(sql, replay);
    if !is(w.first()?, "CREATE") {
        return None;
    }
    let at = w.iter().take(12).position(|x| is(x, "TRIGGER"))?;
    let name = past(&w, at + 1, &["IF", "NOT", "EXISTS"]);
    let trigger = replay.schema.folding.stored_column(w.get(name)?);
    let on = name + w[name..].iter().position(|x| is(x, "ON"))?;
    Some((trigger, name_at(&w, on + 1, replay)?))
}

/// Every table the model holds that `sql` names.
pub(super) fn named_tables(sql: &str, replay: &Replay) -> Vec<TableName> {
    let w = words(sql, replay);
    let mut out: Vec<TableName> = Vec::new();
    // A long view names the same few words many times: each (word, qualifier) is looked
    // up once.
    let mut seen: std::collections::HashSet<(&Ident, Option<&Ident>)> = Default::default();
    for i in 0..w.len() {
        let qualified = w
            .get(i + 1)
            .is_some_and(|d| d.value == "." && d.quote_style.is_none());
        let next = if qualified { w.get(i + 2) } else { None };
        if !seen.insert((&w[i], next)) {
            continue;
        }
        if let Some(name) = name_at(&w, i, replay) {
            if replay.schema.holds(&name) && !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

/// The columns of `table` an expression's text mentions, in table order.
pub(super) fn columns_in(expr: &str, table: &crate::schema::Table, replay: &Replay) -> Vec<String> {
    let f = replay.schema.folding;
    let mentioned: Vec<String> = words(expr, replay)
        .iter()
        .map(|w| f.stored_column(w))
        .collect();
    table
        .columns
        .iter()
        .filter(|c| mentioned.iter().any(|m| f.same_column(m, &c.name)))
        .map(|c| c.name.clone())
        .collect()
}

/// `text` (an expression) with every mention of column `old` renamed to `new`.
pub(super) fn rename_in(text: &str, old: &str, new: &str, replay: &Replay) -> String {
    let f = replay.schema.folding;
    let Ok(tokens) = Tokenizer::new(replay.parser.as_ref(), text).tokenize() else {
        return text.to_string();
    };
    tokens
        .into_iter()
        .map(|t| match &t {
            Token::Word(w)
                if f.same_column(
                    &f.stored_column(&Ident {
                        value: w.value.clone(),
                        quote_style: w.quote_style,
                        span: sqlparser::tokenizer::Span::empty(),
                    }),
                    old,
                ) =>
            {
                if w.quote_style.is_none()
                    && new
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                {
                    new.to_string()
                } else {
                    replay.schema.dialect.quote_ident(new)
                }
            }
            other => other.to_string(),
        })
        .collect()
}

/// Whether an expression's text mentions column `name`.
pub(super) fn mentions(text: &str, name: &str, replay: &Replay) -> bool {
    let f = replay.schema.folding;
    words(text, replay)
        .iter()
        .any(|w| f.same_column(&f.stored_column(w), name))
}

/// The index names of a `DROP INDEX [CONCURRENTLY] [IF EXISTS] a, b` (the parser does not
/// read CONCURRENTLY), with whether IF EXISTS was given.
pub(super) fn dropped_indexes(sql: &str, replay: &Replay) -> Option<(Vec<String>, bool)> {
    let w = words(sql, replay);
    if !(is(w.first()?, "DROP") && is(w.get(1)?, "INDEX")) {
        return None;
    }
    let start = past(&w, 2, &["CONCURRENTLY", "IF", "EXISTS"]);
    let if_exists = w[..start].iter().any(|x| is(x, "EXISTS"));
    let mut names = Vec::new();
    let mut i = start;
    while let Some(word) = w.get(i) {
        if is(word, "CASCADE") || is(word, "RESTRICT") || is(word, "ON") {
            break;
        }
        if word.value != "." || word.quote_style.is_some() {
            let last_part = !w
                .get(i + 1)
                .is_some_and(|n| n.value == "." && n.quote_style.is_none());
            if last_part {
                names.push(replay.schema.folding.stored_column(word));
            }
        }
        i += 1;
    }
    Some((names, if_exists))
}
