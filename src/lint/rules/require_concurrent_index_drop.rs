//! `require-concurrent-index-drop`: `DROP INDEX` without `CONCURRENTLY` on PostgreSQL queues
//! an ACCESS EXCLUSIVE lock on the index's table. Works on tokens, so it also sees
//! `DROP INDEX CONCURRENTLY`, which sqlparser 0.63 cannot read.

use super::support::file::table_of_index;
use super::support::rewrite::run_alone;
use super::support::scan::{clauses, skip_modifiers};
use super::support::spans::text_of;
use crate::lint::{Finding, Rule, Severity, StatementContext, POSTGRES};
use crate::sql::Dialect;

/// Flags index drops that block every query on the table while they wait for their lock.
pub(crate) struct RequireConcurrentIndexDrop;

impl RequireConcurrentIndexDrop {
    /// `DROP INDEX CONCURRENTLY` accepts one index and no `CASCADE`: anything else fails.
    fn check_concurrent(
        &self,
        ctx: &StatementContext<'_>,
        names: &[(String, String)],
        out: &mut Vec<Finding>,
    ) {
        let cascade = ctx.tokens.has("CASCADE");
        if names.len() < 2 && !cascade {
            return;
        }
        let if_exists = if ctx.tokens.is_word(3, "IF") {
            "IF EXISTS "
        } else {
            ""
        };
        let rewrite: Vec<String> = names
            .iter()
            .map(|(_, written)| {
                let sql = format!("DROP INDEX CONCURRENTLY {if_exists}{written}");
                run_alone(ctx, &sql, false, "DROP INDEX CONCURRENTLY")
            })
            .collect();
        out.push(
            Finding::new(
                Severity::Error,
                "DROP INDEX CONCURRENTLY accepts a single index and no CASCADE: this statement fails at run time",
                "PostgreSQL refuses DROP INDEX CONCURRENTLY with several indexes or with CASCADE, \
                 so the migration stops here. Drop each index in its own statement, and drop \
                 objects that depend on it explicitly beforehand.",
            )
            .suggest(rewrite.join("\n")),
        );
    }
}

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
        if !t.starts_with(&["DROP", "INDEX"]) {
            return;
        }
        let concurrently = t.is_word(2, "CONCURRENTLY");
        let start = skip_modifiers(t, if concurrently { 3 } else { 2 });
        let mut names = Vec::new();
        for clause in clauses(t, start) {
            if let Some((key, end)) = t.name_at(clause.start) {
                let written =
                    text_of(ctx, &(clause.start..end)).map_or_else(|| key.clone(), str::to_string);
                names.push((key, written));
            }
        }
        if names.is_empty() {
            return;
        }
        if concurrently {
            self.check_concurrent(ctx, &names, out);
            return;
        }
        let risky: Vec<&(String, String)> = names
            .iter()
            .filter(|(key, _)| {
                table_of_index(ctx, key).is_none_or(|table| !ctx.is_new_table(table))
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

#[cfg(test)]
mod tests {
    use crate::lint::testing::{pg, rules_pg};

    const ID: &str = "require-concurrent-index-drop";

    #[test]
    fn flags_a_plain_drop() {
        insta::assert_snapshot!(pg("DROP INDEX users_legacy_idx;"));
    }

    #[test]
    fn flags_each_index_of_a_list_and_drops_cascade_from_the_rewrite() {
        insta::assert_snapshot!(pg(
            "-- bellows:contract\nDROP INDEX IF EXISTS public.orders_a_idx, \"Orders_B\" CASCADE;"
        ));
    }

    #[test]
    fn passes_concurrently_even_though_the_parser_cannot_read_it() {
        let found = rules_pg("DROP INDEX CONCURRENTLY IF EXISTS users_legacy_idx;");
        assert!(
            found.is_empty(),
            "the safe form is quiet, unparsed-statement included: {found:?}"
        );
    }

    #[test]
    fn passes_an_index_on_a_table_created_in_the_same_file() {
        let sql = "CREATE TABLE t (a int);\nCREATE INDEX t_a_idx ON t (a);\nDROP INDEX t_a_idx;";
        assert!(!rules_pg(sql).contains(&ID));
        // The same drop of an index on an existing table is flagged.
        let sql = "CREATE INDEX CONCURRENTLY u_a_idx ON users (a);\nDROP INDEX u_a_idx;";
        assert!(rules_pg(sql).contains(&ID));
    }

    #[test]
    fn flags_a_concurrent_drop_postgres_would_refuse() {
        insta::assert_snapshot!(pg(
            "DROP INDEX CONCURRENTLY IF EXISTS a_idx, b_idx CASCADE;"
        ));
    }
}
