//! `require-concurrent-index-drop`: `DROP INDEX` without `CONCURRENTLY` on PostgreSQL queues
//! an ACCESS EXCLUSIVE lock on the index's table. Works on tokens, so it also sees
//! `DROP INDEX CONCURRENTLY`, which sqlparser 0.63 cannot read.

use super::support_pg_mysql::{clauses, run_alone, skip_modifiers, table_of_index};
use crate::lint::{Finding, Rule, Severity, StatementContext, POSTGRES};
use crate::sql::Dialect;

/// Flags index drops that block every query on the table while they wait for their lock.
pub struct RequireConcurrentIndexDrop;

impl Rule for RequireConcurrentIndexDrop {
    fn id(&self) -> &'static str {
        "require-concurrent-index-drop"
    }

    fn default_severity(&self) -> Severity {
        Severity::Warning
    }

    fn summary(&self) -> &'static str {
        "DROP INDEX without CONCURRENTLY queues an ACCESS EXCLUSIVE lock on the table."
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let t = ctx.tokens;
        if !t.starts_with(&["DROP", "INDEX"]) || t.is_word(2, "CONCURRENTLY") {
            return;
        }
        let start = skip_modifiers(t, 2);
        let mut names = Vec::new();
        for clause in clauses(t, start) {
            if let Some((key, end)) = t.name_at(clause.start) {
                let written = super::support_pg_mysql::text_of(ctx, &(clause.start..end))
                    .map_or_else(|| key.clone(), str::to_string);
                names.push((key, written));
            }
        }
        if names.is_empty() {
            return;
        }
        let risky: Vec<&(String, String)> = names
            .iter()
            .filter(|(key, _)| {
                table_of_index(ctx, key).map_or(true, |table| !ctx.is_new_table(table))
            })
            .collect();
        let Some((first, _)) = risky.first() else {
            return;
        };
        let if_exists = if t.is_word(2, "IF") { "IF EXISTS " } else { "" };
        let rewrite: Vec<String> = risky
            .iter()
            .map(|(_, written)| {
                let sql = format!("DROP INDEX CONCURRENTLY {if_exists}{written}");
                run_alone(ctx, &sql, false, "DROP INDEX CONCURRENTLY")
            })
            .collect();
        let mut finding = Finding::new(
            self.default_severity(),
            format!("DROP INDEX `{first}` without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on its table"),
            "A plain DROP INDEX needs ACCESS EXCLUSIVE on the index's table. The drop itself is \
             quick, but the lock request waits for every open transaction on the table, and every \
             new query on it, SELECT included, queues behind the request: one long report stalls \
             the app. DROP INDEX CONCURRENTLY waits for those transactions without blocking anyone; \
             it takes one index per statement, no CASCADE, and runs outside a transaction (bellows \
             runs it alone). Drop an index the running app still uses only in a contract phase.",
        );
        if let Some(table) = table_of_index(ctx, first) {
            finding = finding.on_table(table);
        }
        out.push(finding.suggest(rewrite.join("\n")));
    }
}
