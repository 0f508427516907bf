//! What a rule sees when it checks one statement: the statement (text, tokens, AST or the
//! parser's complaint), its phase, the options of the run, and what the file did before it.

use super::{LintOptions, ServerVersion, Severity, Tokens, TransactionMode};
use crate::migration::PhaseKind;
use crate::sql::Dialect;
use sqlparser::ast::{ObjectName, ObjectNamePart};
use sqlparser::tokenizer::{Location, Span};
use std::collections::{HashMap, HashSet};

/// The key a table is known by across statements: the last part of its name, lower-cased
/// unless it was quoted.
#[must_use]
pub(crate) fn table_key(name: &ObjectName) -> String {
    match name.0.last() {
        Some(ObjectNamePart::Identifier(id)) if id.quote_style.is_some() => id.value.clone(),
        Some(ObjectNamePart::Identifier(id)) => id.value.to_ascii_lowercase(),
        Some(other) => other.to_string().to_ascii_lowercase(),
        None => String::new(),
    }
}

/// A table name as written in SQL (`public.users`, `` `cache_entries` ``), as a backfill
/// marker's `table=` names it: the names without their quotes, schema included (the runner
/// refuses a statement whose schema the directive does not name).
pub(crate) fn directive_table(written: &str) -> String {
    written.replace(['"', '`'], "")
}

/// A constraint added `NOT VALID` earlier in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NotValidConstraint {
    /// The table key.
    pub table: String,
    /// The constraint name, lower-cased unless quoted.
    pub name: String,
    /// The transaction it was added in (compare with [`FileState::txn`]).
    pub txn: u32,
}

/// A `CHECK (<column> IS NOT NULL)` constraint added earlier in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NotNullCheck {
    /// The table key.
    pub table: String,
    /// The constraint name, lower-cased unless quoted.
    pub name: String,
    /// The column key.
    pub column: String,
    /// Added without `NOT VALID`, or validated by a later `VALIDATE CONSTRAINT`.
    pub validated: bool,
}

/// What the statements before the current one did, accumulated in file order.
#[derive(Debug, Clone, Default)]
pub(crate) struct FileState {
    /// Tables (and materialized views) created earlier in the file, under their current
    /// names (keys as made by [`table_key`]).
    pub created_tables: HashSet<String>,
    /// Of those, the ones filled with rows (`CREATE TABLE ... AS SELECT`, `INSERT ...
    /// SELECT`): new, but not empty.
    pub filled_tables: HashSet<String>,
    /// The names tables were renamed to earlier in the file.
    pub renamed_to: HashSet<String>,
    /// Indexes created earlier in the file: index key → table key.
    pub created_indexes: HashMap<String, String>,
    /// A `SET lock_timeout` / `SET lock_wait_timeout` came earlier in the file.
    pub lock_timeout_set: bool,
    /// An explicit `BEGIN` / `START TRANSACTION` is open.
    pub in_explicit_transaction: bool,
    /// Constraints added `NOT VALID` earlier in the file.
    pub not_valid: Vec<NotValidConstraint>,
    /// The transaction the current statement runs in: two statements with the same number
    /// run in the same transaction (explicit, or the runner's per-file or per-phase one).
    pub txn: u32,
    /// The file starts with sqlx's `-- no-transaction` line.
    pub no_transaction_file: bool,
    /// `CHECK (col IS NOT NULL)` constraints added earlier in the file.
    pub not_null_checks: Vec<NotNullCheck>,
    /// The previous statement ended a transaction (or ran alone): the next one starts anew.
    pub(crate) after_boundary: bool,
    /// Schemas and databases created earlier in the file (keys).
    pub created_schemas: HashSet<String>,
    /// Columns added earlier in the file: (table key, column key).
    pub added_columns: HashSet<(String, String)>,
    /// MySQL: the last `SET [SESSION] foreign_key_checks = ...` earlier in the file turned
    /// the checks off.
    pub foreign_key_checks_off: bool,
    /// Types created earlier in the file (`CREATE TYPE name`, keys).
    pub created_types: HashSet<String>,
    /// An earlier `SET [SESSION | LOCAL] TimeZone = 'UTC'` / `SET TIME ZONE 'UTC'`.
    pub time_zone_utc: bool,
}

/// Why the parser could not read a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseFailure {
    /// The parser's message, without its own position suffix.
    pub message: String,
    /// Where in the statement it stopped, when it said.
    pub at: Option<Location>,
    /// For an `ALTER TABLE` read clause by clause: the clauses it could not read (the
    /// statement's parse holds the others).
    pub unread: Vec<super::partial::Unread>,
}

/// Everything a rule may look at for one statement.
#[derive(Debug)]
pub(crate) struct StatementContext<'a> {
    /// The run's options (dialect, version, transaction mode, live sizes).
    pub options: &'a LintOptions,
    /// The phase the statement is in (a file without markers is one expand phase).
    pub phase: PhaseKind,
    /// The statement text, from its first token, without its delimiter.
    pub sql: &'a str,
    /// The tokens.
    pub tokens: &'a Tokens,
    /// The parsed statement, when the parser reads it.
    pub ast: Option<&'a sqlparser::ast::Statement>,
    /// The parser's complaint, when it does not.
    pub parse_failure: Option<&'a ParseFailure>,
    /// What the file did before this statement.
    pub file: &'a FileState,
    /// What the statements after this one in the same phase do.
    pub later: super::ahead::Later<'a, 'a>,
    /// What earlier files (and statements) made of the schema, in a folder lint; `None`
    /// when one file is linted alone.
    pub model: Option<super::ModelView<'a>>,
}

impl FileState {
    /// True when a validated `CHECK (column IS NOT NULL)` on `table` came earlier in the file.
    #[must_use]
    pub(crate) fn has_validated_not_null(&self, table: &str, column: &str) -> bool {
        self.not_null_checks
            .iter()
            .any(|c| c.validated && c.table == table && c.column == column)
    }
}

impl<'c> StatementContext<'c> {
    /// The dialect.
    #[must_use]
    pub(crate) fn dialect(&self) -> Dialect {
        self.options.dialect
    }

    /// The target server version.
    #[must_use]
    pub(crate) fn version(&self) -> ServerVersion {
        self.options.version()
    }

    /// True when `table` (a key) was created earlier in this file, so locking it risks
    /// nothing.
    #[must_use]
    pub(crate) fn is_new_table(&self, table: &str) -> bool {
        self.file.created_tables.contains(table)
    }

    /// The table written as `name`, when a folder lint's model knows it (never for a file
    /// linted alone, nor in a down phase, which the model does not follow).
    #[must_use]
    pub(crate) fn known_table(&self, name: &ObjectName) -> Option<&'c crate::schema::Table> {
        if self.phase == PhaseKind::Down {
            return None;
        }
        self.model.and_then(|m| m.table(name))
    }

    /// True when the table is new: created earlier in this file, or by an earlier file of
    /// the change being linted (a folder lint that knows the change, see
    /// [`FolderLint`](super::FolderLint)).
    #[must_use]
    pub(crate) fn is_new_or_pending(&self, key: &str, name: Option<&ObjectName>) -> bool {
        self.is_new_table(key)
            || (self.phase != PhaseKind::Down
                && name.is_some_and(|n| self.model.is_some_and(|m| m.is_pending(n))))
    }

    /// True in a contract or down phase, where breaking changes (drops, renames) are the
    /// expected content.
    #[must_use]
    pub(crate) fn breaking_changes_expected(&self) -> bool {
        matches!(self.phase, PhaseKind::Contract | PhaseKind::Down)
    }

    /// True when the statement will run inside a transaction block: an explicit `BEGIN`, or
    /// a runner that wraps the whole file.
    #[must_use]
    pub(crate) fn in_transaction(&self) -> bool {
        self.file.in_explicit_transaction
            || (self.options.transaction_mode == TransactionMode::Always
                && !self.file.no_transaction_file)
    }

    /// The byte offset in [`sql`](Self::sql) of a location inside it.
    #[must_use]
    pub(crate) fn offset_of(&self, at: Location) -> Option<usize> {
        let line = usize::try_from(at.line).ok()?.checked_sub(1)?;
        let column = usize::try_from(at.column).ok()?.checked_sub(1)?;
        let line_start = if line == 0 {
            0
        } else {
            self.sql.match_indices('\n').nth(line - 1)?.0 + 1
        };
        let rest = self.sql.get(line_start..)?;
        let in_line = rest
            .char_indices()
            .nth(column)
            .map_or(rest.len(), |(i, _)| i);
        Some(line_start + in_line)
    }

    /// The statement text with `text` inserted just after token `i` (e.g. `CONCURRENTLY`
    /// after `INDEX`), for suggested rewrites. `None` when the token has no position.
    #[must_use]
    pub(crate) fn insert_after_token(&self, i: usize, text: &str) -> Option<String> {
        let end = self.offset_of(self.tokens.get(i)?.span.end)?;
        Some(format!("{}{text}{}", &self.sql[..end], &self.sql[end..]))
    }
}

/// A message with the names in its `` `name` `` spans as the user wrote them, without
/// their SQL quotes: `` `"seen_at"` `` and ``` ``Users`` ``` (a quoted name inside the
/// span) become `` `seen_at` `` and `` `Users` ``.
fn tidy(message: &str) -> String {
    if !message.contains("`\"") && !message.contains("``") {
        return message.to_string();
    }
    message
        .replace("``", "`")
        .replace("`\"", "`")
        .replace("\"`", "`")
        .replace("\".\"", ".")
}

/// A finding as a rule reports it; the engine adds the file position and applies
/// suppression, disabled rules and table sizes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    /// The severity; usually the rule's default.
    pub severity: Severity,
    /// What was found.
    pub message: String,
    /// Why it is dangerous.
    pub why: String,
    /// The safe rewrite, as SQL.
    pub suggestion: Option<String>,
    /// The part of the statement to point at; `None` for the whole statement.
    pub span: Option<Span>,
    /// The table the finding is about (a key), so live table sizes can adjust it.
    pub table: Option<String>,
}

impl Finding {
    /// A finding at `severity` with a message and the reason; no suggestion, whole
    /// statement.
    #[must_use]
    pub(crate) fn new(
        severity: Severity,
        message: impl Into<String>,
        why: impl Into<String>,
    ) -> Self {
        Finding {
            severity,
            message: tidy(&message.into()),
            why: why.into(),
            suggestion: None,
            span: None,
            table: None,
        }
    }

    /// With a suggested rewrite.
    #[must_use]
    pub(crate) fn suggest(mut self, sql: impl Into<String>) -> Self {
        self.suggestion = Some(sql.into());
        self
    }

    /// With a suggested rewrite, when there is one.
    #[must_use]
    pub(crate) fn suggest_some(mut self, sql: Option<String>) -> Self {
        if sql.is_some() {
            self.suggestion = sql;
        }
        self
    }

    /// Pointing at part of the statement.
    #[must_use]
    pub(crate) fn at(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    /// Pointing at `span` when it is known, else at the whole statement.
    #[must_use]
    pub(crate) fn at_some(mut self, span: Option<Span>) -> Self {
        if span.is_some() {
            self.span = span;
        }
        self
    }

    /// About `table` (a key).
    #[must_use]
    pub(crate) fn on_table(mut self, table: impl Into<String>) -> Self {
        self.table = Some(table.into());
        self
    }
}
