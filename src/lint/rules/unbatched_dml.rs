//! `unbatched-dml`: an `UPDATE` or `DELETE` without a tight bound in an expand or contract
//! phase touches the whole table in one transaction, holding row locks on all of it. It
//! belongs in a `-- bellows:backfill` section, which bellows runs in key-range batches.

use super::support::bounds::{is_catalog, Keys};
use crate::lint::{table_key, Finding, Rule, Severity, StatementContext};
use crate::migration::PhaseKind;
use sqlparser::ast::{FromTable, Statement, TableFactor};

/// Flags whole-table `UPDATE`/`DELETE` outside a backfill section.
pub(crate) struct UnbatchedDml;

impl Rule for UnbatchedDml {
    fn id(&self) -> &'static str {
        "unbatched-dml"
    }

    fn default_severity(&self) -> Severity {
        Severity::Warning
    }

    fn summary(&self) -> &'static str {
        "UPDATE/DELETE without a tight bound outside a backfill section."
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        if !matches!(ctx.phase, PhaseKind::Expand | PhaseKind::Contract) {
            return;
        }
        let (verb, table, selection, limited) = match ctx.ast {
            Some(Statement::Update(u)) => {
                let TableFactor::Table { name, .. } = &u.table.relation else {
                    return;
                };
                ("UPDATE", name, u.selection.as_ref(), u.limit.is_some())
            }
            Some(Statement::Delete(d)) => {
                let (FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from)) = &d.from;
                let Some(TableFactor::Table { name, .. }) = from.first().map(|t| &t.relation)
                else {
                    return;
                };
                ("DELETE", name, d.selection.as_ref(), d.limit.is_some())
            }
            _ => return,
        };
        let key = table_key(table);
        if limited || ctx.is_new_or_pending(&key, Some(table)) || is_catalog(table) {
            return;
        }
        if selection.is_some_and(|e| Keys::of(ctx, table).bound(e)) {
            return;
        }
        let what = if selection.is_some() {
            format!("{verb} of `{table}` in one statement, with a filter that bounds no key column")
        } else {
            format!("{verb} of the whole `{table}` table in one statement")
        };
        out.push(
            Finding::new(
                self.default_severity(),
                format!("{what}; move it to a backfill section"),
                "One statement over every row holds row locks on all of them until it commits, blocks \
                 the app's writes to those rows, bloats the table and lags replicas. A \
                 `-- bellows:backfill` section runs the same statement in key-range batches, \
                 resumable and throttled.",
            )
            .suggest(format!(
                "-- bellows:backfill table={key}\n{}{};",
                ctx.sql.trim_end(),
                // The runner asks a DELETE to say which rows it removes.
                if verb == "DELETE" && selection.is_none() { " WHERE true" } else { "" }
            ))
            .on_table(key),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{mysql, pg, rules_pg};

    #[test]
    fn flags_a_whole_table_update_in_expand() {
        insta::assert_snapshot!(pg(
        "-- bellows:expand\nALTER TABLE users ADD COLUMN primary_email text;\nUPDATE users SET primary_email = email_address WHERE primary_email IS NULL;\n"
    ));
    }

    #[test]
    fn flags_a_whole_table_delete_on_mysql() {
        insta::assert_snapshot!(mysql("DELETE FROM sessions;"));
    }

    #[test]
    fn passes_bounded_statements_backfills_and_new_tables() {
        assert!(rules_pg("UPDATE users SET plan = 'pro' WHERE id = 42;").is_empty());
        assert!(rules_pg("DELETE FROM users WHERE id IN (1, 2, 3);").is_empty());
        assert!(
            rules_pg("UPDATE users SET a = 1 WHERE id BETWEEN 1 AND 1000 AND a IS NULL;")
                .is_empty()
        );
        assert!(rules_pg(
            "-- bellows:backfill table=users\nUPDATE users SET a = b WHERE a IS NULL;"
        )
        .is_empty());
        assert!(rules_pg("CREATE TABLE t (a int);\nUPDATE t SET a = 1;").is_empty());
        assert_eq!(
            rules_pg("UPDATE users SET a = 1 WHERE id = 1 OR a IS NULL;"),
            vec!["unbatched-dml"]
        );
    }
}
