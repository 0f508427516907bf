//! What a copied column keeps of the one it replaces (rename-column, change-type): read from
//! the schema model ([`carried`]) — NOT NULL, default, collation, the indexes that include it
//! (unique ones built before the contract), CHECKs, foreign keys from and to it — with every
//! property it cannot keep, and every view, trigger and generated column that uses the old
//! column, said as a note. [`super::carry_sql`] writes the statements.

use super::context::Context;
use super::uses::{dependents, mentions, rename_in};
use crate::schema::{Column, Table, TableName};
use crate::{Dialect, Error, Result};

/// An index (unique or not) of the old column, rebuilt over the new one in the expand.
#[derive(Debug, Clone)]
pub(crate) struct NewIndex {
    /// Its name (free in the model).
    pub name: String,
    /// Its key parts, the old column replaced by the new (`(name, prefix)`, MySQL prefixes).
    pub parts: Vec<(String, Option<String>)>,
    /// Unique.
    pub unique: bool,
    /// PostgreSQL: the old one backed a UNIQUE constraint, so the new one becomes one in the
    /// contract.
    pub constraint: bool,
}

/// A foreign key over the new column (outgoing or incoming), added in the contract.
#[derive(Debug, Clone)]
pub(crate) struct NewKey {
    /// The referencing table.
    pub table: TableName,
    /// Its name (free in the model).
    pub name: String,
    /// The referencing columns.
    pub columns: Vec<String>,
    /// The referenced table.
    pub references: TableName,
    /// The referenced columns (empty: the primary key).
    pub referenced: Vec<String>,
    /// The key it replaces, dropped before the old column (MySQL refuses to drop a column a
    /// key uses; PostgreSQL refuses to drop a column another table's key references).
    pub old_name: Option<String>,
    /// Validated (else added NOT VALID and left so, as the old one was).
    pub validated: bool,
}

/// Everything the new column takes over from the old one.
#[derive(Debug, Clone, Default)]
pub(crate) struct Carried {
    /// NOT NULL, enforced in the contract (PostgreSQL: through the CHECK named here).
    pub not_null: Option<String>,
    /// The default, set in the contract (before, it would stop the triggers and the
    /// backfill from telling rows not copied yet).
    pub default: Option<String>,
    /// A collation other than the default, given in ADD COLUMN.
    pub collation: Option<String>,
    /// Indexes rebuilt over the new column.
    pub indexes: Vec<NewIndex>,
    /// CHECKs rewritten over the new column: (name, expression, validated).
    pub checks: Vec<(String, String, bool)>,
    /// Foreign keys from the new column.
    pub keys_out: Vec<NewKey>,
    /// Foreign keys of other tables to the new column.
    pub keys_in: Vec<NewKey>,
    /// MySQL: the old column's unique indexes, dropped before its placeholder default (two
    /// inserts getting the same placeholder would collide; the new column's unique index
    /// enforces the rule by then).
    pub old_unique: Vec<String>,
    /// MySQL: the old column's indexes over several columns, dropped before the column (the
    /// server would otherwise keep them over the other columns alone).
    pub old_multi: Vec<String>,
    /// The old column is NOT NULL without a default (MySQL needs a placeholder).
    pub old_needs_value: bool,
}

/// How the new column relates to the old.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind<'a> {
    /// Same type, new name.
    Rename,
    /// A new type; `converted`: values go through an expression (defaults and CHECKs of the
    /// old type may not fit).
    Retype {
        /// The new type.
        new_type: &'a str,
        /// `--using` was given.
        converted: bool,
    },
}

/// The old column of `table`, with what the new one can keep, or an error for a column the
/// recipe cannot copy (a key column, a generated one).
pub(crate) fn carried(
    cx: &mut Context,
    table: &Table,
    old: &Column,
    new: &str,
    kind: Kind,
) -> Result<Carried> {
    let t = &table.name;
    if table
        .primary_key
        .as_ref()
        .is_some_and(|k| k.columns.iter().any(|c| same(table, c, &old.name)))
    {
        return Err(Error::Config(format!(
            "{t}.{} is part of the primary key: a copied column cannot take its place while the app runs",
            old.name
        )));
    }
    if old.generated.is_some() {
        return Err(Error::Config(format!(
            "{t}.{} is a generated column: write the new one as a generated column instead",
            old.name
        )));
    }
    if let Some(identity) = &old.identity {
        cx.note(format!(
            "{t}.{} is an identity column ({identity}): the new column is not; its values are copied",
            old.name
        ));
    }
    let retyped = matches!(kind, Kind::Retype { .. });
    let converted = matches!(
        kind,
        Kind::Retype {
            converted: true,
            ..
        }
    );
    let textual = match kind {
        Kind::Rename => true,
        Kind::Retype { new_type, .. } => {
            let t = new_type.to_ascii_lowercase();
            t.contains("char") || t.contains("text")
        }
    };
    let not_null = (!old.nullable)
        .then(|| cx.free_name(&super::quote::object_name(&[&t.name, new, "not_null"])));
    let mut c = Carried {
        not_null,
        old_needs_value: !old.nullable && old.default.is_none(),
        ..Carried::default()
    };
    match &old.default {
        Some(d) if converted => cx.note(format!(
            "the default of {t}.{} ({d}) is of the old type and is not carried: set one for {new}",
            old.name
        )),
        Some(d) => c.default = Some(default_sql(cx.dialect, d)),
        None => {}
    }
    match &old.collation {
        Some(coll) if textual => c.collation = Some(coll.clone()),
        Some(coll) => cx.note(format!(
            "the collation {coll} of {t}.{} does not apply to the new type and is not carried",
            old.name
        )),
        None => {}
    }
    indexes(cx, table, old, new, &mut c);
    checks(cx, table, old, new, converted, &mut c);
    keys(cx, table, old, new, retyped, &mut c);
    dependents(cx, table, old);
    Ok(c)
}

fn same(table: &Table, a: &str, b: &str) -> bool {
    table.folding.same_column(a, b)
}

/// A default as the catalog (or the folder) gives it, as SQL: MySQL reports a string
/// default without its quotes.
fn default_sql(dialect: Dialect, d: &str) -> String {
    let literal_ok = d.parse::<f64>().is_ok()
        || d.starts_with('\'')
        || d.starts_with('(')
        || d.to_ascii_lowercase().starts_with("current_timestamp")
        || d.contains("()");
    if dialect == Dialect::Mysql && !literal_ok {
        format!("'{}'", d.replace('\'', "''"))
    } else {
        d.to_string()
    }
}

/// The old column's indexes, rebuilt over the new one; expression and partial ones noted.
fn indexes(cx: &mut Context, table: &Table, old: &Column, new: &str, c: &mut Carried) {
    let mysql = cx.dialect.is_mysql_family();
    for index in &table.indexes {
        let plain = |p: &String| split_prefix(p).0.to_string();
        let uses = index
            .columns
            .iter()
            .any(|p| same(table, &plain(p), &old.name))
            || index
                .columns
                .iter()
                .chain(index.predicate.iter())
                .any(|e| e.starts_with('(') && mentions(cx.dialect, table, e, &old.name))
            || index
                .predicate
                .as_ref()
                .is_some_and(|e| mentions(cx.dialect, table, e, &old.name));
        if !uses {
            continue;
        }
        let label = index.name.clone().unwrap_or_else(|| "(unnamed)".into());
        if index.predicate.is_some() || index.columns.iter().any(|p| p.starts_with('(')) {
            cx.note(format!(
                "the index {label} on {} uses {} in an expression or a predicate: it is not rebuilt over {new}; write it by hand before the contract",
                table.name, old.name
            ));
            continue;
        }
        if !index.valid {
            cx.note(format!("the index {label} is INVALID: it is not rebuilt"));
            continue;
        }
        let parts: Vec<(String, Option<String>)> = index
            .columns
            .iter()
            .map(|p| {
                let (name, prefix) = split_prefix(p);
                let name = if same(table, name, &old.name) {
                    new
                } else {
                    name
                };
                (name.to_string(), prefix.map(str::to_string))
            })
            .collect();
        let names: Vec<String> = parts.iter().map(|(n, _)| n.clone()).collect();
        let suffix = if index.unique { "key" } else { "idx" };
        let base = super::quote::index_name(&table.name.name, &names, suffix);
        let name = cx.free_name(&base);
        if mysql {
            if let Some(n) = &index.name {
                if index.unique {
                    c.old_unique.push(n.clone());
                }
                if index.columns.len() > 1 {
                    c.old_multi.push(n.clone());
                }
            }
        }
        c.indexes.push(NewIndex {
            name,
            parts,
            unique: index.unique,
            constraint: index.constraint,
        });
    }
}

/// `email(10)` → (`email`, `10`).
fn split_prefix(part: &str) -> (&str, Option<&str>) {
    match part.strip_suffix(')').and_then(|p| p.rsplit_once('(')) {
        Some((name, n)) if !name.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => {
            (name, Some(n))
        }
        _ => (part, None),
    }
}

/// The old column's CHECKs, rewritten over the new one (PostgreSQL; MySQL's are noted).
fn checks(
    cx: &mut Context,
    table: &Table,
    old: &Column,
    new: &str,
    converted: bool,
    c: &mut Carried,
) {
    for check in &table.checks {
        let uses = check.columns.iter().any(|x| same(table, x, &old.name))
            || mentions(cx.dialect, table, &check.expr, &old.name);
        if !uses {
            continue;
        }
        let label = check.name.clone().unwrap_or_else(|| "(unnamed)".into());
        if converted || cx.dialect.is_mysql_family() {
            let why = if converted {
                "its expression is over the old type"
            } else {
                "MySQL/MariaDB copy the table to add one"
            };
            cx.note(format!(
                "the CHECK {label} ({}) on {}.{} is not carried to {new} ({why}): add it by hand",
                check.expr, table.name, old.name
            ));
            continue;
        }
        let expr = rename_in(cx.dialect, table, &check.expr, &old.name, new);
        let base = super::quote::object_name(&[&table.name.name, new, "check"]);
        let name = cx.free_name(&base);
        c.checks.push((name, expr, check.validated));
    }
}

/// Foreign keys from and to the old column, over the new one.
fn keys(cx: &mut Context, table: &Table, old: &Column, new: &str, retyped: bool, c: &mut Carried) {
    let swap = |cols: &[String]| -> Vec<String> {
        cols.iter()
            .map(|x| {
                if same(table, x, &old.name) {
                    new.to_string()
                } else {
                    x.clone()
                }
            })
            .collect()
    };
    let mut found: Vec<(bool, TableName, &crate::schema::ForeignKey)> = table
        .foreign_keys
        .iter()
        .filter(|k| k.columns.iter().any(|x| same(table, x, &old.name)))
        .map(|k| (true, table.name.clone(), k))
        .collect();
    if let Some(schema) = cx.schema() {
        found.extend(
            schema
                .referencing(&table.name)
                .into_iter()
                .filter(|(_, k)| {
                    k.referenced_columns
                        .iter()
                        .any(|x| same(table, x, &old.name))
                })
                .map(|(t, k)| (false, t.name.clone(), k)),
        );
    }
    for (outgoing, from, key) in found {
        let label = key.name.clone().unwrap_or_else(|| "(unnamed)".into());
        if retyped && cx.dialect.is_mysql_family() {
            cx.note(format!(
                "the foreign key {label} of {from} is not carried: MySQL/MariaDB need both sides of the same type; add it by hand once the types match"
            ));
            continue;
        }
        let (columns, referenced) = if outgoing {
            (swap(&key.columns), key.referenced_columns.clone())
        } else {
            (key.columns.clone(), swap(&key.referenced_columns))
        };
        let base = super::quote::object_name(&[&from.name, &columns.join("_"), "fkey"]);
        let name = cx.free_name(&base);
        cx.note(format!(
            "the foreign key {label} of {from} is carried as {name} without ON DELETE / ON UPDATE actions (the schema model does not read them): add them if it had any"
        ));
        if key.name.is_none() {
            cx.note(format!(
                "the foreign key of {from} over {} has no name the model knows: drop it by hand before the contract drops the old column",
                key.columns.join(", ")
            ));
        }
        let new_key = NewKey {
            table: from,
            name,
            columns,
            references: if outgoing {
                key.references.clone()
            } else {
                table.name.clone()
            },
            referenced,
            old_name: key.name.clone(),
            validated: key.validated,
        };
        if outgoing {
            c.keys_out.push(new_key);
        } else {
            c.keys_in.push(new_key);
        }
    }
}
