//! Reading `ALTER TABLE` statements: the table they change (its key and its name as
//! written), their top-level clauses, the operations the parser read, and MySQL's
//! `ALGORITHM=` / `LOCK=` assertions.

use super::scan::{clauses, is_punct, Clause};
use super::spans::text_of;
use crate::lint::{StatementContext, Tokens};
use sqlparser::ast::{AlterTableOperation, Statement};
use std::ops::Range;

/// An `ALTER TABLE` statement, read from its tokens (and, through
/// [`operations`](Self::operations), from the parser when it read the statement).
#[derive(Debug)]
pub(crate) struct AlterTable<'t> {
    /// The statement's tokens.
    pub tokens: &'t Tokens,
    /// The table key (see [`table_key`](crate::lint::table_key)).
    pub table: String,
    /// The tokens of the table name as written.
    pub name: Range<usize>,
    /// The index of the first token after the name (and after a `*`).
    pub after: usize,
    /// The top-level comma-separated clauses after the name, in order.
    pub clauses: Vec<Clause<'t>>,
    /// The parsed statement, when [`alter_existing`] found one.
    parsed: Option<&'t sqlparser::ast::AlterTable>,
}

impl<'t> AlterTable<'t> {
    /// The table name as written in the statement, for rewrites built from the source text
    /// (falls back to the key).
    #[must_use]
    pub(crate) fn written_name(&self, ctx: &StatementContext<'_>) -> String {
        text_of(ctx, &self.name).map_or_else(|| self.table.clone(), str::to_string)
    }

    /// The table name as the user wrote it, without its SQL quotes (`Users`, `app.users`), for
    /// messages.
    #[must_use]
    pub(crate) fn shown(&self, ctx: &StatementContext<'_>) -> String {
        crate::lint::directive_table(&self.written_name(ctx))
    }

    /// The operations the parser read; empty when it could not read the statement.
    #[must_use]
    pub(crate) fn operations(&self) -> &'t [AlterTableOperation] {
        self.parsed.map_or(&[], |at| at.operations.as_slice())
    }

    /// The clause the parser read as operation `i` of [`operations`](Self::operations): the
    /// parser reads one operation per top-level clause; `None` when the counts differ.
    #[must_use]
    pub(crate) fn clause_of(&self, i: usize) -> Option<&Clause<'t>> {
        if self.operations().len() != self.clauses.len() {
            return None;
        }
        self.clauses.get(i)
    }

    /// The span of the clause of operation `i`, to point a finding at.
    #[must_use]
    pub(crate) fn op_span(&self, i: usize) -> Option<sqlparser::tokenizer::Span> {
        self.clause_of(i)?.span()
    }

    /// The table's name as the parser read it (`None` when it could not read the statement).
    #[must_use]
    pub(crate) fn object_name(&self) -> Option<&'t sqlparser::ast::ObjectName> {
        self.parsed.map(|at| &at.name)
    }

    /// The table as a folder lint's model knows it, with the column stored for `column`.
    #[must_use]
    pub(crate) fn known_column(
        &self,
        ctx: &StatementContext<'t>,
        column: &sqlparser::ast::Ident,
    ) -> Option<(&'t crate::schema::Table, &'t crate::schema::Column)> {
        let table = ctx.known_table(self.object_name()?)?;
        let stored = table.folding.stored_column(column);
        Some((table, table.column(&stored)?))
    }

    /// The table name as the parser prints it, for rewrites built from the parsed
    /// [`operations`](Self::operations) (empty when the parser could not read the
    /// statement).
    #[must_use]
    pub(crate) fn parsed_name(&self) -> String {
        self.parsed
            .map(|at| at.name.to_string())
            .unwrap_or_default()
    }
}

/// Read `ALTER [ONLINE | IGNORE] TABLE [IF EXISTS] [ONLY] name [*] clause, clause, ...`.
#[must_use]
pub(crate) fn alter_table(t: &Tokens) -> Option<AlterTable<'_>> {
    if !t.is_word(0, "ALTER") {
        return None;
    }
    let mut i = 1;
    while t.is_word(i, "ONLINE") || t.is_word(i, "IGNORE") {
        i += 1;
    }
    if !t.is_word(i, "TABLE") {
        return None;
    }
    i += 1;
    if t.is_word(i, "IF") && t.is_word(i + 1, "EXISTS") {
        i += 2;
    }
    if t.is_word(i, "ONLY") {
        i += 1;
    }
    let (table, end) = t.name_at(i)?;
    let after = if is_punct(t, end, "*") { end + 1 } else { end };
    Some(AlterTable {
        tokens: t,
        table,
        name: i..end,
        after,
        clauses: clauses(t, after),
        parsed: None,
    })
}

/// The `ALTER TABLE` of the statement when it changes a table the file did not create, nor
/// an earlier file of the change a folder lint knows (changes to a new, empty table are
/// safe), with the parser's operations when it read them.
#[must_use]
pub(crate) fn alter_existing<'t>(ctx: &StatementContext<'t>) -> Option<AlterTable<'t>> {
    let mut alter = alter_table(ctx.tokens).filter(|alter| !ctx.is_new_table(&alter.table))?;
    if let Some(Statement::AlterTable(at)) = ctx.ast {
        alter.parsed = Some(at);
        if ctx.is_new_or_pending(&alter.table, Some(&at.name)) {
            return None;
        }
    }
    Some(alter)
}

/// As [`alter_existing`], and also on PostgreSQL a table the file created and filled with
/// rows (`CREATE TABLE ... AS SELECT`, `INSERT ... SELECT`): nobody uses it yet, but what
/// scans its rows under a lock on another, live table (a foreign key's validation) still
/// blocks the app.
#[must_use]
pub(crate) fn alter_with_rows<'t>(ctx: &StatementContext<'t>) -> Option<AlterTable<'t>> {
    if let Some(alter) = alter_existing(ctx) {
        return Some(alter);
    }
    let mut alter = alter_table(ctx.tokens)?;
    let filled =
        ctx.dialect() == crate::Dialect::Postgres && ctx.file.filled_tables.contains(&alter.table);
    if let (true, Some(Statement::AlterTable(at))) = (filled, ctx.ast) {
        alter.parsed = Some(at);
        return Some(alter);
    }
    None
}

/// True when the statement asserts `key=value` or `key value` anywhere, e.g. MySQL's
/// `ALGORITHM=INPLACE` or `LOCK=NONE`.
#[must_use]
pub(crate) fn asserts(tokens: &Tokens, key: &str, value: &str) -> bool {
    let toks = tokens.all();
    (0..toks.len()).any(|i| {
        tokens.is_word(i, key)
            && match toks.get(i + 1) {
                Some(t) if t.text == "=" => tokens.is_word(i + 2, value),
                _ => tokens.is_word(i + 1, value),
            }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::rules::support::file::tokenize;
    use crate::sql::Dialect;

    #[test]
    fn reads_the_target_and_clauses() {
        let t = tokenize(
            "ALTER TABLE IF EXISTS ONLY s.t ADD a numeric(10, 2), ADD b int",
            Dialect::Postgres,
        );
        let alter = alter_table(&t).unwrap();
        assert_eq!(
            (alter.table.as_str(), alter.name.clone(), alter.after),
            ("t", 5..8, 8)
        );
        assert_eq!(alter.clauses.len(), 2);
        // `IF` is the table's name unless `EXISTS` follows (PostgreSQL does not reserve it).
        let t = tokenize("ALTER TABLE if ADD COLUMN c int", Dialect::Postgres);
        assert_eq!(alter_table(&t).map(|a| a.table), Some("if".into()));
    }
}
