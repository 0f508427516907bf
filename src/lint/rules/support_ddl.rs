//! Token-level helpers shared by the cross-dialect DDL rules: an `ALTER TABLE` cut into its
//! comma-separated clauses, the parts of an `ADD COLUMN` definition, names as written in the
//! source, and re-reading other statements of the file. Working on tokens rather than the
//! AST lets the same code check statements the parser cannot read (MariaDB's
//! `ADD COLUMN IF NOT EXISTS`, `PERSISTENT`), and both dialects' spellings.

use super::support::alter::alter_table;
use super::support::scan::Clause;
use crate::lint::{StatementContext, TokKind, Tokens};
use crate::sql::Dialect;
use sqlparser::tokenizer::Tokenizer;

/// The tokens of another statement of the file (see [`StatementContext::earlier`]).
#[must_use]
pub fn tokenize(sql: &str, dialect: Dialect) -> Tokens {
    let parser = dialect.parser_dialect();
    match Tokenizer::new(&*parser, sql).tokenize_with_location() {
        Ok(raw) => Tokens::from_raw(&raw),
        Err(_) => Tokens::from_words(sql),
    }
}

/// Words that end a column's type and start its options.
const OPTION_WORDS: &[&str] = &[
    "NOT",
    "NULL",
    "DEFAULT",
    "CONSTRAINT",
    "PRIMARY",
    "UNIQUE",
    "REFERENCES",
    "CHECK",
    "GENERATED",
    "AS",
    "COLLATE",
    "AUTO_INCREMENT",
    "COMMENT",
    "FIRST",
    "AFTER",
    "ON",
    "INVISIBLE",
    "VISIBLE",
    "STORED",
    "VIRTUAL",
    "PERSISTENT",
    "KEY",
    "USING",
];

/// A column definition in a clause: its name and where its type is.
#[derive(Debug, Default, Clone)]
pub struct ColumnDef {
    /// The column name (lower-cased unless quoted).
    pub name: String,
    /// Clause indexes of the type: `ty.0..ty.1`.
    pub ty: (usize, usize),
}

/// Read a column definition whose name is at clause index `k`: the type runs up to the
/// first option word outside parentheses.
#[must_use]
pub fn column_def_at(c: &Clause<'_>, k: usize) -> Option<ColumnDef> {
    let (name, ty_start) = c.ident(k)?;
    let len = c.end - c.start;
    let mut depth = 0usize;
    let mut ty_end = len;
    for j in ty_start..len {
        let tok = c.get(j)?;
        match (tok.kind, tok.text.as_str()) {
            (TokKind::Punct, "(") => depth += 1,
            (TokKind::Punct, ")") => depth = depth.saturating_sub(1),
            (TokKind::Word, w) if depth == 0 && j > ty_start && OPTION_WORDS.contains(&w) => {
                ty_end = j;
                break;
            }
            _ => {}
        }
    }
    c.get(ty_start)?;
    Some(ColumnDef {
        name,
        ty: (ty_start, ty_end),
    })
}

/// A MySQL `MODIFY [COLUMN] col def` or `CHANGE [COLUMN] old new def` clause: the old name
/// and the new definition.
#[must_use]
pub fn modify_or_change(c: &Clause<'_>) -> Option<(String, ColumnDef)> {
    let change = c.is_word(0, "CHANGE");
    if !change && !c.is_word(0, "MODIFY") {
        return None;
    }
    let k = if c.is_word(1, "COLUMN") { 2 } else { 1 };
    if change {
        let (old, next) = c.ident(k)?;
        Some((old, column_def_at(c, next)?))
    } else {
        let def = column_def_at(c, k)?;
        Some((def.name.clone(), def))
    }
}

/// True when an earlier statement of the file created the schema or database `name`.
#[must_use]
pub fn schema_created_earlier(ctx: &StatementContext<'_>, name: &str) -> bool {
    ctx.earlier.iter().any(|s| {
        let t = tokenize(&s.sql, ctx.dialect());
        let kind = t.is_word(1, "SCHEMA") || t.is_word(1, "DATABASE");
        let at = if t.is_word(2, "IF") { 5 } else { 2 };
        t.is_word(0, "CREATE") && kind && t.name_at(at).is_some_and(|(n, _)| n == name)
    })
}

/// The `key=` of a backfill section for `table`; bellows needs a unique, not-null key.
pub const BACKFILL_KEY: &str = "id";

/// The contract-phase marker used in suggestions.
pub const CONTRACT: &str = "-- bellows:contract";

/// True when an earlier statement of the file added column `column` (a key) to `table`:
/// no running app version knows it yet, so dropping or renaming it breaks nothing.
#[must_use]
pub fn column_added_earlier(ctx: &StatementContext<'_>, table: &str, column: &str) -> bool {
    ctx.earlier.iter().any(|s| {
        let t = tokenize(&s.sql, ctx.dialect());
        let Some(alter) = alter_table(&t) else {
            return false;
        };
        alter.table == table
            && alter.clauses.iter().any(|c| {
                if !c.is_word(0, "ADD") {
                    return false;
                }
                let mut k = if c.is_word(1, "COLUMN") { 2 } else { 1 };
                if c.is_word(k, "IF") && c.is_word(k + 1, "NOT") && c.is_word(k + 2, "EXISTS") {
                    k += 3;
                }
                c.ident(k).is_some_and(|(name, _)| name == column)
            })
    })
}
