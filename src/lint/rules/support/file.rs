//! What the file's earlier statements did, read from their tokens once as the file is
//! walked and recorded in [`FileState`](crate::lint::FileState): the index a `CREATE INDEX`
//! creates and the table it is on, the schemas and columns earlier statements created.

use super::alter::alter_table;
use super::columns::add_column_at;
use super::scan::skip_modifiers;
use crate::lint::{StatementContext, Tokens};
#[cfg(test)]
use crate::sql::Dialect;
#[cfg(test)]
use sqlparser::tokenizer::Tokenizer;

/// The tokens of a statement, for tests.
#[cfg(test)]
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

/// True when an earlier statement of the file created the schema or database `name`
/// (recorded in [`FileState`](crate::lint::FileState) as the file is walked).
#[must_use]
pub(crate) fn schema_created_earlier(ctx: &StatementContext<'_>, name: &str) -> bool {
    ctx.file.created_schemas.contains(name)
}

/// True when an earlier statement of the file added column `column` (a key) to `table`:
/// no running app version knows it yet, so dropping or renaming it breaks nothing.
#[must_use]
pub(crate) fn column_added_earlier(ctx: &StatementContext<'_>, table: &str, column: &str) -> bool {
    ctx.file
        .added_columns
        .contains(&(table.to_string(), column.to_string()))
}

/// The schema or database a `CREATE SCHEMA|DATABASE [IF NOT EXISTS] name` creates.
#[must_use]
pub(crate) fn created_schema(t: &Tokens) -> Option<String> {
    let kind = t.is_word(1, "SCHEMA") || t.is_word(1, "DATABASE");
    let at = if t.is_word(2, "IF") { 5 } else { 2 };
    (t.is_word(0, "CREATE") && kind)
        .then(|| t.name_at(at).map(|(n, _)| n))
        .flatten()
}

/// The columns an `ALTER TABLE ... ADD [COLUMN] name ...` adds: (table key, column key).
#[must_use]
pub(crate) fn added_columns(t: &Tokens) -> Vec<(String, String)> {
    let Some(alter) = alter_table(t) else {
        return Vec::new();
    };
    alter
        .clauses
        .iter()
        .filter_map(|c| add_column_at(c).and_then(|k| c.ident(k)))
        .map(|(name, _)| (alter.table.clone(), name))
        .collect()
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
