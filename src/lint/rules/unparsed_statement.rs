//! `unparsed-statement`: a statement the parser cannot read is reported, never silently
//! passed. Token-level checks of other rules still run on it.

use super::support::known;
use super::support::scan::Clause;
use super::support::spans::span_of;
use crate::lint::{Finding, ParseFailure, Rule, Severity, StatementContext};
use sqlparser::tokenizer::Span;

/// Statement forms sqlparser 0.63 cannot read whose whole risk other rules judge from tokens
/// (`require-concurrent-index-drop`, `require-concurrent-reindex`,
/// `table-rewrite-maintenance`): reporting them as unread would only be noise on the safe
/// forms (`DROP INDEX CONCURRENTLY`, `REINDEX ... CONCURRENTLY`, plain `VACUUM`).
fn covered_by_token_rules(ctx: &StatementContext<'_>) -> bool {
    covered(ctx.dialect(), ctx.sql)
}

/// Whether `sql` is one of the forms [`covered_by_token_rules`] accepts.
#[must_use]
pub(crate) fn covered(dialect: crate::Dialect, sql: &str) -> bool {
    if dialect.is_mysql_family() {
        // `mysql-blocking-index` judges all of CREATE FULLTEXT / SPATIAL INDEX.
        let words = crate::sql::leading_words(sql, 3);
        let blocking_index = words.len() == 3
            && words[0] == "CREATE"
            && matches!(words[1].as_str(), "FULLTEXT" | "SPATIAL")
            && words[2] == "INDEX";
        return blocking_index || mysql_charset_conversion(sql);
    }
    let words = crate::sql::leading_words(sql, 3);
    let w = |i: usize| words.get(i).map_or("", String::as_str);
    matches!(
        (w(0), w(1), w(2)),
        ("DROP", "INDEX", "CONCURRENTLY")
            | ("REINDEX", _, _)
            | ("CLUSTER", _, _)
            | ("VACUUM", _, _)
    )
}

/// MySQL `ALTER TABLE t CONVERT TO CHARACTER SET ...` with at most `ALGORITHM=` / `LOCK=`
/// beside it: `mysql-table-rebuild` judges all of it (reporting it unread too would say the
/// same statement twice).
fn mysql_charset_conversion(sql: &str) -> bool {
    let words = crate::sql::leading_words(sql, 8);
    let at = words.iter().position(|w| w == "CONVERT");
    let mut parts = sql.split(',');
    words.first().is_some_and(|w| w == "ALTER")
        && at.is_some_and(|i| i <= 5 && words.get(i + 1).is_some_and(|w| w == "TO"))
        && parts.next().is_some()
        && parts.all(|p| {
            let p = p.trim_start().to_ascii_uppercase();
            p.starts_with("ALGORITHM") || p.starts_with("LOCK")
        })
}

/// Reports statements sqlparser cannot read, with its message and position.
pub(crate) struct UnparsedStatement;

impl Rule for UnparsedStatement {
    fn id(&self) -> &'static str {
        "unparsed-statement"
    }

    fn default_severity(&self) -> Severity {
        Severity::Warning
    }

    fn summary(&self) -> &'static str {
        "A statement the SQL parser cannot read; only token-level checks ran on it."
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let Some(failure) = ctx.parse_failure else {
            return;
        };
        if covered_by_token_rules(ctx) || known::statement(ctx) {
            return;
        }
        if !failure.unread.is_empty() {
            let clauses = failure.unread.iter().map(|u| Clause {
                t: ctx.tokens,
                start: u.tokens.start,
                end: u.tokens.end,
            });
            if clauses.clone().all(|c| known::clause(&c)) {
                return;
            }
            if ctx.ast.is_some() {
                self.clauses(ctx, failure, out);
                return;
            }
        }
        let mut finding = Finding::new(
            self.default_severity(),
            format!("the {} parser cannot read this statement: {}", ctx.dialect(), failure.message),
            "Only token-level checks ran on it, so a dangerous form may go unnoticed. Review it by \
             hand, then silence this with `-- bellows:allow unparsed-statement <reason>`.",
        );
        if let Some(at) = failure.at.filter(|l| l.line > 0) {
            let end = sqlparser::tokenizer::Location {
                line: at.line,
                column: at.column + 1,
            };
            finding = finding.at(Span::new(at, end));
        }
        out.push(finding);
    }
}

impl UnparsedStatement {
    /// The clauses of an `ALTER TABLE` the parser could not read, each reported at itself
    /// unless it is a form known to change only the catalog; the other clauses were read
    /// and checked.
    fn clauses(&self, ctx: &StatementContext<'_>, failure: &ParseFailure, out: &mut Vec<Finding>) {
        for unread in &failure.unread {
            let clause = Clause {
                t: ctx.tokens,
                start: unread.tokens.start,
                end: unread.tokens.end,
            };
            if known::clause(&clause) {
                continue;
            }
            let text = clause.text(ctx, 0, clause.end - clause.start);
            let mut finding = Finding::new(
                self.default_severity(),
                format!(
                    "the {} parser cannot read the clause `{text}` ({}); the statement's other clauses were checked",
                    ctx.dialect(),
                    unread.message
                ),
                "Only token-level checks ran on this clause, so a dangerous form may go unnoticed. \
                 Review it by hand, then silence this with `-- bellows:allow unparsed-statement \
                 <reason>`.",
            );
            if let Some(span) = span_of(ctx.tokens, &unread.tokens) {
                finding = finding.at(span);
            }
            out.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{mysql, pg, rules_pg};

    #[test]
    fn reports_the_parser_message_and_position() {
        insta::assert_snapshot!(pg(
            "-- bellows:expand\nDO $$ BEGIN UPDATE t SET a = 1; END $$;\n"
        ));
    }

    #[test]
    fn reports_mariadb_extensions_on_mysql() {
        insta::assert_snapshot!(mysql(
            "ALTER TABLE users ADD COLUMN IF NOT EXISTS note text, ALGORITHM=NOCOPY;"
        ));
    }

    #[test]
    fn token_checks_still_run_and_allow_silences_it() {
        let sql =
            "-- bellows:allow unparsed-statement reviewed by hand\nCREATE INDEX i ON ONLY t (a);";
        assert_eq!(rules_pg(sql), vec!["require-concurrent-index"]);
    }

    #[test]
    fn passes_readable_statements() {
        assert!(rules_pg("SELECT 1;\nUPDATE t SET a = 1 WHERE id = 3;").is_empty());
    }
}
