//! The schema model (DESIGN §11): what bellows knows of the user's tables — columns (type as
//! written and normalised, nullability, default, identity, generated, collation), primary
//! key, unique and other indexes (partial, valid or INVALID), CHECKs with their validated
//! state, foreign keys both ways, triggers and the views that use a column. One type, two
//! sources: the live catalog (`db::schema_live`) and the offline replay of a migrations
//! folder ([`replay`]). A table the replay could not follow is *unknown*: [`Schema::table`]
//! says so, and callers fall back to what they did without the model. Pure: no database.

pub(crate) mod dump;
mod name;
mod normalize;
pub(crate) mod replay;
mod table;

pub(crate) use name::{Folding, TableName};
pub(crate) use normalize::normalize_type;
pub(crate) use table::{Check, Column, ForeignKey, Index, Key, Table, Trigger};

use crate::Dialect;
use std::collections::HashMap;

/// A view and the table columns it uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct View {
    /// Its name.
    pub name: TableName,
    /// The columns it uses, per table (every column for a `SELECT *` replay saw).
    pub uses: Vec<(TableName, String)>,
}

/// What the model says of a table name.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Lookup<'a> {
    /// The table, fully known.
    Known(&'a Table),
    /// The table exists (or may), but a statement the replay could not read touched it:
    /// nothing about it may be inferred. The reason names the statement.
    Unknown(&'a str),
    /// No such table.
    Absent,
}

impl<'a> Lookup<'a> {
    /// The table when it is known.
    pub(crate) fn known(self) -> Option<&'a Table> {
        match self {
            Lookup::Known(t) => Some(t),
            _ => None,
        }
    }
}

/// The model of a schema.
#[derive(Debug, Clone)]
pub(crate) struct Schema {
    /// The dialect its names and types are written in.
    pub dialect: Dialect,
    /// How its names compare.
    pub folding: Folding,
    tables: Vec<Table>,
    /// By [`Folding::table_key`] of schema and name: the index in `tables`.
    by_key: HashMap<(Option<String>, String), usize>,
    /// Unknown tables, by key: why.
    unknown: HashMap<(Option<String>, String), String>,
    /// Why tables missing from the model may still exist (a statement replay could not
    /// attribute to a table); `None` when the model is complete.
    incomplete: Option<String>,
    /// Views.
    pub views: Vec<View>,
}

impl Schema {
    /// An empty, complete model.
    pub(crate) fn new(dialect: Dialect, folding: Folding) -> Schema {
        Schema {
            dialect,
            folding,
            tables: Vec::new(),
            by_key: HashMap::new(),
            unknown: HashMap::new(),
            incomplete: None,
            views: Vec::new(),
        }
    }

    fn key(&self, name: &TableName) -> (Option<String>, String) {
        (
            name.schema.as_deref().map(|s| self.folding.table_key(s)),
            self.folding.table_key(&name.name),
        )
    }

    /// What the model says of the table stored as `name` (see [`TableName::from_sql`] and
    /// [`TableName::parse`] to get one from SQL).
    pub(crate) fn table(&self, name: &TableName) -> Lookup<'_> {
        let key = self.key(name);
        if let Some(why) = self.unknown.get(&key) {
            return Lookup::Unknown(why);
        }
        match (self.by_key.get(&key), &self.incomplete) {
            (Some(&i), _) => Lookup::Known(&self.tables[i]),
            (None, Some(why)) => Lookup::Unknown(why),
            (None, None) => Lookup::Absent,
        }
    }

    /// The table a user named outside SQL (a `table=` directive, a CLI argument): the exact
    /// stored name first, then the name as if written unquoted in SQL.
    pub(crate) fn table_written(&self, written: &str) -> Lookup<'_> {
        let exact = match written.split_once('.') {
            Some((s, t)) if !written.contains(['"', '`']) => TableName {
                schema: Some(s.to_string()),
                name: t.to_string(),
            },
            _ => TableName::new(written),
        };
        match self.table(&exact) {
            Lookup::Absent => TableName::parse(written, self.dialect, self.folding)
                .map_or(Lookup::Absent, |n| self.table(&n)),
            found => found,
        }
    }

    /// Whether the model holds `name`, known or unknown.
    pub(crate) fn holds(&self, name: &TableName) -> bool {
        let key = self.key(name);
        self.by_key.contains_key(&key) || self.unknown.contains_key(&key)
    }

    /// Every known table, in the order they were added.
    pub(crate) fn tables(&self) -> impl Iterator<Item = &Table> {
        self.tables.iter()
    }

    /// Every table, to change what is inside them (their names must stay: they are keys).
    pub(crate) fn tables_mut(&mut self) -> impl Iterator<Item = &mut Table> {
        self.tables.iter_mut()
    }

    /// The unknown tables' names (schema folded as keys), with why.
    pub(crate) fn unknown(&self) -> impl Iterator<Item = (&(Option<String>, String), &str)> {
        self.unknown.iter().map(|(k, v)| (k, v.as_str()))
    }

    /// Why tables missing from the model may exist, when it is incomplete.
    pub(crate) fn incomplete(&self) -> Option<&str> {
        self.incomplete.as_deref()
    }

    /// The foreign keys of other tables (and this one) that reference `table`.
    pub(crate) fn referencing(&self, table: &TableName) -> Vec<(&Table, &ForeignKey)> {
        let key = self.key(table);
        self.tables
            .iter()
            .flat_map(|t| t.foreign_keys.iter().map(move |fk| (t, fk)))
            .filter(|(_, fk)| self.key(&fk.references) == key)
            .collect()
    }

    /// Add (or replace) a known table.
    pub(crate) fn insert(&mut self, table: Table) {
        let key = self.key(&table.name);
        self.unknown.remove(&key);
        match self.by_key.get(&key) {
            Some(&i) => self.tables[i] = table,
            None => {
                self.by_key.insert(key, self.tables.len());
                self.tables.push(table);
            }
        }
    }

    /// Remove a table (known or unknown); the removed table when it was known.
    pub(crate) fn remove(&mut self, name: &TableName) -> Option<Table> {
        let key = self.key(name);
        self.unknown.remove(&key);
        let i = self.by_key.remove(&key)?;
        let table = self.tables.remove(i);
        for v in self.by_key.values_mut() {
            if *v > i {
                *v -= 1;
            }
        }
        Some(table)
    }

    /// The known table stored as `name`, to change it.
    pub(crate) fn table_mut(&mut self, name: &TableName) -> Option<&mut Table> {
        let key = self.key(name);
        if self.unknown.contains_key(&key) {
            return None;
        }
        let i = *self.by_key.get(&key)?;
        Some(&mut self.tables[i])
    }

    /// Take a known table out to change it (a placeholder stays until [`Schema::insert`]
    /// puts it back), without copying it.
    pub(crate) fn take(&mut self, name: &TableName) -> Option<Table> {
        let folding = self.folding;
        self.table_mut(name)
            .map(|t| std::mem::replace(t, Table::new(name.clone(), folding)))
    }

    /// Mark a table unknown (forgetting what was known of it), saying why.
    pub(crate) fn mark_unknown(&mut self, name: &TableName, why: String) {
        self.remove(name);
        let key = self.key(name);
        self.unknown.insert(key, why);
    }

    /// Mark the model incomplete: tables it does not hold may exist.
    pub(crate) fn mark_incomplete(&mut self, why: String) {
        self.incomplete.get_or_insert(why);
    }
}
