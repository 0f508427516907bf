//! `rename-table`: `ALTER TABLE a RENAME TO b` / MySQL `RENAME TABLE a TO b` outside a
//! contract phase breaks every query of the running app that names the old table — unless
//! the same phase goes on to create a compatibility view with the old name.

use super::support::alter::alter_table;
use super::support::rewrite::CONTRACT;
use super::support::spans::text_of;
use crate::lint::{Finding, Rule, Severity, StatementContext};

/// Flags table renames without a compatibility view, outside a contract phase.
pub(crate) struct RenameTable;

impl Rule for RenameTable {
    fn id(&self) -> &'static str {
        "rename-table"
    }

    fn default_severity(&self) -> Severity {
        Severity::Warning
    }

    fn summary(&self) -> &'static str {
        "Renaming a table breaks the app version still running unless a view keeps the old name."
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        if ctx.breaking_changes_expected() {
            return;
        }
        for (old, old_text, new_text) in renames(ctx) {
            if ctx.is_new_table(&old) || view_follows(ctx, &old) {
                continue;
            }
            let rename = if ctx.dialect().is_mysql_family() {
                format!("RENAME TABLE {old_text} TO {new_text};")
            } else {
                format!("ALTER TABLE {old_text} RENAME TO {new_text};")
            };
            out.push(
                Finding::new(
                    self.default_severity(),
                    format!("renaming `{old_text}` to `{new_text}` breaks every query of the running app version that names `{old_text}`"),
                    "The rename is catalog-only (a brief ACCESS EXCLUSIVE lock on PostgreSQL, an \
                     exclusive metadata lock on MySQL / MariaDB), but from the moment it commits \
                     the app version still running gets `relation does not exist` / `table \
                     doesn't exist` on every query until its last instance is gone. Create a \
                     view with the old name in the same phase: a single-table view is updatable, \
                     so the old app keeps reading and writing through it; drop it in the contract \
                     phase.",
                )
                .suggest(format!(
                    "-- bellows:expand\n{rename}\nCREATE VIEW {old_text} AS SELECT * FROM {new_text};\n\n\
                     -- once every running app version uses {new_text}:\n\
                     {CONTRACT}\nDROP VIEW {old_text};\n"
                ))
                .on_table(old),
            );
        }
    }
}

/// The renames of the statement: (old key, old name as written, new name as written).
fn renames(ctx: &StatementContext<'_>) -> Vec<(String, String, String)> {
    let t = ctx.tokens;
    let mut found = Vec::new();
    if t.starts_with(&["RENAME", "TABLE"]) {
        let mut i = 2;
        while let Some((old, after_old)) = t.name_at(i) {
            if !t.is_word(after_old, "TO") {
                break;
            }
            let Some((new, after_new)) = t.name_at(after_old + 1) else {
                break;
            };
            let old_text =
                text_of(ctx, &(i..after_old)).map_or_else(|| old.clone(), str::to_string);
            let new_text = text_of(ctx, &(after_old + 1..after_new)).map_or(new, str::to_string);
            found.push((old, old_text, new_text));
            if t.get(after_new).is_some_and(|tok| tok.text == ",") {
                i = after_new + 1;
            } else {
                break;
            }
        }
    } else if let Some(alter) = alter_table(t) {
        for c in &alter.clauses {
            if !c.is_word(0, "RENAME") {
                continue;
            }
            let k = if c.is_word(1, "TO") || c.is_word(1, "AS") {
                2
            } else {
                1
            };
            // `RENAME <name>` without TO/AS is MySQL's table rename; PostgreSQL's
            // `RENAME a TO b` is a column rename.
            if k == 1 && (!ctx.dialect().is_mysql_family() || c.is_word(2, "TO")) {
                continue;
            }
            if ["COLUMN", "CONSTRAINT", "INDEX", "KEY"]
                .iter()
                .any(|w| c.is_word(k, w))
            {
                continue;
            }
            if c.ident(k).is_some() {
                let new_text = c.text(ctx, k, c.end - c.start);
                found.push((alter.table.clone(), alter.written_name(ctx), new_text));
            }
        }
    }
    found
}

/// True when a later statement of the same phase creates a view named `old`.
fn view_follows(ctx: &StatementContext<'_>, old: &str) -> bool {
    ctx.later.creates_view(old)
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{at, mysql, pg, rules_pg};
    use crate::sql::Dialect;

    #[test]
    fn flags_a_rename_without_a_compatibility_view() {
        insta::assert_snapshot!(pg("ALTER TABLE accounts RENAME TO customers;"));
    }

    #[test]
    fn flags_each_pair_of_a_mysql_rename_table() {
        insta::assert_snapshot!(mysql(
            "-- bellows:expand\nRENAME TABLE accounts TO customers, `Orders` TO purchases;\n"
        ));
    }

    #[test]
    fn flags_mysql_alter_rename_also_on_mariadb() {
        insta::assert_snapshot!(at(
            Dialect::Mariadb,
            "10.11",
            "ALTER TABLE accounts RENAME AS customers;"
        ));
    }

    #[test]
    fn passes_a_rename_with_a_view_contract_phases_and_new_tables() {
        let none = |sql: &str| !rules_pg(sql).contains(&"rename-table");
        assert!(none("-- bellows:expand\nALTER TABLE accounts RENAME TO customers;\nCREATE VIEW accounts AS SELECT * FROM customers;"));
        assert!(none(
        "-- bellows:contract requires-app=\">=2.4.0\"\nALTER TABLE accounts RENAME TO customers;"
    ));
        assert!(none(
            "CREATE TABLE tmp_x (id int);\nALTER TABLE tmp_x RENAME TO x;"
        ));
        assert!(none("ALTER TABLE users RENAME COLUMN a TO b;"));
        assert!(none("-- bellows:expand\nALTER TABLE a ADD COLUMN x int;\n-- bellows:down\nALTER TABLE customers RENAME TO accounts;"));
        assert!(none("ALTER TABLE users RENAME CONSTRAINT a TO b;"));
        assert!(
            !mysql("RENAME TABLE a TO b;\nCREATE OR REPLACE VIEW a AS SELECT * FROM b;")
                .contains("[rename-table]")
        );
    }
}
