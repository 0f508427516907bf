//! `require-concurrent-reindex`: `REINDEX` without `CONCURRENTLY` on PostgreSQL blocks writes
//! to the table and, through the planner, nearly every read. Works on tokens: sqlparser 0.63
//! cannot read `REINDEX`.

use super::support::file::table_of_index;
use super::support::rewrite::{run_alone, PG14_UPGRADE};
use super::support::scan::is_punct;
use crate::lint::{Finding, Rule, Severity, StatementContext, POSTGRES};
use crate::sql::Dialect;

/// Flags index rebuilds that lock the table; suggests `CONCURRENTLY` on PostgreSQL 12+.
pub(crate) struct RequireConcurrentReindex;

impl Rule for RequireConcurrentReindex {
    fn id(&self) -> &'static str {
        "require-concurrent-reindex"
    }

    fn default_severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "REINDEX without CONCURRENTLY blocks writes, and in practice reads, on the table."
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let t = ctx.tokens;
        if !t.is_word(0, "REINDEX") {
            return;
        }
        // `REINDEX ( option [, ...] )`: CONCURRENTLY may be one of the options (PG 14+).
        let mut kind = 1;
        let mut concurrent_option = false;
        if is_punct(t, 1, "(") {
            let close = (2..t.all().len()).find(|&i| is_punct(t, i, ")"));
            let Some(close) = close else { return };
            concurrent_option = (2..close).any(|i| {
                t.is_word(i, "CONCURRENTLY")
                    && !(t.is_word(i + 1, "FALSE") || t.is_word(i + 1, "OFF"))
                    && t.get(i + 1).is_none_or(|x| x.text != "0")
            });
            kind = close + 1;
        }
        let what = ["INDEX", "TABLE", "SCHEMA", "DATABASE"]
            .into_iter()
            .find(|w| t.is_word(kind, w));
        let Some(what) = what else { return }; // SYSTEM, or not a form we know
        if concurrent_option || t.is_word(kind + 1, "CONCURRENTLY") {
            out.extend(pg14_bug(ctx));
            return;
        }
        let name = t.name_at(kind + 1).map(|(n, _)| n);
        let table = match (what, &name) {
            ("TABLE", Some(n)) => Some(n.clone()),
            ("INDEX", Some(n)) => table_of_index(ctx, n).map(str::to_string),
            _ => None,
        };
        if table.as_deref().is_some_and(|tb| ctx.is_new_table(tb)) {
            return;
        }
        let target = name.as_deref().unwrap_or("the database");
        let mut finding = Finding::new(
            self.default_severity(),
            format!("REINDEX {what} `{target}` without CONCURRENTLY locks the table against writes, and nearly all reads, for the whole rebuild"),
            "A plain REINDEX holds a SHARE lock on the table (every INSERT, UPDATE and DELETE \
             waits) and ACCESS EXCLUSIVE on each index it rebuilds; since planning any query on \
             the table locks all its indexes, SELECTs wait too. For TABLE, SCHEMA or DATABASE this \
             happens table after table. REINDEX ... CONCURRENTLY (PostgreSQL 12+) builds a new \
             index beside the old one under SHARE UPDATE EXCLUSIVE and swaps them, so the app keeps \
             reading and writing; it must run outside a transaction (bellows runs it alone) and a \
             failure leaves an INVALID `_ccnew` index to drop.",
        );
        if let Some(table) = table {
            finding = finding.on_table(table);
        }
        if ctx.version().at_least(12, 0) {
            if let Some(rewrite) = ctx.insert_after_token(kind, " CONCURRENTLY") {
                finding = finding.suggest(run_alone(ctx, &rewrite, false, "REINDEX"));
            }
        } else {
            finding.why.push_str(&format!(
                " PostgreSQL {} has no REINDEX CONCURRENTLY: build a replacement with CREATE INDEX \
                 CONCURRENTLY, then remove the old one with DROP INDEX CONCURRENTLY.",
                ctx.version()
            ));
            finding = finding.suggest(
                "-- for each index to rebuild, each statement on its own (outside a transaction):\n\
                 --   CREATE INDEX CONCURRENTLY <index>_new ON <table> (<its columns>);\n\
                 --   DROP INDEX CONCURRENTLY <index>;\n\
                 --   ALTER INDEX <index>_new RENAME TO <index>;",
            );
        }
        out.push(finding);
    }
}

/// On a PostgreSQL 14.0 to 14.3 target, the warning about its concurrent build bug.
fn pg14_bug(ctx: &StatementContext<'_>) -> Option<Finding> {
    let version = ctx.version();
    let affected =
        ctx.options.server_version.is_some() && version.major == 14 && !version.at_least(14, 4);
    affected.then(|| {
        Finding::new(
            Severity::Warning,
            format!("REINDEX CONCURRENTLY on PostgreSQL {version} can build a corrupt index"),
            "PostgreSQL 14.0 to 14.3 can silently build indexes that miss rows when they build or \
             rebuild CONCURRENTLY (fixed in 14.4). Upgrade before running this migration.",
        )
        .suggest(PG14_UPGRADE)
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{at, pg, rules_pg};
    use crate::sql::Dialect;

    const ID: &str = "require-concurrent-reindex";

    #[test]
    fn flags_reindex_index_through_the_token_path() {
        insta::assert_snapshot!(pg("REINDEX INDEX users_email_idx;"));
    }

    #[test]
    fn flags_reindex_table_with_options() {
        insta::assert_snapshot!(pg("REINDEX (VERBOSE) TABLE public.orders;"));
    }

    #[test]
    fn on_postgres_11_explains_the_manual_rebuild_without_suggesting_concurrently() {
        insta::assert_snapshot!(at(Dialect::Postgres, "11", "REINDEX TABLE orders;"));
    }

    #[test]
    fn passes_concurrently_system_and_new_tables() {
        for sql in [
            "REINDEX INDEX CONCURRENTLY users_email_idx;",
            "REINDEX (CONCURRENTLY, VERBOSE) TABLE orders;",
            "REINDEX SYSTEM;",
            "CREATE TABLE t (a int);\nREINDEX TABLE t;",
            "CREATE TABLE t (a int);\nCREATE INDEX t_a ON t (a);\nREINDEX INDEX t_a;",
        ] {
            assert!(!rules_pg(sql).contains(&ID), "{sql}");
        }
    }

    #[test]
    fn warns_about_the_pg14_concurrent_build_bug() {
        insta::assert_snapshot!(at(
            Dialect::Postgres,
            "14.3",
            "REINDEX INDEX CONCURRENTLY users_email_idx;"
        ));
        let fixed = at(
            Dialect::Postgres,
            "14.4",
            "REINDEX INDEX CONCURRENTLY users_email_idx;",
        );
        assert!(!fixed.contains("require-concurrent-reindex"));
    }
}
