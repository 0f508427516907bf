//! `concurrently-in-transaction`: a PostgreSQL `CONCURRENTLY` statement that will run inside a
//! transaction block (an explicit `BEGIN`, or a runner that wraps the file), where the server
//! refuses it. Works on tokens, so unparsable forms are covered.

use super::support::rewrite::run_alone;
use crate::lint::{Finding, Rule, Severity, StatementContext, POSTGRES};
use crate::sql::Dialect;

/// Flags concurrent index builds, drops, reindexes and partition detaches in a transaction.
pub struct ConcurrentlyInTransaction;

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
