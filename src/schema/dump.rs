//! A model written out as text, one line per fact in a fixed order, so that two models
//! (live and replayed) compare with `==` and a diff shows what differs. Hidden: the crate's
//! own tests and benchmark use it; the model itself is internal.

use super::{replay, Folding, Schema};
use crate::{Dialect, Migration, PhaseKind};
use std::fmt::Write;

/// The model of `migrations` replayed, as text (see [`dump`]).
#[doc(hidden)]
#[must_use]
pub fn replay_dump(migrations: &[Migration], dialect: Dialect, names: bool) -> String {
    dump(
        &replay::replay(migrations, dialect, Folding::of(dialect)),
        names,
    )
}

/// What replaying `migrations` leaves unknown, as `name: why` lines (sorted), and last why
/// tables it never saw may exist.
#[doc(hidden)]
#[must_use]
pub fn replay_unknown(migrations: &[Migration], dialect: Dialect) -> Vec<String> {
    let model = replay::replay(migrations, dialect, Folding::of(dialect));
    let mut out: Vec<String> = model
        .unknown()
        .map(|((_, t), why)| format!("{t}: {why}"))
        .collect();
    out.sort();
    out.extend(
        model
            .incomplete()
            .map(|why| format!("(any table not created in the folder): {why}")),
    );
    out
}

/// A folder's statements parsed once, as the linter parses them (opaque: no parser type in
/// the API). For the benchmark: replaying these is what a folder lint that shares its parse
/// adds.
#[doc(hidden)]
pub struct Parsed {
    dialect: Dialect,
    statements: Vec<(Option<sqlparser::ast::Statement>, String)>,
}

/// Every statement of `migrations` (version order; expand, backfill, contract) parsed.
#[doc(hidden)]
#[must_use]
pub fn parse_for_replay(migrations: &[Migration], dialect: Dialect) -> Parsed {
    let parser = dialect.parser_dialect();
    let mut sorted: Vec<&Migration> = migrations.iter().collect();
    sorted.sort_by_key(|m| m.version);
    let statements = sorted
        .iter()
        .flat_map(|m| {
            [PhaseKind::Expand, PhaseKind::Backfill, PhaseKind::Contract]
                .into_iter()
                .filter_map(|k| m.phase(k))
        })
        .flat_map(|p| p.statements.iter())
        .map(|s| {
            let parsed = sqlparser::parser::Parser::parse_sql(parser.as_ref(), &s.sql).ok();
            (
                parsed.filter(|p| p.len() == 1).map(|mut p| p.remove(0)),
                s.sql.clone(),
            )
        })
        .collect();
    Parsed {
        dialect,
        statements,
    }
}

/// Replay statements parsed already; the number of known tables.
#[doc(hidden)]
#[must_use]
pub fn replay_parsed(parsed: &Parsed) -> usize {
    let mut r = replay::Replay::new(parsed.dialect, Folding::of(parsed.dialect));
    for (statement, sql) in &parsed.statements {
        r.parsed(statement.as_ref(), sql, "");
    }
    r.finish().tables().count()
}

fn opt(name: Option<&String>, names: bool) -> String {
    match name {
        Some(n) if names => format!("{n} "),
        _ => String::new(),
    }
}

/// The model as text: tables sorted by name, then their columns in order, key, indexes,
/// CHECKs, foreign keys (each sorted), triggers; then views. Constraint and index names only
/// with `names`; defaults and expressions only as present or not (the catalog reprints
/// them).
pub(crate) fn dump(model: &Schema, names: bool) -> String {
    let mut tables: Vec<&super::Table> = model.tables().collect();
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out = String::new();
    for t in tables {
        table(&mut out, t, names);
    }
    let mut views: Vec<String> = model
        .views
        .iter()
        .flat_map(|v| {
            v.uses
                .iter()
                .map(move |(t, c)| format!("view {} uses {t}.{c}", v.name))
        })
        .collect();
    views.sort();
    for v in views {
        let _ = writeln!(out, "{v}");
    }
    out
}

/// One table's lines.
fn table(out: &mut String, t: &super::Table, names: bool) {
    let _ = writeln!(out, "table {}", t.name);
    for c in &t.columns {
        let flag = |b: bool, s: &str| if b { format!(" {s}") } else { String::new() };
        let _ = writeln!(
            out,
            "  column {} {}{}{}{}{}{}",
            c.name,
            c.type_normalized,
            flag(!c.nullable, "not-null"),
            flag(c.default.is_some(), "default"),
            c.identity
                .as_ref()
                .map(|i| format!(" identity={i}"))
                .unwrap_or_default(),
            flag(c.generated.is_some(), "generated"),
            c.collation
                .as_ref()
                .map(|i| format!(" collate={i}"))
                .unwrap_or_default(),
        );
    }
    if let Some(k) = &t.primary_key {
        let _ = writeln!(
            out,
            "  primary key {}({})",
            opt(k.name.as_ref(), names),
            k.columns.join(", ")
        );
    }
    let mut lines: Vec<String> = t
        .indexes
        .iter()
        .map(|i| {
            let kind = if i.unique { "unique index" } else { "index" };
            let partial = if i.predicate.is_some() {
                " partial"
            } else {
                ""
            };
            let state = if i.valid { "" } else { " INVALID" };
            format!(
                "  {kind} {}({}){partial}{state}",
                opt(i.name.as_ref(), names),
                i.columns.join(", ")
            )
        })
        .chain(t.checks.iter().map(|c| {
            let v = if c.validated { "" } else { " not-valid" };
            format!(
                "  check {}on ({}){v}",
                opt(c.name.as_ref(), names),
                c.columns.join(", ")
            )
        }))
        .chain(t.foreign_keys.iter().map(|k| {
            let v = if k.validated { "" } else { " not-valid" };
            format!(
                "  foreign key {}({}) references {}({}){v}",
                opt(k.name.as_ref(), names),
                k.columns.join(", "),
                k.references,
                k.referenced_columns.join(", ")
            )
        }))
        .chain(t.triggers.iter().map(|g| format!("  trigger {}", g.name)))
        .collect();
    lines.sort();
    for l in lines {
        let _ = writeln!(out, "{l}");
    }
}
