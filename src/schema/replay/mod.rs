//! The offline source of the model: a migrations folder replayed in version order and phase
//! order (expand, backfill, contract; never down). Statements that cannot change a table's
//! shape (DML, functions, grants, ...) are skipped without parsing; the DDL it reads
//! (CREATE/ALTER/DROP/RENAME of tables, indexes, views and triggers) is applied; anything
//! else marks the tables it names unknown, and the model incomplete when the statement could
//! create tables. Never a guess.

mod alter;
mod constraints;
mod create;
mod objects;
pub(crate) use objects::view_uses;
#[cfg(test)]
mod tests;
mod tokens;

use super::{Folding, Schema, TableName};
use crate::migration::{Migration, PhaseKind};
use crate::Dialect;
use sqlparser::ast::{ObjectName, Statement};
use sqlparser::parser::Parser;

/// Build the model of `migrations` (in any order: they are replayed by version).
pub(crate) fn replay(migrations: &[Migration], dialect: Dialect, folding: Folding) -> Schema {
    let mut sorted: Vec<&Migration> = migrations.iter().collect();
    sorted.sort_by_key(|m| m.version);
    let mut replay = Replay::new(dialect, folding);
    for m in sorted {
        replay.migration(m);
    }
    replay.finish()
}

/// A replay in progress: feed it migrations (or statements) in order, then
/// [`Replay::finish`].
pub(crate) struct Replay {
    pub(super) schema: Schema,
    pub(super) default_schema: Option<String>,
    parser: Box<dyn sqlparser::dialect::Dialect>,
}

/// What a statement can do to the model, judged by its leading words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// Nothing (DML, functions, grants, comments, ...).
    None,
    /// DDL the replay reads.
    Read,
    /// Anything else: it may change any table it names, or create tables.
    Opaque,
}

impl Replay {
    /// An empty replay.
    pub(crate) fn new(dialect: Dialect, folding: Folding) -> Replay {
        Replay {
            schema: Schema::new(dialect, folding),
            default_schema: (dialect == Dialect::Postgres).then(|| "public".to_string()),
            parser: dialect.parser_dialect(),
        }
    }

    /// A replay continuing from `schema` (e.g. a live model).
    pub(crate) fn over(schema: Schema) -> Replay {
        let mut replay = Replay::new(schema.dialect, schema.folding);
        replay.schema = schema;
        replay
    }

    /// The model so far.
    pub(crate) fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The model being built.
    pub(crate) fn schema_mut(&mut self) -> &mut Schema {
        &mut self.schema
    }

    /// Apply one migration's expand, backfill and contract phases, in that order.
    pub(crate) fn migration(&mut self, m: &Migration) {
        for kind in [PhaseKind::Expand, PhaseKind::Backfill, PhaseKind::Contract] {
            let Some(phase) = m.phase(kind) else { continue };
            for s in &phase.statements {
                let at = format!("{}:{}", m.file_of(kind), s.start.line);
                self.statement(&s.sql, &at);
            }
        }
    }

    /// Apply one statement's text; `at` (file:line) goes into the reason of what it makes
    /// unknown.
    pub(crate) fn statement(&mut self, sql: &str, at: &str) {
        if reach(sql) != Reach::Read {
            return self.parsed(None, sql, at);
        }
        match Parser::parse_sql(self.parser.as_ref(), sql) {
            Ok(parsed) if parsed.len() == 1 => self.parsed(Some(&parsed[0]), sql, at),
            _ => self.parsed(None, sql, at),
        }
    }

    /// Apply a statement the caller parsed already (`None`: the parser could not read it),
    /// e.g. the linter, which parses each statement once; `sql` is its text.
    pub(crate) fn parsed(&mut self, statement: Option<&Statement>, sql: &str, at: &str) {
        match (reach(sql), statement) {
            (Reach::None, _) => {}
            (Reach::Opaque, _) => {
                self.opaque(sql, &format!("{at}: a statement the replay does not read"));
            }
            (Reach::Read, None) => self.unreadable(sql, at),
            (Reach::Read, Some(s)) => {
                if self.read(s, at).is_err() {
                    self.unreadable(sql, at);
                }
            }
        }
    }

    fn read(&mut self, statement: &Statement, at: &str) -> Result<(), create::Unread> {
        match statement {
            Statement::CreateTable(ct) => self.create_table(ct, at),
            Statement::AlterTable(a) => self.alter_table(a, at),
            Statement::CreateIndex(ci) => self.create_index(ci, at),
            Statement::Drop { .. } => self.drop(statement, at),
            Statement::RenameTable(renames) => self.rename_tables(renames, at),
            Statement::AlterIndex { name, operation } => self.alter_index(name, operation, at),
            Statement::CreateView(v) => self.create_view(v),
            Statement::CreateTrigger(t) => self.create_trigger(&t.name, &t.table_name),
            Statement::DropTrigger(t) => self.drop_trigger(t),
            _ => Err(()),
        }
    }

    /// The model so far.
    pub(crate) fn finish(self) -> Schema {
        self.schema
    }

    /// A name written in SQL as the catalog stores it.
    pub(super) fn name(&self, name: &ObjectName) -> Option<TableName> {
        TableName::from_sql(name, self.schema.folding, self.default_schema.as_deref())
    }

    /// A statement of a kind the replay reads that it could not read: the table it names
    /// (token-level) becomes unknown; without one, the statement is opaque.
    fn unreadable(&mut self, sql: &str, at: &str) {
        let why = format!("{at}: a statement the replay could not read");
        if let Some((trigger, table)) = tokens::trigger_target(sql, self) {
            if self.create_trigger_named(trigger, &table).is_ok() {
                return;
            }
        }
        if let Some((indexes, if_exists)) = tokens::dropped_indexes(sql, self) {
            for index in indexes {
                self.drop_index(&index, None, if_exists, at);
            }
            return;
        }
        match tokens::target_table(sql, self) {
            Some(table) => self.schema.mark_unknown(&table, why),
            None => self.opaque(sql, &why),
        }
    }

    /// A statement whose effect is unknown: every table it names becomes unknown, and tables
    /// the model lacks may exist.
    fn opaque(&mut self, sql: &str, why: &str) {
        for table in tokens::named_tables(sql, self) {
            self.schema.mark_unknown(&table, why.to_string());
        }
        self.schema.mark_incomplete(why.to_string());
    }
}

/// What a statement can do to the model, from its first words.
fn reach(sql: &str) -> Reach {
    let words = crate::sql::leading_words(sql, 8);
    let w = |i: usize| words.get(i).map_or("", String::as_str);
    let object = |from: usize| {
        words[from.min(words.len())..]
            .iter()
            .find(|w| {
                !matches!(
                    w.as_str(),
                    "OR" | "REPLACE"
                        | "UNIQUE"
                        | "TEMP"
                        | "TEMPORARY"
                        | "MATERIALIZED"
                        | "CONSTRAINT"
                        | "IF"
                        | "NOT"
                        | "EXISTS"
                        | "GLOBAL"
                        | "LOCAL"
                        | "UNLOGGED"
                )
            })
            .map_or("", String::as_str)
    };
    match w(0) {
        "SELECT" | "INSERT" | "UPDATE" | "DELETE" | "WITH" | "COPY" | "SET" | "RESET"
        | "COMMENT" | "GRANT" | "REVOKE" | "ANALYZE" | "VACUUM" | "CLUSTER" | "REINDEX"
        | "REFRESH" | "LOCK" | "TRUNCATE" | "NOTIFY" | "VALUES" | "EXPLAIN" | "SHOW"
        | "OPTIMIZE" | "BEGIN" | "COMMIT" | "ROLLBACK" | "START" | "SAVEPOINT" | "RELEASE"
        | "REPLACE" | "SECURITY" | "DISCARD" => Reach::None,
        "RENAME" if w(1) == "TABLE" => Reach::Read,
        "CREATE" | "ALTER" | "DROP" => match object(1) {
            "TABLE" | "INDEX" | "VIEW" | "TRIGGER" => Reach::Read,
            "DEFINER" => match words.iter().find(|w| {
                matches!(
                    w.as_str(),
                    "TRIGGER" | "VIEW" | "PROCEDURE" | "FUNCTION" | "EVENT"
                )
            }) {
                Some(w) if w == "TRIGGER" || w == "VIEW" => Reach::Read,
                Some(_) => Reach::None,
                None => Reach::Opaque,
            },
            "FUNCTION" | "PROCEDURE" | "EXTENSION" | "SEQUENCE" | "ROLE" | "USER" | "POLICY"
            | "STATISTICS" | "PUBLICATION" | "SUBSCRIPTION" | "COLLATION" | "AGGREGATE"
            | "OPERATOR" | "SERVER" | "EVENT" | "TEXT" | "CAST" | "CONVERSION" | "LANGUAGE"
            | "RULE"
                if w(0) != "DROP" || !sql.to_ascii_uppercase().contains("CASCADE") =>
            {
                Reach::None
            }
            "TYPE" | "DOMAIN" | "SCHEMA" if w(0) != "DROP" => Reach::None,
            _ => Reach::Opaque,
        },
        _ => Reach::Opaque,
    }
}
