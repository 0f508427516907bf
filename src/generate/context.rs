//! What a recipe knows of the schema it is written for ([`Model`]: the live catalog or the
//! migrations folder replayed), handed to each op through a [`Context`] before it writes:
//! the tables it names, the names already taken, and the notes it leaves about what it could
//! not keep (said at the top of the file and returned to the caller).

use crate::schema::{replay, Column, Folding, Lookup, Schema, Table};
use crate::{Dialect, Error, Migration, Result};
use std::collections::BTreeSet;

/// The schema a recipe is written against: read from the database's catalog
/// (`bellows::db::recipe_model`) or replayed from the migrations folder ([`Model::replay`]).
#[derive(Debug, Clone)]
pub struct Model {
    pub(crate) schema: Schema,
    /// Where it comes from, for messages: `the database` / `the migrations folder`.
    pub(crate) source: &'static str,
}

impl Model {
    /// The model of a migrations folder, replayed in version and phase order.
    #[must_use]
    pub fn replay(migrations: &[Migration], dialect: Dialect) -> Model {
        Model {
            schema: replay::replay(migrations, dialect, Folding::of(dialect)),
            source: "the migrations folder",
        }
    }

    /// A model read from the live catalog.
    pub(crate) fn live(schema: Schema) -> Model {
        Model {
            schema,
            source: "the database",
        }
    }

    /// The dialect its names and types are written in (the live server's).
    #[must_use]
    pub fn dialect(&self) -> Dialect {
        self.schema.dialect
    }
}

/// A rendered recipe: the file's text and the notes about what it could not keep (each is
/// also a comment at the top of the file).
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The migration file.
    pub text: String,
    /// What the recipe could not keep or check, one sentence each.
    pub warnings: Vec<String>,
}

/// What an op is told before it writes: the model (if any), the names it handed out, and
/// its notes.
#[derive(Debug)]
pub(crate) struct Context<'a> {
    /// The dialect the file is written for.
    pub(crate) dialect: Dialect,
    model: Option<&'a Model>,
    /// Names handed out by this recipe (folded as the dialect compares them).
    handed: BTreeSet<String>,
    /// What the recipe could not keep.
    pub(crate) notes: Vec<String>,
}

impl<'a> Context<'a> {
    /// A context over `model` (none: the arguments alone, as before the model existed).
    pub(crate) fn new(dialect: Dialect, model: Option<&'a Model>) -> Context<'a> {
        Context {
            dialect,
            model,
            handed: BTreeSet::new(),
            notes: Vec::new(),
        }
    }

    /// Where the model comes from (for messages).
    pub(crate) fn source(&self) -> &'static str {
        self.model.map_or("the arguments", |m| m.source)
    }

    /// The model, when there is one.
    pub(crate) fn schema(&self) -> Option<&'a Schema> {
        self.model.map(|m| &m.schema)
    }

    /// The table a user named on the command line: `Ok(None)` without a model; an error
    /// saying why (unknown, absent) and what to pass instead (`instead`), else.
    pub(crate) fn table(&self, written: &str, instead: &str) -> Result<Option<&'a Table>> {
        let Some(model) = self.model else {
            return Ok(None);
        };
        match model.schema.table_written(written) {
            Lookup::Known(t) => Ok(Some(t)),
            Lookup::Unknown(why) => Err(Error::Config(format!(
                "the table {written} is not known from {}: {why}; {instead}",
                model.source
            ))),
            Lookup::Absent => Err(Error::Config(format!(
                "there is no table {written} in {}; {instead}",
                model.source
            ))),
        }
    }

    /// Like [`Context::table`], but an unknown or absent table is a note (the arguments
    /// stand alone) instead of an error.
    pub(crate) fn table_or_note(&mut self, written: &str, what: &str) -> Option<&'a Table> {
        match self.table(written, "") {
            Ok(t) => t,
            Err(e) => {
                let why = e.to_string();
                let why = why.trim_end_matches("; ");
                self.note(format!("{why}: {what}"));
                None
            }
        }
    }

    /// The column a user named of `table`, or the error that it has none.
    pub(crate) fn column<'t>(&self, table: &'t Table, written: &str) -> Result<&'t Column> {
        table.column_written(written).ok_or_else(|| {
            Error::Config(format!(
                "{} has no column {written} (in {})",
                table.name,
                self.source()
            ))
        })
    }

    /// Say, in the file and to the caller, what the recipe could not keep.
    pub(crate) fn note(&mut self, text: impl Into<String>) {
        self.notes.push(text.into());
    }

    /// `base`, or `base` with a number, whichever no object of the model (index,
    /// constraint, trigger, table) and no name handed out before has; at most 63 bytes.
    pub(crate) fn free_name(&mut self, base: &str) -> String {
        let key = |n: &str| match self.dialect {
            Dialect::Postgres => n.to_string(),
            _ => n.to_lowercase(),
        };
        let taken: BTreeSet<String> = self
            .schema()
            .map(|s| names(s).map(|n| key(&n)).collect())
            .unwrap_or_default();
        let mut n = 0usize;
        loop {
            let candidate = if n == 0 {
                base.to_string()
            } else {
                let suffix = n.to_string();
                let mut b = base.to_string();
                while b.len() + suffix.len() > 63 {
                    b.pop();
                }
                format!("{b}{suffix}")
            };
            let k = key(&candidate);
            if !taken.contains(&k) && !self.handed.contains(&k) {
                self.handed.insert(k);
                return candidate;
            }
            n += 1;
        }
    }
}

/// Every object name of the model: tables, views, keys, indexes, CHECKs, foreign keys,
/// triggers.
fn names(schema: &Schema) -> impl Iterator<Item = String> + '_ {
    schema
        .tables()
        .flat_map(|t| {
            std::iter::once(Some(t.name.name.clone()))
                .chain(t.primary_key.iter().map(|k| k.name.clone()))
                .chain(t.indexes.iter().map(|i| i.name.clone()))
                .chain(t.checks.iter().map(|c| c.name.clone()))
                .chain(t.foreign_keys.iter().map(|k| k.name.clone()))
                .chain(t.triggers.iter().map(|g| Some(g.name.clone())))
                .flatten()
                .collect::<Vec<_>>()
        })
        .chain(schema.views.iter().map(|v| v.name.name.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(sql: &str, dialect: Dialect) -> Model {
        let m = Migration::parse("1_a.sql", &format!("-- bellows:expand\n{sql}"), dialect)
            .expect("a migration");
        Model::replay(&[m], dialect)
    }

    #[test]
    fn free_names_skip_what_the_model_holds_and_what_was_handed_out() {
        let m = model(
            "CREATE TABLE orders (id int PRIMARY KEY, user_id int);\n\
             CREATE INDEX orders_user_id_idx ON orders (user_id);",
            Dialect::Postgres,
        );
        let mut cx = Context::new(Dialect::Postgres, Some(&m));
        assert_eq!(cx.free_name("orders_user_id_idx"), "orders_user_id_idx1");
        assert_eq!(cx.free_name("orders_user_id_idx"), "orders_user_id_idx2");
        assert_eq!(cx.free_name("orders"), "orders1", "a table's name too");
        let long = "x".repeat(63);
        assert_eq!(cx.free_name(&long), long);
        assert_eq!(cx.free_name(&long).len(), 63);
    }

    #[test]
    fn tables_the_model_does_not_know_say_why() {
        let m = model("CREATE TABLE users (id int)", Dialect::Postgres);
        let cx = Context::new(Dialect::Postgres, Some(&m));
        assert!(cx.table("users", "x").unwrap().is_some());
        let err = cx
            .table("nope", "pass --type TYPE")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no table nope in the migrations folder; pass --type TYPE"),
            "{err}"
        );
        let none = Context::new(Dialect::Postgres, None);
        assert!(none.table("nope", "x").unwrap().is_none());
    }
}
