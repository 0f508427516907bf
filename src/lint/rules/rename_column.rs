//! `rename-column`: `RENAME COLUMN a TO b` (and PostgreSQL's `RENAME a TO b`, MySQL's
//! `CHANGE a b ...`) outside a contract phase breaks every query of the running app that
//! names the old column, however quick the rename is (MySQL 8.0.28+ does it instantly).

use super::support::alter::alter_existing;
use super::support::columns::modify_or_change;
use super::support::file::column_added_earlier;
use super::support::mysql::Server;
use super::support::rewrite::{BACKFILL_KEY, CONTRACT};
use super::support::scan::Clause;
use crate::lint::{directive_table, Finding, Rule, Severity, StatementContext};

/// Flags column renames outside a contract phase.
pub(crate) struct RenameColumn;

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
            let server = Server::of(ctx);
            let (add, drop, differs) = if mysql {
                (
                    Server::online(server.instant_add_last()),
                    Server::online(server.instant_anywhere()),
                    format!("NOT ({new} <=> {old})"),
                )
            } else {
                ("", "", format!("{new} IS DISTINCT FROM {old}"))
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
                format!("renaming column `{old}` of `{}` to `{new}` breaks the app version still running", alter.shown(ctx)),
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
                 {ty_note}ALTER TABLE {table} ADD COLUMN {new} {ty}{add};\n\
                 -- keep {old} and {new} in sync with a trigger while both app versions run\n\
                 -- (`bellows new --op rename-column` writes it for you)\n\n\
                 -- bellows:backfill table={key} key={BACKFILL_KEY}\n\
                 UPDATE {table} SET {new} = {old} WHERE {differs};\n\n\
                 -- once every running app version uses {new}:\n\
                 {CONTRACT}\n\
                 ALTER TABLE {table} DROP COLUMN {old}{drop};\n",
                key = directive_table(&table),
            ))
            .on_table(alter.table.clone());
            if mysql && c.is_word(0, "RENAME") && !server.has_rename_column() {
                finding.why.push_str(&format!(
                    " {} has no RENAME COLUMN (it came with MySQL 8.0 and MariaDB 10.5.2): this fails \
                     there; a rename is written CHANGE {old} {new} <its full definition>.",
                    server.name()
                ));
            }
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

#[cfg(test)]
mod tests {
    use crate::lint::testing::{at, mysql, pg, report_with, rules_pg};
    use crate::lint::LintOptions;
    use crate::sql::Dialect;

    #[test]
    fn flags_a_rename_in_a_file_without_markers() {
        insta::assert_snapshot!(pg(
            "ALTER TABLE users RENAME COLUMN email TO primary_email;"
        ));
    }

    #[test]
    fn mysql_5_7_has_no_rename_column_nor_instant_columns() {
        insta::assert_snapshot!(at(
            Dialect::Mysql,
            "5.7",
            "ALTER TABLE users RENAME COLUMN email TO primary_email;"
        ));
    }

    #[test]
    fn flags_the_postgres_form_without_column() {
        insta::assert_snapshot!(pg(
            "-- bellows:expand\nALTER TABLE ONLY public.users RENAME \"Email\" TO primary_email;\n"
        ));
    }

    /// The rule ids found in `sql` on MySQL, without the rewrite check of the snapshots.
    fn rules_mysql(sql: &str) -> Vec<&'static str> {
        report_with(LintOptions::new(Dialect::Mysql), "migration.sql", sql)
            .diagnostics()
            .map(|d| d.rule)
            .collect()
    }

    #[test]
    fn flags_mysql_renames_even_when_instant() {
        // MySQL 8.0.28+ renames instantly; the running app still breaks.
        insta::assert_snapshot!(at(
            Dialect::Mysql,
            "8.0.30",
            "ALTER TABLE users RENAME COLUMN email TO primary_email, ALGORITHM=INSTANT;"
        ));
        // CHANGE restates the type, so column-type-change may report it too.
        assert!(
            rules_mysql("ALTER TABLE users CHANGE COLUMN email primary_email varchar(255);")
                .contains(&"rename-column")
        );
        assert!(
            rules_mysql("ALTER TABLE users CHANGE `Email` `PrimaryEmail` text NULL;")
                .contains(&"rename-column")
        );
    }

    #[test]
    fn passes_contract_phases_new_tables_and_same_name_changes() {
        let none = |sql: &str| !rules_pg(sql).contains(&"rename-column");
        assert!(none("-- bellows:contract requires-app=\">=2.4.0\"\nALTER TABLE users RENAME COLUMN email TO primary_email;"));
        assert!(none(
            "CREATE TABLE t (a int);\nALTER TABLE t RENAME a TO b;"
        ));
        assert!(none(
            "ALTER TABLE users RENAME TO customers;\nCREATE VIEW users AS SELECT * FROM customers;"
        ));
        assert!(
            !rules_mysql("ALTER TABLE users CHANGE email Email varchar(255);")
                .contains(&"rename-column")
        );
        assert!(!mysql("ALTER TABLE users RENAME INDEX a TO b;").contains("[rename-column]"));
    }
}
