//! Folder lint: the files of one run checked in order, each statement replayed into the
//! schema model (`crate::schema`) after its rules ran, so the rules of later statements
//! know what earlier files made of the schema. Fed with the linter's own parse
//! (`Replay::parsed`): nothing is parsed twice. A `--database-url` seeds the model with the
//! live schema ([`LiveSchema`]). Tables the model does not know fall back to what the
//! rules do for a single file.

use super::{FileReport, Linter};
use crate::migration::{FormatError, PhaseKind};
use crate::schema::replay::Replay;
use crate::schema::{Folding, Lookup, Schema, Table, TableName};
use crate::Dialect;
use sqlparser::ast::{AlterTableOperation, ObjectName, RenameTableNameKind, Statement};

/// The schema of a live database, read for the linter (`bellows::db::lint_schema`);
/// opaque: it seeds [`Linter::folder`].
#[derive(Debug, Clone)]
pub struct LiveSchema {
    pub(crate) schema: Schema,
}

impl LiveSchema {
    /// The number of tables read.
    #[must_use]
    pub fn tables(&self) -> usize {
        self.schema.tables().count()
    }
}

/// A folder lint in progress: give it the run's files in version order, either to lint
/// ([`FolderLint::lint`]) or, for files already shipped,
/// only to learn the schema from ([`FolderLint::shipped`]).
pub struct FolderLint<'l> {
    linter: &'l Linter,
    model: FolderModel,
}

/// What a folder lint knows between files.
pub(crate) struct FolderModel {
    replay: Replay,
    live: Option<Schema>,
    /// The files linted from now on are the change (e.g. `--changed-since`).
    change_known: bool,
    /// Tables created by a linted file of the change that the live database (or the shipped
    /// files) do not have: empty until the change ships.
    pending: Vec<TableName>,
}

/// What a rule may ask the folder's model about a statement's table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ModelView<'a> {
    schema: &'a Schema,
    pending: &'a [TableName],
}

impl Linter {
    /// A folder lint, over the live schema when one is given (`--database-url`), else
    /// starting from nothing.
    #[must_use]
    pub fn folder(&self, live: Option<LiveSchema>) -> FolderLint<'_> {
        let dialect = self.options().dialect;
        let (replay, live) = match live {
            Some(l) => (Replay::over(l.schema.clone()), Some(l.schema)),
            None => (Replay::new(dialect, Folding::of(dialect)), None),
        };
        FolderLint {
            linter: self,
            model: FolderModel {
                replay,
                live,
                change_known: false,
                pending: Vec::new(),
            },
        }
    }
}

impl FolderLint<'_> {
    /// Say that the files linted from now on are the change being reviewed (the files
    /// given to [`FolderLint::shipped`] are not): a table one of them creates is still
    /// empty for the files after it. Without this (or a live schema), only a table created
    /// earlier in the same file counts as new.
    pub fn change_starts(&mut self) {
        self.model.change_known = true;
    }

    /// Learn from a file already shipped (not linted), e.g. one `--changed-since` leaves
    /// out.
    ///
    /// # Errors
    /// A format error, as [`Linter::lint`].
    pub fn shipped(&mut self, path: &str, text: &str) -> Result<(), FormatError> {
        let file = self.linter.prepare(path, text)?;
        for (phase, read) in file.phases.iter().zip(&file.read) {
            for (stmt, r) in phase.statements.iter().zip(read) {
                let at = (path, stmt.start.line);
                self.model
                    .apply(phase.kind, r.ast.as_ref(), &stmt.sql, at, false);
            }
        }
        Ok(())
    }

    /// Lint the next file with what the earlier ones made of the schema.
    ///
    /// # Errors
    /// A format error, as [`Linter::lint`].
    pub fn lint(&mut self, path: &str, text: &str) -> Result<FileReport, FormatError> {
        let file = self.linter.prepare(path, text)?;
        Ok(self.linter.check(file, Some(&mut self.model)))
    }
}

impl FolderModel {
    /// The model as rules see it.
    pub(crate) fn view(&self) -> ModelView<'_> {
        ModelView {
            schema: self.replay.schema(),
            pending: &self.pending,
        }
    }

    /// Replay one statement (never a down phase); `linted`: it belongs to a linted file.
    pub(crate) fn apply(
        &mut self,
        phase: PhaseKind,
        ast: Option<&Statement>,
        sql: &str,
        at: (&str, usize),
        linted: bool,
    ) {
        if phase == PhaseKind::Down {
            return;
        }
        if let Some(Statement::CreateTable(ct)) = ast {
            if let Some(name) = self.view().name(&ct.name) {
                let new = match &self.live {
                    Some(live) => matches!(live.table(&name), Lookup::Absent),
                    None => self.change_known,
                };
                if linted && new && !ct.if_not_exists {
                    self.pending.push(name);
                }
            }
        }
        self.follow_renames(ast);
        self.replay.parsed(ast, sql, &format!("{}:{}", at.0, at.1));
    }

    /// A pending table renamed stays pending under its new name.
    fn follow_renames(&mut self, ast: Option<&Statement>) {
        let pairs: Vec<(&ObjectName, &ObjectName)> = match ast {
            Some(Statement::AlterTable(at)) => at
                .operations
                .iter()
                .filter_map(|op| match op {
                    AlterTableOperation::RenameTable {
                        table_name: RenameTableNameKind::As(new) | RenameTableNameKind::To(new),
                    } => Some((&at.name, new)),
                    _ => None,
                })
                .collect(),
            Some(Statement::RenameTable(pairs)) => {
                pairs.iter().map(|r| (&r.old_name, &r.new_name)).collect()
            }
            _ => return,
        };
        for (old, new) in pairs {
            if self.view().is_pending(old) {
                if let Some(new) = self.view().name(new) {
                    self.pending.push(new);
                }
            }
        }
    }
}

impl<'a> ModelView<'a> {
    /// A table name written in SQL, as the model stores it.
    pub(crate) fn name(&self, name: &ObjectName) -> Option<TableName> {
        let default = (self.schema.dialect == Dialect::Postgres).then_some("public");
        TableName::from_sql(name, self.schema.folding, default)
    }

    /// The table written as `name`, when the model knows it.
    pub(crate) fn table(&self, name: &ObjectName) -> Option<&'a Table> {
        self.schema.table(&self.name(name)?).known()
    }

    /// True when an earlier linted file of the change created the table (so it is empty
    /// until the change ships) and it is still what that file made.
    pub(crate) fn is_pending(&self, name: &ObjectName) -> bool {
        let Some(name) = self.name(name) else {
            return false;
        };
        let folding = self.schema.folding;
        let same = |a: &TableName| {
            a.schema.as_deref().map(|s| folding.table_key(s))
                == name.schema.as_deref().map(|s| folding.table_key(s))
                && folding.table_key(&a.name) == folding.table_key(&name.name)
        };
        self.pending.iter().any(same) && self.schema.table(&name).known().is_some()
    }
}
