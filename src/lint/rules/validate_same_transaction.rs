//! `validate-same-transaction`: `ALTER TABLE ... VALIDATE CONSTRAINT c` in the same PostgreSQL
//! transaction that added `c` `NOT VALID`. The framework numbers transactions (explicit
//! blocks, a wrapping runner, or bellows' one transaction per phase), so this rule only
//! compares the numbers.

use super::support::alter::alter_existing;
use super::support::spans::text_of;
use crate::lint::{Finding, Rule, Severity, StatementContext, POSTGRES};
use crate::sql::Dialect;

/// Flags validation that runs while the ACCESS EXCLUSIVE lock of the add is still held.
pub struct ValidateSameTransaction;

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
