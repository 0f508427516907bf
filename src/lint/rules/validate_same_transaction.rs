//! `validate-same-transaction`: `ALTER TABLE ... VALIDATE CONSTRAINT c` in the same PostgreSQL
//! transaction that added `c` `NOT VALID`. The framework numbers transactions (explicit
//! blocks, a wrapping runner, or bellows' one transaction per phase), so this rule only
//! compares the numbers.

use super::support::alter::alter_existing;
use super::support::spans::text_of;
use crate::lint::{Finding, Rule, Severity, StatementContext, POSTGRES};
use crate::sql::Dialect;

/// Flags validation that runs while the ACCESS EXCLUSIVE lock of the add is still held.
pub(crate) struct ValidateSameTransaction;

impl Rule for ValidateSameTransaction {
    fn id(&self) -> &'static str {
        "validate-same-transaction"
    }

    fn default_severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "VALIDATE CONSTRAINT in the transaction that added it NOT VALID scans under ACCESS EXCLUSIVE."
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let t = ctx.tokens;
        let Some(alter) = alter_existing(ctx) else {
            return;
        };
        for clause in &alter.clauses {
            if !t.is_word(clause.start, "VALIDATE") {
                continue;
            }
            if !t.is_word(clause.start + 1, "CONSTRAINT") {
                continue;
            }
            let Some((name, _)) = t.name_at(clause.start + 2) else {
                continue;
            };
            let same = ctx
                .file
                .not_valid
                .iter()
                .any(|c| c.table == alter.table && c.name == name && c.txn == ctx.file.txn);
            if !same {
                continue;
            }
            let how = if ctx.file.in_explicit_transaction {
                "no COMMIT separates them"
            } else if ctx.in_transaction() {
                "the runner wraps the whole file in one transaction"
            } else {
                "the runner groups them into one transaction"
            };
            let table_sql = alter.written_name(ctx);
            let name_sql = text_of(ctx, &(clause.start + 2..clause.end)).unwrap_or(&name);
            out.push(
                Finding::new(
                    self.default_severity(),
                    format!("VALIDATE CONSTRAINT `{name}` runs in the same transaction that added it NOT VALID ({how}), so the table stays ACCESS EXCLUSIVE locked for the whole scan"),
                    "Locks are held until the transaction ends. ADD CONSTRAINT ... NOT VALID took \
                     ACCESS EXCLUSIVE on the table (and, for a foreign key, SHARE ROW EXCLUSIVE on \
                     the referenced table); validating before that transaction commits scans every \
                     row with those locks still held, so all the app's reads and writes on the \
                     table wait: exactly what NOT VALID was meant to avoid. Validate in a later \
                     phase or migration, where it takes only SHARE UPDATE EXCLUSIVE and the app \
                     keeps working.",
                )
                .on_table(alter.table.clone())
                .suggest(format!(
                    "-- bellows:contract\nALTER TABLE {table_sql} VALIDATE CONSTRAINT {name_sql};"
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{check_with, pg, report_with};
    use crate::lint::{LintOptions, TransactionMode};
    use crate::sql::Dialect;

    const ID: &str = "validate-same-transaction";

    const ADD: &str = "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;";
    const VALIDATE: &str = "ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;";

    fn found(options: LintOptions, sql: &str) -> bool {
        report_with(options, "migration.sql", sql)
            .diagnostics()
            .any(|d| d.rule == ID)
    }

    #[test]
    fn passes_validation_in_the_same_bellows_phase_which_bellows_runs_in_its_own_transaction() {
        let sql = format!("-- bellows:expand\n{ADD}\n{VALIDATE}");
        assert!(!found(LintOptions::new(Dialect::Postgres), &sql));
        assert!(!pg(&sql).contains(ID));
    }

    #[test]
    fn flags_validation_inside_one_explicit_transaction() {
        insta::assert_snapshot!(pg(
        "BEGIN;\nALTER TABLE orders ADD CONSTRAINT q CHECK (quantity > 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT q;\nCOMMIT;"
    ));
    }

    #[test]
    fn flags_a_file_the_runner_wraps_even_across_phases() {
        let mut wrapped = LintOptions::new(Dialect::Postgres);
        wrapped.transaction_mode = TransactionMode::Always;
        let sql = format!("-- bellows:expand\n{ADD}\n\n-- bellows:contract\n{VALIDATE}");
        assert!(found(wrapped.clone(), &sql));
        insta::assert_snapshot!(check_with(wrapped, &format!("{ADD}\n{VALIDATE}")));
    }

    #[test]
    fn passes_a_later_phase_a_commit_or_a_statement_that_runs_alone() {
        let opts = || LintOptions::new(Dialect::Postgres);
        assert!(!found(
            opts(),
            &format!("-- bellows:expand\n{ADD}\n\n-- bellows:contract\n{VALIDATE}")
        ));
        assert!(!found(
            opts(),
            &format!("BEGIN;\n{ADD}\nCOMMIT;\n{VALIDATE}")
        ));
        // CREATE INDEX CONCURRENTLY runs alone, so the phase's transaction ends before it.
        assert!(!found(
            opts(),
            &format!(
            "{ADD}\nCREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id);\n{VALIDATE}"
        )
        ));
        // A runner that sends statements one by one commits each of them.
        let mut never = opts();
        never.transaction_mode = TransactionMode::Never;
        assert!(!found(never, &format!("{ADD}\n{VALIDATE}")));
    }
}
