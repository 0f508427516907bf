//! `rename-column`: `RENAME COLUMN a TO b` (and PostgreSQL's `RENAME a TO b`, MySQL's
//! `CHANGE a b ...`) outside a contract phase breaks every query of the running app that
//! names the old column, however quick the rename is (MySQL 8.0.28+ does it instantly).

use super::support::alter::alter_existing;
use super::support::columns::modify_or_change;
use super::support::file::column_added_earlier;
use super::support::rewrite::{BACKFILL_KEY, CONTRACT};
use super::support::scan::Clause;
use crate::lint::{Finding, Rule, Severity, StatementContext};

/// Flags column renames outside a contract phase.
pub struct RenameColumn;

impl Rule for RenameColumn {
    fn id(&self) -> &'static str {
        "rename-column"
    }

    fn default_severity(&self) -> Severity {
        Severity::Warning
    }

    fn summary(&self) -> &'static str {
        "Renaming a column breaks the app version still running, which uses the old name."
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        if ctx.breaking_changes_expected() {
            return;
        }
        let Some(alter) = alter_existing(ctx) else {
            return;
        };
        for c in &alter.clauses {
            let Some((old, new, ty)) = rename(ctx, c) else {
                continue;
            };
            let old_key = old.trim_matches(|ch| ch == '"' || ch == '`');
            let old_key = if old.starts_with(['"', '`']) {
                old_key.to_string()
            } else {
                old_key.to_ascii_lowercase()
            };
            if column_added_earlier(ctx, &alter.table, &old_key) {
                continue;
            }
            let table = alter.written_name(ctx);
            let mysql = ctx.dialect().is_mysql_family();
            let (instant, differs) = if mysql {
                (", ALGORITHM=INSTANT", format!("NOT ({new} <=> {old})"))
            } else {
                ("", format!("{new} IS DISTINCT FROM {old}"))
            };
            let (ty, ty_note) = match ty {
                Some(ty) => (ty, String::new()),
                None => (
                    "text".to_string(),
                    format!("-- give {new} the type of {old}\n"),
                ),
            };
            let mut finding = Finding::new(
                self.default_severity(),
                format!("renaming column `{old}` of `{}` to `{new}` breaks the app version still running", alter.table),
                "The rename itself is quick (a brief ACCESS EXCLUSIVE lock on PostgreSQL, an \
                 exclusive metadata lock on MySQL, instant from 8.0.28), but from the moment it \
                 commits every query of the running app version that names the old column fails \
                 (`column does not exist` / `Unknown column`), including prepared statements and \
                 ORM column lists; an app deployed first fails until it runs. Add the new column, \
                 keep both in sync while both versions run, and drop the old one in the contract \
                 phase.",
            )
            .suggest(format!(
                "-- bellows:expand\n\
                 {ty_note}ALTER TABLE {table} ADD COLUMN {new} {ty}{instant};\n\
                 -- keep {old} and {new} in sync with a trigger while both app versions run\n\
                 -- (`bellows new --op rename-column` writes it for you)\n\n\
                 -- bellows:backfill table={key} key={BACKFILL_KEY}\n\
                 UPDATE {table} SET {new} = {old} WHERE {differs};\n\n\
                 -- once every running app version uses {new}:\n\
                 {CONTRACT}\n\
                 ALTER TABLE {table} DROP COLUMN {old}{instant};\n",
                key = alter.table,
            ))
            .on_table(alter.table.clone());
            if let Some(span) = c.span() {
                finding = finding.at(span);
            }
            out.push(finding);
        }
    }
}

/// The old and new names of a rename clause as written, and (for `CHANGE`) the new type.
fn rename(ctx: &StatementContext<'_>, c: &Clause<'_>) -> Option<(String, String, Option<String>)> {
    if c.is_word(0, "RENAME") {
        let k = if c.is_word(1, "COLUMN") {
            2
        } else if ctx.dialect().is_mysql_family() {
            return None;
        } else {
            1
        };
        if ["TO", "AS", "CONSTRAINT", "INDEX", "KEY"]
            .iter()
            .any(|w| c.is_word(k, w))
        {
            return None;
        }
        let (_, to) = c.ident(k)?;
        if !c.is_word(to, "TO") {
            return None;
        }
        c.ident(to + 1)?;
        return Some((c.text(ctx, k, k + 1), c.text(ctx, to + 1, to + 2), None));
    }
    if !c.is_word(0, "CHANGE") {
        return None;
    }
    let (old, def) = modify_or_change(c)?;
    if old.eq_ignore_ascii_case(&def.name) {
        return None;
    }
    let k = if c.is_word(1, "COLUMN") { 2 } else { 1 };
    Some((
        c.text(ctx, k, k + 1),
        c.text(ctx, k + 1, k + 2),
        Some(c.text(ctx, def.ty.0, def.ty.1)),
    ))
}
