//! `require-concurrent-detach`: `ALTER TABLE parent DETACH PARTITION p` without
//! `CONCURRENTLY` takes ACCESS EXCLUSIVE on the partitioned table. Works on tokens, so it
//! checks the statement whether or not the parser reads it.

use super::support::alter::alter_table;
use super::support::rewrite::run_alone;
use super::support::scan::Clause;
use crate::lint::{Finding, Rule, Severity, StatementContext, POSTGRES};
use crate::sql::Dialect;

/// Flags partition detaches that block every query on the parent.
pub(crate) struct RequireConcurrentDetach;

/// The `DETACH PARTITION` clause of the statement.
fn detach<'t>(clauses: &[Clause<'t>]) -> Option<Clause<'t>> {
    clauses
        .iter()
        .find(|c| c.is_word(0, "DETACH") && c.is_word(1, "PARTITION"))
        .copied()
}

impl Rule for RequireConcurrentDetach {
    fn id(&self) -> &'static str {
        "require-concurrent-detach"
    }

    fn default_severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "DETACH PARTITION without CONCURRENTLY takes ACCESS EXCLUSIVE on the partitioned table."
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let Some(alter) = alter_table(ctx.tokens) else {
            return;
        };
        let Some(clause) = detach(&alter.clauses) else {
            return;
        };
        let concurrent = (2..clause.end - clause.start)
            .any(|k| clause.is_word(k, "CONCURRENTLY") || clause.is_word(k, "FINALIZE"));
        if concurrent || ctx.is_new_table(&alter.table) {
            return;
        }
        let parent = alter.written_name(ctx);
        let partition = clause.text(ctx, 2, clause.end - clause.start);
        let shown = parent.replace('"', "");
        let mut finding = if ctx.version().at_least(14, 0) {
            Finding::new(
                self.default_severity(),
                format!(
                    "detaching `{}` from `{shown}` blocks every query on `{shown}`",
                    partition.replace('"', "")
                ),
                "A plain DETACH PARTITION takes ACCESS EXCLUSIVE on the partitioned table: every \
                 read and write through it, on any partition, waits for the detach and for any \
                 long transaction ahead of it. DETACH PARTITION ... CONCURRENTLY (PostgreSQL 14+) \
                 takes SHARE UPDATE EXCLUSIVE on the parent instead, waits for the queries using \
                 it, and lets them run; it refuses a transaction block and a parent with a default \
                 partition. If it is interrupted, finish it with DETACH PARTITION ... FINALIZE.",
            )
            .suggest(run_alone(
                ctx,
                &format!("{} CONCURRENTLY", ctx.sql.trim_end()),
                false,
                "DETACH PARTITION",
            ))
        } else {
            Finding::new(
                self.default_severity(),
                format!("detaching a partition from `{shown}` blocks every query on it (no concurrent form before PostgreSQL 14)"),
                "A plain DETACH PARTITION takes ACCESS EXCLUSIVE on the partitioned table: every \
                 read and write through it waits for the detach and for any long transaction \
                 ahead of it. PostgreSQL 13 and older have no concurrent form: run it in a quiet \
                 window with a short lock_timeout, so it gives up rather than queue the app \
                 behind it, and retry.",
            )
            .suggest(format!(
                "SET lock_timeout = '2s';\n\
                 -- bellows:allow require-concurrent-detach{} no concurrent detach before PostgreSQL 14; run in a quiet window\n{};",
                if ctx.ast.is_none() { ",unparsed-statement" } else { "" },
                ctx.sql.trim_end()
            ))
        };
        finding = finding.on_table(alter.table.clone());
        if let Some(span) = clause.span() {
            finding = finding.at(span);
        }
        out.push(finding);
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{at, pg, rules_pg};
    use crate::sql::Dialect;

    #[test]
    fn flags_a_plain_detach() {
        insta::assert_snapshot!(pg(
            "ALTER TABLE measurements DETACH PARTITION measurements_2024;"
        ));
    }

    #[test]
    fn before_14_there_is_no_concurrent_form() {
        insta::assert_snapshot!(at(
            Dialect::Postgres,
            "13",
            "ALTER TABLE measurements DETACH PARTITION measurements_2024;"
        ));
    }

    #[test]
    fn passes_concurrent_and_finalize_and_new_tables() {
        for sql in [
            "ALTER TABLE m DETACH PARTITION m_2024 CONCURRENTLY;",
            "ALTER TABLE m DETACH PARTITION m_2024 FINALIZE;",
            "CREATE TABLE m (a int) PARTITION BY RANGE (a);\nALTER TABLE m DETACH PARTITION m_1;",
            "ALTER TABLE m ATTACH PARTITION m_2024 FOR VALUES FROM (1) TO (2);",
        ] {
            assert!(
                !rules_pg(sql).contains(&"require-concurrent-detach"),
                "{sql}"
            );
        }
    }
}
