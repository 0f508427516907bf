//! `drop-table`: `DROP TABLE` outside a contract phase removes a table the app version still
//! running uses. A scratch table created earlier in the same file, and any drop in a gated
//! contract phase, are not reported.

use super::support::rewrite::CONTRACT;
use super::support::spans::text_of;
use crate::lint::{Finding, Rule, Severity, StatementContext};

/// Flags table drops in expand phases (and files without markers).
pub(crate) struct DropTable;

impl Rule for DropTable {
    fn id(&self) -> &'static str {
        "drop-table"
    }

    fn default_severity(&self) -> Severity {
        Severity::Warning
    }

    fn summary(&self) -> &'static str {
        "DROP TABLE outside a contract phase breaks the app version still running."
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let t = ctx.tokens;
        let mut i = if t.is_word(1, "TEMPORARY") { 2 } else { 1 };
        if ctx.breaking_changes_expected() || !t.is_word(0, "DROP") || !t.is_word(i, "TABLE") {
            return;
        }
        i += 1;
        let if_exists = t.is_word(i, "IF") && t.is_word(i + 1, "EXISTS");
        if if_exists {
            i += 2;
        }
        let mut names = Vec::new();
        while let Some((key, next)) = t.name_at(i) {
            // A table the file created, renamed away (the rename is the finding), or drops
            // only to create it again (scratch) holds nothing the running app uses.
            let scratch = if_exists && ctx.later.creates_table(&key);
            if !ctx.is_new_table(&key) && !ctx.file.renamed_to.contains(&key) && !scratch {
                names.push((key, text_of(ctx, &(i..next))));
            }
            if t.get(next).is_some_and(|tok| tok.text == ",") {
                i = next + 1;
            } else {
                break;
            }
        }
        if names.is_empty() {
            return;
        }
        let keys: Vec<_> = names.iter().map(|(k, _)| format!("`{k}`")).collect();
        let written: Vec<_> = names
            .iter()
            .map(|(k, s)| s.map_or_else(|| k.clone(), str::to_string))
            .collect();
        out.push(
            Finding::new(
                self.default_severity(),
                format!(
                    "dropping {} outside a contract phase breaks the app version still running",
                    keys.join(", ")
                ),
                "The drop takes an ACCESS EXCLUSIVE lock on PostgreSQL (an exclusive metadata \
                 lock on MySQL / MariaDB) only briefly, but every query of the running app \
                 version on the table fails from the moment it commits, and nothing short of a \
                 restore brings the data back. With CASCADE, dependent views and foreign keys \
                 go too.",
            )
            .suggest(format!(
                "-- once no running app version uses the table (gate on it with requires-app):\n\
                 {CONTRACT}\nDROP TABLE {};",
                written.join(", ")
            ))
            .on_table(names[0].0.clone()),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{mysql, pg, rules_pg};

    #[test]
    fn flags_a_drop_outside_a_contract_phase() {
        insta::assert_snapshot!(pg("DROP TABLE user_sessions_old;"));
    }

    #[test]
    fn flags_only_the_existing_tables_of_a_list() {
        insta::assert_snapshot!(pg("-- bellows:expand\nCREATE TABLE scratch (id bigint);\nDROP TABLE IF EXISTS scratch, public.audit_old CASCADE;\n"));
    }

    #[test]
    fn flags_mysql_drops() {
        insta::assert_snapshot!(mysql("DROP TABLE `Legacy`;"));
    }

    #[test]
    fn passes_contract_phases_and_scratch_tables() {
        let none = |sql: &str| !rules_pg(sql).contains(&"drop-table");
        assert!(none(
            "-- bellows:contract requires-app=\">=2.4.0\"\nDROP TABLE user_sessions_old;"
        ));
        assert!(none("CREATE TEMP TABLE ids (id bigint);\nDROP TABLE ids;"));
        assert!(none("DROP VIEW accounts;"));
        assert!(none("DROP INDEX CONCURRENTLY users_email_idx;"));
    }
}
