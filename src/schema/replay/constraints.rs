//! ALTER TABLE on constraints and indexes: added, dropped, validated, renamed by name.

use super::create::Unread;
use super::Replay;
use crate::schema::Table;
use sqlparser::ast::AlterTableOperation as Op;

impl Replay {
    /// The ALTER TABLE operations on constraints and indexes, and those that change nothing
    /// the model holds.
    pub(super) fn constraint_op(&self, table: &mut Table, op: &Op) -> Result<(), Unread> {
        let f = self.schema.folding;
        match op {
            Op::AddConstraint {
                constraint,
                not_valid,
            } => self.add_constraint(table, constraint, !not_valid)?,
            Op::DropConstraint {
                name, if_exists, ..
            } => drop_named(table, &f.stored_column(name), *if_exists)?,
            Op::DropForeignKey { name, .. } => {
                let name = f.stored_column(name);
                let before = table.foreign_keys.len();
                table
                    .foreign_keys
                    .retain(|k| !k.name.as_deref().is_some_and(|n| f.same_column(n, &name)));
                if before == table.foreign_keys.len() {
                    return Err(());
                }
            }
            Op::DropIndex { name } => drop_named(table, &f.stored_column(name), false)?,
            Op::DropPrimaryKey { .. } => table.primary_key = None,
            Op::ValidateConstraint { name } => {
                let name = f.stored_column(name);
                let is = |n: &Option<String>| n.as_deref().is_some_and(|n| f.same_column(n, &name));
                let check = table
                    .checks
                    .iter_mut()
                    .find(|c| is(&c.name))
                    .map(|c| &mut c.validated);
                let fk = table
                    .foreign_keys
                    .iter_mut()
                    .find(|k| is(&k.name))
                    .map(|k| &mut k.validated);
                *check.or(fk).ok_or(())? = true;
            }
            Op::RenameConstraint { old_name, new_name } => {
                let (old, new) = (f.stored_column(old_name), f.stored_column(new_name));
                rename_object(table, &old, &new)?;
            }
            Op::Algorithm { .. }
            | Op::Lock { .. }
            | Op::AutoIncrement { .. }
            | Op::SetOptionsParens { .. }
            | Op::OwnerTo { .. }
            | Op::EnableTrigger { .. }
            | Op::DisableTrigger { .. }
            | Op::EnableAlwaysTrigger { .. }
            | Op::EnableReplicaTrigger { .. }
            | Op::ReplicaIdentity { .. }
            | Op::EnableRowLevelSecurity
            | Op::DisableRowLevelSecurity
            | Op::ForceRowLevelSecurity
            | Op::NoForceRowLevelSecurity => {}
            _ => return Err(()),
        }
        Ok(())
    }
}

/// Drop the constraint or index named `name` (a unique constraint's index with it).
fn drop_named(table: &mut Table, name: &str, if_exists: bool) -> Result<(), Unread> {
    let f = table.folding;
    let is = |n: &Option<String>| n.as_deref().is_some_and(|n| f.same_column(n, name));
    if !table.has_object(name) {
        // An unnamed object may carry the name; only a complete table may ignore it.
        let unnamed = table.indexes.iter().any(|i| i.name.is_none())
            || table.checks.iter().any(|c| c.name.is_none())
            || table.foreign_keys.iter().any(|k| k.name.is_none());
        return if if_exists && !unnamed {
            Ok(())
        } else {
            Err(())
        };
    }
    if table.primary_key.as_ref().is_some_and(|k| is(&k.name)) {
        table.primary_key = None;
    }
    table.indexes.retain(|i| !is(&i.name));
    table.checks.retain(|c| !is(&c.name));
    table.foreign_keys.retain(|k| !is(&k.name));
    Ok(())
}

/// Rename a constraint (a unique or primary key constraint's index with it).
fn rename_object(table: &mut Table, old: &str, new: &str) -> Result<(), Unread> {
    if !table.has_object(old) {
        return Err(());
    }
    let f = table.folding;
    let swap = |n: &mut Option<String>| {
        if n.as_deref().is_some_and(|x| f.same_column(x, old)) {
            *n = Some(new.to_string());
        }
    };
    table.primary_key.iter_mut().for_each(|k| swap(&mut k.name));
    table.indexes.iter_mut().for_each(|i| swap(&mut i.name));
    table.checks.iter_mut().for_each(|c| swap(&mut c.name));
    table
        .foreign_keys
        .iter_mut()
        .for_each(|k| swap(&mut k.name));
    Ok(())
}
