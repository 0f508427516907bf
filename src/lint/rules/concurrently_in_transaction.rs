//! `concurrently-in-transaction`: a PostgreSQL `CONCURRENTLY` statement that will run inside a
//! transaction block (an explicit `BEGIN`, or a runner that wraps the file), where the server
//! refuses it. Works on tokens, so unparsable forms are covered.

use super::support::rewrite::run_alone;
use crate::lint::{Finding, Rule, Severity, StatementContext, POSTGRES};
use crate::sql::Dialect;

/// Flags concurrent index builds, drops, reindexes and partition detaches in a transaction.
pub(crate) struct ConcurrentlyInTransaction;

impl Rule for ConcurrentlyInTransaction {
    fn id(&self) -> &'static str {
        "concurrently-in-transaction"
    }

    fn default_severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "A CONCURRENTLY statement inside a transaction block fails at run time."
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let t = ctx.tokens;
        let what = if t.is_word(0, "CREATE") && t.find_seq(1, &["INDEX", "CONCURRENTLY"]).is_some()
        {
            "CREATE INDEX CONCURRENTLY"
        } else if t.starts_with(&["DROP", "INDEX", "CONCURRENTLY"]) {
            "DROP INDEX CONCURRENTLY"
        } else if t.is_word(0, "REINDEX") && t.has("CONCURRENTLY") {
            "REINDEX CONCURRENTLY"
        } else if t.starts_with(&["ALTER", "TABLE"])
            && t.has("DETACH")
            && t.has("PARTITION")
            && t.has("CONCURRENTLY")
        {
            "DETACH PARTITION CONCURRENTLY"
        } else {
            return;
        };
        if !ctx.in_transaction() {
            return;
        }
        let whose = if ctx.file.in_explicit_transaction {
            "an explicit BEGIN earlier in the file is still open"
        } else {
            "the runner wraps the whole file in a transaction (--transaction-mode always)"
        };
        let finding = Finding::new(
            self.default_severity(),
            format!("{what} cannot run inside a transaction block, and here {whose}"),
            "PostgreSQL refuses CONCURRENTLY statements in a transaction block: the statement fails \
             with `cannot run inside a transaction block`, the transaction aborts, and the \
             migration stops half-applied under runners that do not roll the file back as a whole. \
             No lock is taken, but nothing after it runs. CONCURRENTLY works by committing several \
             internal transactions and waiting for other sessions, which one outer transaction \
             forbids. Give the statement its own transaction-free step: remove BEGIN/COMMIT around \
             it (bellows runs it alone), or, for a runner that wraps files, put it alone in a file \
             that opts out (sqlx: `-- no-transaction` on the first line).",
        );
        let rewrite = run_alone(ctx, ctx.sql, ctx.ast.is_some(), what);
        out.push(finding.suggest(rewrite));
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{check_with, pg, report_with};
    use crate::lint::{LintOptions, TransactionMode};
    use crate::sql::Dialect;

    const ID: &str = "concurrently-in-transaction";

    fn wrapped() -> LintOptions {
        let mut options = LintOptions::new(Dialect::Postgres);
        options.transaction_mode = TransactionMode::Always;
        options
    }

    fn found(options: LintOptions, sql: &str) -> bool {
        report_with(options, "migration.sql", sql)
            .diagnostics()
            .any(|d| d.rule == ID)
    }

    #[test]
    fn flags_concurrently_inside_an_explicit_begin() {
        insta::assert_snapshot!(pg(
            "BEGIN;\nCREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id);\nCOMMIT;"
        ));
    }

    #[test]
    fn flags_a_file_the_runner_wraps_in_a_transaction() {
        insta::assert_snapshot!(check_with(
            wrapped(),
            "DROP INDEX CONCURRENTLY users_legacy_idx;"
        ));
    }

    #[test]
    fn passes_bellows_auto_mode_and_after_commit() {
        let pg_opts = || LintOptions::new(Dialect::Postgres);
        assert!(!found(
            pg_opts(),
            "CREATE INDEX CONCURRENTLY i ON t (a);\nREINDEX TABLE CONCURRENTLY t;"
        ));
        assert!(!found(
        pg_opts(),
        "BEGIN;\nALTER TABLE t ADD COLUMN c int;\nCOMMIT;\nCREATE INDEX CONCURRENTLY i ON t (c);"
    ));
        let mut never = pg_opts();
        never.transaction_mode = TransactionMode::Never;
        assert!(!found(never, "CREATE INDEX CONCURRENTLY i ON t (a);"));
    }

    #[test]
    fn passes_a_wrapped_file_that_opts_out_with_no_transaction() {
        assert!(!found(
            wrapped(),
            "-- no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);"
        ));
        assert!(found(
            wrapped(),
            "ALTER TABLE t DETACH PARTITION t_2020 CONCURRENTLY;"
        ));
    }
}
