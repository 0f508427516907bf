//! Token-level helpers shared by the cross-dialect DDL rules: an `ALTER TABLE` cut into its
//! comma-separated clauses, the parts of an `ADD COLUMN` definition, names as written in the
//! source, and re-reading other statements of the file. Working on tokens rather than the
//! AST lets the same code check statements the parser cannot read (MariaDB's
//! `ADD COLUMN IF NOT EXISTS`, `PERSISTENT`), and both dialects' spellings.

use super::support::alter::alter_table;
use super::support::columns::add_column_at;
use crate::lint::{StatementContext, Tokens};
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
                add_column_at(c)
                    .and_then(|k| c.ident(k))
                    .is_some_and(|(name, _)| name == column)
            })
    })
}
