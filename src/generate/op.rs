//! What a recipe op is: its declaration ([`OpSpec`]: name, arguments, whether its contract
//! needs a gate), the arguments it was given ([`Args`]), the trait each op implements for
//! both dialects, and the typed sections it returns. The CLI turns the declared arguments
//! into clap arguments; this module knows nothing of clap.

use super::context::Context;
use super::quote::Cx;
use crate::{Error, Result};
use std::collections::BTreeMap;

/// How a declared argument is given on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// One positional value.
    Positional,
    /// One or more positional values (the op's last positional).
    Many,
    /// `--name VALUE`, required.
    Required,
    /// `--name VALUE`, optional.
    Optional,
}

/// One declared argument of an op.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    /// Positionals: the value's name (`TABLE`); options: the long flag without its dashes
    /// (`type`). [`Args`] are looked up by it.
    pub name: &'static str,
    /// The value's name in usage lines (`TABLE`, `TYPE`).
    pub value_name: &'static str,
    /// Positional or option, required or not.
    pub kind: ParamKind,
    /// What the value means, for this op.
    pub help: &'static str,
}

impl Param {
    /// A positional value.
    pub(crate) const fn positional(name: &'static str, help: &'static str) -> Param {
        Param {
            name,
            value_name: name,
            kind: ParamKind::Positional,
            help,
        }
    }

    /// One or more positional values.
    pub(crate) const fn many(name: &'static str, help: &'static str) -> Param {
        Param {
            name,
            value_name: name,
            kind: ParamKind::Many,
            help,
        }
    }

    /// `--name VALUE`, required (`required`) or optional.
    pub(crate) const fn option(
        name: &'static str,
        value_name: &'static str,
        required: bool,
        help: &'static str,
    ) -> Param {
        Param {
            name,
            value_name,
            kind: if required {
                ParamKind::Required
            } else {
                ParamKind::Optional
            },
            help,
        }
    }

    /// True for `--name VALUE` arguments.
    #[must_use]
    pub fn is_option(&self) -> bool {
        matches!(self.kind, ParamKind::Required | ParamKind::Optional)
    }

    /// How the argument reads in a usage line: `TABLE`, `COLUMNS...`, `--type TYPE`,
    /// `[--placeholder LITERAL]`.
    #[must_use]
    pub fn usage(&self) -> String {
        match self.kind {
            ParamKind::Positional => self.value_name.to_string(),
            ParamKind::Many => format!("{}...", self.value_name),
            ParamKind::Required => format!("--{} {}", self.name, self.value_name),
            ParamKind::Optional => format!("[--{} {}]", self.name, self.value_name),
        }
    }
}

/// A recipe op's declaration: one static per op file, listed in [`OPS`](super::OPS).
#[derive(Debug)]
pub struct OpSpec {
    /// The name after `--op`.
    pub name: &'static str,
    /// Its arguments: positionals in order, then options.
    pub params: &'static [Param],
    /// Its contract removes what older app versions use, so the file must carry a gate
    /// (`--requires-app`).
    pub needs_gate: bool,
    /// The op from its arguments.
    pub(crate) build: fn(&Args) -> Result<Box<dyn Op>>,
}

impl OpSpec {
    /// The op's arguments as one usage line: `TABLE OLD NEW --type TYPE [--placeholder LITERAL]`.
    #[must_use]
    pub fn usage(&self) -> String {
        self.params
            .iter()
            .map(Param::usage)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The values an op was given, by [`Param::name`]: what the CLI parsed against the op's
/// declaration.
#[derive(Debug, Clone, Default)]
pub struct Args {
    values: BTreeMap<String, Vec<String>>,
}

impl Args {
    /// No values yet.
    #[must_use]
    pub fn new() -> Args {
        Args::default()
    }

    /// Set the values of the argument `name` (one, or several for [`ParamKind::Many`]).
    pub fn set(&mut self, name: &str, values: Vec<String>) {
        self.values.insert(name.to_string(), values);
    }

    /// The value of a required argument.
    pub(crate) fn one(&self, name: &str) -> Result<String> {
        self.opt(name)
            .ok_or_else(|| Error::Config(format!("missing argument {name}")))
    }

    /// The value of an optional argument.
    pub(crate) fn opt(&self, name: &str) -> Option<String> {
        self.values.get(name).and_then(|v| v.first()).cloned()
    }

    /// The values of a [`ParamKind::Many`] argument (at least one).
    pub(crate) fn many(&self, name: &str) -> Result<Vec<String>> {
        match self.values.get(name) {
            Some(v) if !v.is_empty() => Ok(v.clone()),
            _ => Err(Error::Config(format!("missing argument {name}"))),
        }
    }
}

/// A safe change, written for both dialects. Each op is one file under `ops/`.
pub(crate) trait Op: std::fmt::Debug {
    /// The identifiers the op names (tables, columns): none may be empty.
    fn identifiers(&self) -> Vec<&str>;

    /// The column types the op writes as given (`--type`): each is checked by the SQL parser.
    fn types(&self) -> Vec<&str> {
        Vec::new()
    }

    /// Refuse a combination of arguments that no dialect can write safely.
    fn check(&self) -> Result<()> {
        Ok(())
    }

    /// Take from the schema model (when `cx` has one) what the arguments leave out — types,
    /// defaults, what the old column has — and free names; note what cannot be kept.
    /// Without a model, the arguments alone decide, as before the model existed.
    fn learn(&mut self, _cx: &mut Context) -> Result<()> {
        Ok(())
    }

    /// The sections for PostgreSQL.
    fn postgres(&self, cx: &Cx) -> Result<Sections>;

    /// The sections for MySQL and MariaDB.
    fn mysql(&self, cx: &Cx) -> Result<Sections>;
}

/// The parts of a recipe file, in file order; a section without statements is left out.
#[derive(Debug, Default)]
pub(crate) struct Sections {
    /// Additive DDL, run while the old app version runs.
    pub expand: Section,
    /// Brings existing rows along, in batches.
    pub backfill: Option<Backfill>,
    /// Removes the old shape once no running app uses it (gated).
    pub contract: Section,
    /// Undoes the expand (`bellows abort`).
    pub down: Section,
}

/// One section: an explanatory comment and its statements.
#[derive(Debug, Default)]
pub(crate) struct Section {
    /// Said above the marker (wrapped at 80 columns).
    pub comment: String,
    /// Statements, without their `;`.
    pub statements: Vec<String>,
}

impl Section {
    /// A section from its comment and statements.
    pub(crate) fn new(comment: impl Into<String>, statements: Vec<String>) -> Section {
        Section {
            comment: comment.into(),
            statements,
        }
    }
}

/// The backfill section and the table it walks.
#[derive(Debug)]
pub(crate) struct Backfill {
    /// The table, as named in the marker (`backfill table=...`).
    pub table: String,
    /// Comment and statements.
    pub section: Section,
}
