//! What the file's other statements did, at token level: tokenizing an earlier or later
//! statement, the index a `CREATE INDEX` creates (recorded in
//! [`FileState`](crate::lint::FileState)) and the table it is on, and the schemas and
//! columns earlier statements created.

use super::alter::alter_table;
use super::columns::add_column_at;
use super::scan::skip_modifiers;
use crate::lint::{StatementContext, Tokens};
use crate::sql::Dialect;
use sqlparser::tokenizer::Tokenizer;

/// The tokens of another statement of the file (see [`StatementContext::earlier`] and
/// [`StatementContext::later`]).
#[must_use]
pub(crate) fn tokenize(sql: &str, dialect: Dialect) -> Tokens {
    let parser = dialect.parser_dialect();
    match Tokenizer::new(&*parser, sql).tokenize_with_location() {
        Ok(raw) => Tokens::from_raw(&raw),
        Err(_) => Tokens::from_words(sql),
    }
}

/// `CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] name ON [ONLY] table`: the index key
/// and the table key.
#[must_use]
pub(crate) fn created_index(t: &Tokens) -> Option<(String, String)> {
    let mut i = if t.is_word(1, "UNIQUE") { 2 } else { 1 };
    if !t.is_word(0, "CREATE") || !t.is_word(i, "INDEX") {
        return None;
    }
    i += 1;
    if t.is_word(i, "CONCURRENTLY") {
        i += 1;
    }
    let (index, after) = t.name_at(skip_modifiers(t, i))?;
    if !t.is_word(after, "ON") {
        return None;
    }
    let (table, _) = t.name_at(skip_modifiers(t, after + 1))?;
    Some((index, table))
}

/// The table an index (a key) was created on earlier in this file, when it was.
#[must_use]
pub(crate) fn table_of_index<'a>(ctx: &StatementContext<'a>, index: &str) -> Option<&'a str> {
    ctx.file.created_indexes.get(index).map(String::as_str)
}

/// True when an earlier statement of the file created the schema or database `name`.
#[must_use]
pub(crate) fn schema_created_earlier(ctx: &StatementContext<'_>, name: &str) -> bool {
    ctx.earlier.iter().any(|s| {
        let t = tokenize(&s.sql, ctx.dialect());
        let kind = t.is_word(1, "SCHEMA") || t.is_word(1, "DATABASE");
        let at = if t.is_word(2, "IF") { 5 } else { 2 };
        t.is_word(0, "CREATE") && kind && t.name_at(at).is_some_and(|(n, _)| n == name)
    })
}

/// True when an earlier statement of the file added column `column` (a key) to `table`:
/// no running app version knows it yet, so dropping or renaming it breaks nothing.
#[must_use]
pub(crate) fn column_added_earlier(ctx: &StatementContext<'_>, table: &str, column: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_created_indexes() {
        let t = tokenize(
            "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS \"I\" ON ONLY x.y (a)",
            Dialect::Postgres,
        );
        assert_eq!(created_index(&t), Some(("I".into(), "y".into())));
        let t = tokenize("CREATE INDEX ON t (a)", Dialect::Postgres);
        assert_eq!(created_index(&t), None);
    }
}
