//! ALTER TABLE: columns added, dropped, renamed and redefined; constraints added (NOT
//! VALID too), validated, renamed and dropped; the table renamed. Renames carry every key,
//! index, CHECK, foreign key (incoming too) and view along.

use super::create::Unread;
use super::Replay;
use crate::schema::{Table, TableName};
use crate::Dialect;
use sqlparser::ast::{
    AlterColumnOperation, AlterTable, AlterTableOperation as Op, ColumnDef, Ident,
    RenameTableNameKind,
};

impl Replay {
    pub(super) fn alter_table(&mut self, a: &AlterTable, at: &str) -> Result<(), Unread> {
        let name = self.name(&a.name).ok_or(())?;
        if self.schema.table(&name).known().is_none() {
            if !a.if_exists || self.schema.holds(&name) {
                self.schema.mark_unknown(
                    &name,
                    format!("{at}: altered, but its earlier shape is unknown"),
                );
            }
            return Ok(());
        }
        let mut table = self.schema.take(&name).ok_or(())?;
        let mut renamed_to = None;
        let mut renames = Vec::new();
        let mut done = Ok(());
        for op in &a.operations {
            done = match op {
                Op::RenameTable {
                    table_name: RenameTableNameKind::To(n) | RenameTableNameKind::As(n),
                } => self.name(n).map(|n| renamed_to = Some(n)).ok_or(()),
                _ => self.alter_op(&mut table, op, &mut renames),
            };
            if done.is_err() {
                break;
            }
        }
        self.schema.insert(table);
        if done.is_err() {
            self.schema.mark_unknown(
                &name,
                format!("{at}: an ALTER TABLE the replay does not follow"),
            );
            return Ok(());
        }
        for (old, new) in renames {
            self.column_renamed(&name, &old, &new);
        }
        if let Some(to) = renamed_to {
            self.table_renamed(&name, to);
        }
        Ok(())
    }

    fn alter_op(
        &self,
        table: &mut Table,
        op: &Op,
        renames: &mut Vec<(String, String)>,
    ) -> Result<(), Unread> {
        let f = self.schema.folding;
        match op {
            Op::AddColumn {
                if_not_exists,
                column_def,
                ..
            } => {
                if !(*if_not_exists && table.column(&f.stored_column(&column_def.name)).is_some()) {
                    self.add_column(table, column_def)?;
                }
            }
            Op::DropColumn {
                column_names,
                if_exists,
                ..
            } => {
                for c in column_names {
                    let name = f.stored_column(c);
                    if table.column(&name).is_none() && *if_exists {
                        continue;
                    }
                    self.drop_column(table, &name)?;
                }
            }
            Op::RenameColumn {
                old_column_name,
                new_column_name,
            } => {
                let (old, new) = (
                    f.stored_column(old_column_name),
                    f.stored_column(new_column_name),
                );
                self.rename_column(table, &old, &new)?;
                renames.push((old, new));
            }
            Op::AlterColumn { column_name, op } => self.alter_column(table, column_name, op)?,
            Op::ChangeColumn {
                old_name,
                new_name,
                data_type,
                options,
                ..
            } => {
                let (old, new) = (f.stored_column(old_name), f.stored_column(new_name));
                if old != new {
                    self.rename_column(table, &old, &new)?;
                    renames.push((old, new.clone()));
                }
                self.redefine(table, &def(new_name, data_type, options))?;
            }
            Op::ModifyColumn {
                col_name,
                data_type,
                options,
                ..
            } => {
                self.redefine(table, &def(col_name, data_type, options))?;
            }
            other => self.constraint_op(table, other)?,
        }
        Ok(())
    }

    fn alter_column(
        &self,
        table: &mut Table,
        column: &Ident,
        op: &AlterColumnOperation,
    ) -> Result<(), Unread> {
        let dialect = self.schema.dialect;
        let col = table
            .column_mut(&self.schema.folding.stored_column(column))
            .ok_or(())?;
        match op {
            AlterColumnOperation::SetNotNull => col.nullable = false,
            AlterColumnOperation::DropNotNull => col.nullable = true,
            AlterColumnOperation::SetDefault { value } => col.default = Some(value.to_string()),
            AlterColumnOperation::DropDefault => col.default = None,
            AlterColumnOperation::SetDataType { data_type, .. } => {
                col.type_written = data_type.to_string();
                col.type_normalized = crate::schema::normalize_type(&col.type_written, dialect);
            }
            AlterColumnOperation::AddGenerated { generated_as, .. } => {
                let by_default =
                    matches!(generated_as, Some(sqlparser::ast::GeneratedAs::ByDefault));
                col.identity = Some(if by_default { "by default" } else { "always" }.into());
            }
        }
        Ok(())
    }

    /// MySQL MODIFY/CHANGE: the column's whole definition replaced (indexes kept).
    fn redefine(&self, table: &mut Table, def: &ColumnDef) -> Result<(), Unread> {
        let mut column = self.column(def)?;
        let in_key = table.primary_key.as_ref().is_some_and(|k| {
            k.columns
                .iter()
                .any(|c| self.schema.folding.same_column(c, &column.name))
        });
        column.nullable &= !in_key;
        let slot = table.column_mut(&column.name).ok_or(())?;
        *slot = column.clone();
        self.column_constraints(table, &column.name, def)
    }

    /// PostgreSQL drops the indexes and constraints that use the column; MySQL takes it out
    /// of its indexes, and refuses (so replay cannot follow) when a CHECK or foreign key
    /// uses it.
    fn drop_column(&self, table: &mut Table, name: &str) -> Result<(), Unread> {
        let f = self.schema.folding;
        let uses = |cols: &[String]| cols.iter().any(|c| f.same_column(c, name));
        let in_expr = |text: &str| super::tokens::mentions(text, name, self);
        table.column(name).ok_or(())?;
        table.columns.retain(|c| !f.same_column(&c.name, name));
        if self.schema.dialect == Dialect::Postgres {
            if table.primary_key.as_ref().is_some_and(|k| uses(&k.columns)) {
                table.primary_key = None;
            }
            table.indexes.retain(|i| {
                !uses(&i.columns)
                    && !i.columns.iter().any(|c| in_expr(c))
                    && !i.predicate.as_deref().is_some_and(in_expr)
            });
            table.checks.retain(|c| !uses(&c.columns));
            table.foreign_keys.retain(|k| !uses(&k.columns));
            return Ok(());
        }
        if table.checks.iter().any(|c| uses(&c.columns))
            || table.foreign_keys.iter().any(|k| uses(&k.columns))
        {
            return Err(());
        }
        if let Some(k) = &mut table.primary_key {
            k.columns.retain(|c| !f.same_column(c, name));
        }
        table.primary_key = table.primary_key.take().filter(|k| !k.columns.is_empty());
        for i in &mut table.indexes {
            i.columns.retain(|c| !f.same_column(c, name));
        }
        table.indexes.retain(|i| !i.columns.is_empty());
        Ok(())
    }

    /// A column renamed within its table: keys, indexes, CHECKs, generated columns and
    /// foreign keys follow.
    fn rename_column(&self, table: &mut Table, old: &str, new: &str) -> Result<(), Unread> {
        let f = self.schema.folding;
        let swap = |c: &mut String| {
            if f.same_column(c, old) {
                *c = new.to_string();
            } else if c.starts_with('(') {
                *c = super::tokens::rename_in(c, old, new, self);
            }
        };
        table.column_mut(old).ok_or(())?.name = new.to_string();
        for c in &mut table.columns {
            if let Some(g) = &mut c.generated {
                *g = super::tokens::rename_in(g, old, new, self);
            }
        }
        table
            .primary_key
            .iter_mut()
            .flat_map(|k| k.columns.iter_mut())
            .for_each(swap);
        for i in &mut table.indexes {
            i.columns.iter_mut().for_each(swap);
            if let Some(p) = &mut i.predicate {
                *p = super::tokens::rename_in(p, old, new, self);
            }
        }
        for c in &mut table.checks {
            c.columns.iter_mut().for_each(swap);
            c.expr = super::tokens::rename_in(&c.expr, old, new, self);
        }
        table
            .foreign_keys
            .iter_mut()
            .flat_map(|k| k.columns.iter_mut())
            .for_each(swap);
        Ok(())
    }

    /// After a column of `table` was renamed: foreign keys that reference it and views that
    /// use it follow.
    fn column_renamed(&mut self, table: &TableName, old: &str, new: &str) {
        let f = self.schema.folding;
        let refs: Vec<TableName> = self
            .schema
            .referencing(table)
            .iter()
            .map(|(t, _)| t.name.clone())
            .collect();
        for r in refs {
            let Some(t) = self.schema.table_mut(&r) else {
                continue;
            };
            for k in t.foreign_keys.iter_mut().filter(|k| {
                k.references.schema == table.schema
                    && f.table_key(&k.references.name) == f.table_key(&table.name)
            }) {
                k.referenced_columns
                    .iter_mut()
                    .filter(|c| f.same_column(c, old))
                    .for_each(|c| *c = new.to_string());
            }
        }
        for v in &mut self.schema.views {
            for (t, c) in &mut v.uses {
                if t == table && f.same_column(c, old) {
                    *c = new.to_string();
                }
            }
        }
    }
}

/// A column definition from MODIFY/CHANGE's parts.
fn def(
    name: &Ident,
    data_type: &sqlparser::ast::DataType,
    options: &[sqlparser::ast::ColumnOption],
) -> ColumnDef {
    ColumnDef {
        name: name.clone(),
        data_type: data_type.clone(),
        options: option_defs(options),
    }
}

fn option_defs(options: &[sqlparser::ast::ColumnOption]) -> Vec<sqlparser::ast::ColumnOptionDef> {
    options
        .iter()
        .map(|o| sqlparser::ast::ColumnOptionDef {
            name: None,
            option: o.clone(),
        })
        .collect()
}
