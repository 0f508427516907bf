//! The costly half of linting a file, which needs no other file: phases split, every
//! statement tokenized and parsed once, and classified ([`Linter::prepare`]), before the
//! rules run over it.

use super::{Linter, ParseFailure, Tokens};
use crate::migration::{parse_phases, FormatError, Phase, PhaseKind};
use crate::sql::classify;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Location, Tokenizer};

/// One file split, tokenized and parsed ([`Linter::prepare`]), ready to be checked.
#[derive(Debug)]
pub(crate) struct PreparedFile {
    pub(super) path: String,
    pub(super) text: String,
    pub(super) phases: Vec<Phase>,
    /// Per phase, per statement: what was read of it.
    pub(super) read: Vec<Vec<Read>>,
}

/// One statement read once: tokens, the parse (or why not), how it runs.
#[derive(Debug)]
pub(super) struct Read {
    pub(super) tokens: Tokens,
    pub(super) ast: Option<sqlparser::ast::Statement>,
    pub(super) failure: Option<ParseFailure>,
    pub(super) no_transaction: bool,
    pub(super) own_transaction: bool,
}

impl Linter {
    /// Split, tokenize and parse one file without running a rule: the costly part of
    /// linting; [`Linter::lint`] and [`FolderLint`](super::FolderLint) then check it.
    ///
    /// # Errors
    /// As [`Linter::lint`].
    pub(crate) fn prepare(&self, path: &str, text: &str) -> Result<PreparedFile, FormatError> {
        let mut phases = parse_phases(text, self.options.dialect)?;
        if path.ends_with(".down.sql") {
            for p in phases.iter_mut().filter(|p| p.marker_line.is_none()) {
                p.kind = PhaseKind::Down;
            }
        }
        let parser_dialect = self.options.dialect.parser_dialect();
        let read = phases
            .iter()
            .map(|phase| {
                phase
                    .statements
                    .iter()
                    .map(|stmt| {
                        let (tokens, ast, failure) = read(&stmt.sql, &*parser_dialect);
                        let kind = classify(&stmt.sql, self.options.dialect);
                        Read {
                            tokens,
                            ast,
                            failure,
                            no_transaction: kind.no_transaction,
                            own_transaction: kind.own_transaction,
                        }
                    })
                    .collect()
            })
            .collect();
        Ok(PreparedFile {
            path: path.to_string(),
            text: text.to_string(),
            phases,
            read,
        })
    }
}

/// Tokenize and parse one statement (tokenizing once).
fn read(
    sql: &str,
    dialect: &dyn sqlparser::dialect::Dialect,
) -> (
    Tokens,
    Option<sqlparser::ast::Statement>,
    Option<ParseFailure>,
) {
    let raw = match Tokenizer::new(dialect, sql).tokenize_with_location() {
        Ok(raw) => raw,
        Err(e) => {
            let failure = ParseFailure {
                message: e.message,
                at: Some(e.location),
                unread: Vec::new(),
            };
            return (Tokens::from_words(sql), None, Some(failure));
        }
    };
    let tokens = Tokens::from_raw(&raw);
    if let Some(chain) = crate::sql::too_deep(&raw) {
        let failure = ParseFailure {
            message: format!("an expression chains {chain}+ operators, more than the linter parses ({}); only token-level checks ran", crate::sql::MAX_OPERATOR_CHAIN),
            at: None,
            unread: Vec::new(),
        };
        return (tokens, None, Some(failure));
    }
    match Parser::new(dialect)
        .with_recursion_limit(crate::sql::RECURSION_LIMIT)
        .with_tokens_with_locations(raw)
        .parse_statements()
    {
        Ok(mut parsed) if !parsed.is_empty() => (tokens, Some(parsed.swap_remove(0)), None),
        Ok(_) => (tokens, None, None),
        Err(e) => {
            let mut failure = failure(&e.to_string());
            if let Some(ast) = super::partial::mysql_binary(sql, &tokens, dialect, &failure) {
                return (tokens, Some(ast), None);
            }
            match super::partial::alter_clauses(sql, &tokens, dialect, &failure) {
                Some((ast, unread)) => {
                    failure.unread = unread;
                    (tokens, ast, Some(failure))
                }
                None => (tokens, None, Some(failure)),
            }
        }
    }
}

/// The parser's message split from its ` at Line: l, Column: c` suffix.
pub(super) fn failure(text: &str) -> ParseFailure {
    let text = text.strip_prefix("sql parser error: ").unwrap_or(text);
    let Some(i) = text.rfind(" at Line: ") else {
        return ParseFailure {
            message: text.to_string(),
            at: None,
            unread: Vec::new(),
        };
    };
    let mut nums = text[i + 10..]
        .split(", Column: ")
        .map(|n| n.trim().parse::<u64>());
    match (nums.next(), nums.next()) {
        (Some(Ok(line)), Some(Ok(column))) => ParseFailure {
            message: text[..i].to_string(),
            at: Some(Location { line, column }),
            unread: Vec::new(),
        },
        _ => ParseFailure {
            message: text.to_string(),
            at: None,
            unread: Vec::new(),
        },
    }
}
