//! CREATE/DROP INDEX, ALTER INDEX ... RENAME, DROP TABLE and VIEW, RENAME TABLE, CREATE VIEW
//! (the columns it uses) and triggers.

use super::create::Unread;
use super::Replay;
use crate::schema::{Index, TableName, Trigger, View};
use sqlparser::ast::{
    AlterIndexOperation, CreateIndex, CreateView, DropTrigger, ObjectName, ObjectType, RenameTable,
    Statement,
};

impl Replay {
    /// The last part of an object's name, as stored.
    fn object(&self, name: &ObjectName) -> Option<String> {
        name.0
            .last()?
            .as_ident()
            .map(|i| self.schema.folding.stored_column(i))
    }

    pub(super) fn create_index(&mut self, ci: &CreateIndex, at: &str) -> Result<(), Unread> {
        let table_name = self.name(&ci.table_name).ok_or(())?;
        let explicit = match &ci.name {
            Some(n) => Some(self.object(n).ok_or(())?),
            None => None,
        };
        let Some(mut table) = self.schema.take(&table_name) else {
            self.schema.mark_unknown(
                &table_name,
                format!("{at}: indexed, but its earlier shape is unknown"),
            );
            return Ok(());
        };
        let columns = self.key_parts(&ci.columns);
        let name = explicit.or_else(|| self.unnamed_index(&table, &columns, "idx"));
        if ci.if_not_exists && name.as_deref().is_some_and(|n| table.has_object(n)) {
            self.schema.insert(table);
            return Ok(());
        }
        table.indexes.push(Index {
            name,
            columns,
            unique: ci.unique,
            constraint: false,
            predicate: ci.predicate.as_ref().map(ToString::to_string),
            valid: true,
        });
        self.schema.insert(table);
        Ok(())
    }

    pub(super) fn drop(&mut self, statement: &Statement, at: &str) -> Result<(), Unread> {
        let Statement::Drop {
            object_type,
            if_exists,
            names,
            table,
            ..
        } = statement
        else {
            return Err(());
        };
        for n in names {
            match object_type {
                ObjectType::Table => {
                    let name = self.name(n).ok_or(())?;
                    self.schema.remove(&name);
                    for t in self.schema.tables_mut() {
                        t.foreign_keys.retain(|k| k.references != name);
                    }
                    self.schema
                        .views
                        .retain(|v| !v.uses.iter().any(|(t, _)| *t == name));
                }
                ObjectType::View | ObjectType::MaterializedView => {
                    let name = self.name(n).ok_or(())?;
                    self.schema.views.retain(|v| v.name != name);
                }
                ObjectType::Index => {
                    let on = table.as_ref().and_then(|t| self.name(t));
                    self.drop_index(&self.object(n).ok_or(())?, on, *if_exists, at);
                }
                _ => return Err(()),
            }
        }
        Ok(())
    }

    /// Drop an index by name (on `on` when the statement says, MySQL). When no known table
    /// has it, the tables with indexes whose name replay could not know become unknown.
    pub(super) fn drop_index(
        &mut self,
        index: &str,
        on: Option<TableName>,
        if_exists: bool,
        at: &str,
    ) {
        let f = self.schema.folding;
        let owner = self
            .schema
            .tables()
            .filter(|t| on.as_ref().is_none_or(|o| *o == t.name))
            .find(|t| {
                t.indexes
                    .iter()
                    .any(|i| i.name.as_deref().is_some_and(|n| f.same_column(n, index)))
            })
            .map(|t| t.name.clone());
        if let Some(owner) = owner {
            if let Some(t) = self.schema.table_mut(&owner) {
                t.indexes
                    .retain(|i| !i.name.as_deref().is_some_and(|n| f.same_column(n, index)));
            }
            return;
        }
        if if_exists {
            return;
        }
        let suspects: Vec<TableName> = self
            .schema
            .tables()
            .filter(|t| on.as_ref().is_none_or(|o| *o == t.name))
            .filter(|t| t.indexes.iter().any(|i| i.name.is_none()))
            .map(|t| t.name.clone())
            .collect();
        for s in suspects {
            self.schema.mark_unknown(
                &s,
                format!(
                    "{at}: drops index {index}, which may be one whose name replay does not know"
                ),
            );
        }
    }

    pub(super) fn alter_index(
        &mut self,
        name: &ObjectName,
        op: &AlterIndexOperation,
        at: &str,
    ) -> Result<(), Unread> {
        let AlterIndexOperation::RenameIndex { index_name } = op;
        let (old, new) = (
            self.object(name).ok_or(())?,
            self.object(index_name).ok_or(())?,
        );
        let f = self.schema.folding;
        let owner = self
            .schema
            .tables()
            .find(|t| {
                t.indexes
                    .iter()
                    .any(|i| i.name.as_deref().is_some_and(|n| f.same_column(n, &old)))
            })
            .map(|t| t.name.clone());
        match owner.and_then(|o| self.schema.table_mut(&o)) {
            Some(t) => {
                for i in t
                    .indexes
                    .iter_mut()
                    .filter(|i| i.name.as_deref().is_some_and(|n| f.same_column(n, &old)))
                {
                    i.name = Some(new.clone());
                }
            }
            None => self.drop_index(&old, None, false, at),
        }
        Ok(())
    }

    pub(super) fn rename_tables(
        &mut self,
        renames: &[RenameTable],
        _at: &str,
    ) -> Result<(), Unread> {
        for r in renames {
            let (old, new) = (
                self.name(&r.old_name).ok_or(())?,
                self.name(&r.new_name).ok_or(())?,
            );
            self.table_renamed(&old, new);
        }
        Ok(())
    }

    /// A table renamed: foreign keys that reference it and views that use it follow.
    pub(super) fn table_renamed(&mut self, old: &TableName, new: TableName) {
        if let Some(why) = match self.schema.table(old) {
            crate::schema::Lookup::Unknown(why) => Some(why.to_string()),
            _ => None,
        } {
            self.schema.remove(old);
            self.schema.mark_unknown(&new, why);
            return;
        }
        let Some(mut table) = self.schema.remove(old) else {
            return;
        };
        table.name = new.clone();
        self.schema.insert(table);
        for t in self.schema.tables_mut() {
            t.foreign_keys
                .iter_mut()
                .filter(|k| k.references == *old)
                .for_each(|k| k.references = new.clone());
        }
        // PostgreSQL views follow the table; MySQL views keep the old name (and break).
        if self.schema.dialect == crate::Dialect::Postgres {
            for v in &mut self.schema.views {
                v.uses
                    .iter_mut()
                    .filter(|(t, _)| t == old)
                    .for_each(|(t, _)| *t = new.clone());
            }
        }
    }

    pub(super) fn create_view(&mut self, v: &CreateView) -> Result<(), Unread> {
        let name = self.name(&v.name).ok_or(())?;
        let uses = view_uses(&v.query.to_string(), self);
        self.schema.views.retain(|x| x.name != name);
        self.schema.views.push(View { name, uses });
        Ok(())
    }

    pub(super) fn create_trigger(
        &mut self,
        name: &ObjectName,
        table: &ObjectName,
    ) -> Result<(), Unread> {
        let (name, table) = (self.object(name).ok_or(())?, self.name(table).ok_or(())?);
        self.create_trigger_named(name, &table)
    }

    pub(super) fn create_trigger_named(
        &mut self,
        name: String,
        table: &TableName,
    ) -> Result<(), Unread> {
        if let Some(t) = self.schema.table_mut(table) {
            t.triggers.retain(|x| x.name != name);
            t.triggers.push(Trigger { name });
        }
        Ok(())
    }

    pub(super) fn drop_trigger(&mut self, d: &DropTrigger) -> Result<(), Unread> {
        let name = self.object(&d.trigger_name).ok_or(())?;
        let on = d.table_name.as_ref().and_then(|t| self.name(t));
        for t in self.schema.tables_mut() {
            if on.as_ref().is_none_or(|o| *o == t.name) {
                t.triggers.retain(|x| x.name != name);
            }
        }
        Ok(())
    }
}

/// The table columns a view's query uses: for every table of the model the query names,
/// the columns it mentions (all of them for a `*`). Over-approximate when two tables share
/// a column name: a column a view uses is never missed.
pub(crate) fn view_uses(query: &str, replay: &Replay) -> Vec<(TableName, String)> {
    let star = query.contains('*');
    let mut out = Vec::new();
    for t in super::tokens::named_tables(query, replay) {
        let Some(table) = replay.schema.table(&t).known() else {
            continue;
        };
        let columns = if star {
            table.columns.iter().map(|c| c.name.clone()).collect()
        } else {
            super::tokens::columns_in(query, table, replay)
        };
        out.extend(columns.into_iter().map(|c| (t.clone(), c)));
    }
    out
}
