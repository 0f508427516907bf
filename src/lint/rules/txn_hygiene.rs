//! `txn-hygiene`: a `BEGIN` nested in a transaction the file already opened, or a `BEGIN`
//! with no `COMMIT`/`ROLLBACK` before the end of its phase. Either leaves the migration's
//! transaction boundaries different from what its author reads.

use crate::lint::state::is_begin;
use crate::lint::{Finding, Rule, Severity, StatementContext};

/// Flags nested and unterminated explicit transactions.
pub(crate) struct TxnHygiene;

impl Rule for TxnHygiene {
    fn id(&self) -> &'static str {
        "txn-hygiene"
    }

    fn default_severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "A nested BEGIN, or a BEGIN without COMMIT or ROLLBACK."
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        if !is_begin(ctx.tokens) {
            return;
        }
        if ctx.file.in_explicit_transaction {
            out.push(Finding::new(
                self.default_severity(),
                "BEGIN inside a transaction the file already opened",
                "PostgreSQL ignores a nested BEGIN with a warning, so the inner COMMIT ends the \
                 outer transaction early; MySQL commits the open transaction implicitly. Either \
                 way the statements do not run in the transactions the file shows. Remove the \
                 inner BEGIN or COMMIT the first transaction before it.",
            ));
            return;
        }
        let closed = ctx.later.closes_transaction();
        if !closed {
            out.push(
                Finding::new(
                    self.default_severity(),
                    "BEGIN without COMMIT or ROLLBACK before the end of the phase",
                    "The transaction stays open after the phase: the runner commits or rolls it back \
                     on its own terms, and every lock taken inside it is held until then. MySQL \
                     commits it implicitly at the next DDL statement anyway. Close it with COMMIT.",
                )
                .suggest(format!("{};\n-- ... the statements of the transaction ...\nCOMMIT;", ctx.sql.trim_end())),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{pg, rules_pg};

    #[test]
    fn flags_a_nested_begin() {
        insta::assert_snapshot!(pg(
            "BEGIN;\nALTER TABLE t ADD COLUMN a int;\nBEGIN;\nCOMMIT;\nCOMMIT;"
        ));
    }

    #[test]
    fn flags_a_begin_that_is_never_closed() {
        insta::assert_snapshot!(pg("BEGIN;\nALTER TABLE t ADD COLUMN a int;\n"));
    }

    #[test]
    fn passes_balanced_transactions_and_savepoints() {
        // bellows itself refuses transaction control (`runner-refuses`); the file is sound
        // for a runner that leaves transactions to it.
        let sql = "BEGIN;\nALTER TABLE t ADD COLUMN a int;\nSAVEPOINT s;\nROLLBACK TO s;\nCOMMIT;\nSTART TRANSACTION;\nROLLBACK;";
        assert!(!rules_pg(sql).contains(&"txn-hygiene"));
        let mut options = crate::lint::LintOptions::new(crate::Dialect::Postgres);
        options.transaction_mode = crate::lint::TransactionMode::Never;
        let report = crate::lint::testing::report_with(options, "m.sql", sql);
        assert!(report
            .diagnostics()
            .all(|d| d.rule != "txn-hygiene" && d.rule != "runner-refuses"));
    }
}
