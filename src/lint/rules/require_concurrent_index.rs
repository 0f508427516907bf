//! `require-concurrent-index`: `CREATE [UNIQUE] INDEX` without `CONCURRENTLY` on an existing
//! PostgreSQL table blocks writes for the whole build. Works from the AST, and from tokens
//! when the parser cannot read the statement.

use super::support::rewrite::PG14_UPGRADE;
use crate::lint::{table_key, Finding, Rule, Severity, StatementContext, POSTGRES};
use crate::sql::Dialect;
use sqlparser::ast::Statement;

/// Flags non-concurrent index builds on tables the file did not create.
pub(crate) struct RequireConcurrentIndex;

impl Rule for RequireConcurrentIndex {
    fn id(&self) -> &'static str {
        "require-concurrent-index"
    }

    fn default_severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "CREATE INDEX without CONCURRENTLY on an existing table blocks writes while it builds."
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let (concurrently, table) = match ctx.ast {
            Some(Statement::CreateIndex(ci)) => {
                // A table an earlier file of the change created is empty: no build to wait for.
                if !ci.concurrently && ctx.is_new_or_pending("", Some(&ci.table_name)) {
                    return;
                }
                (ci.concurrently, Some(table_key(&ci.table_name)))
            }
            Some(_) => return,
            None => {
                let t = ctx.tokens;
                let index = if t.is_word(1, "UNIQUE") { 2 } else { 1 };
                if !t.is_word(0, "CREATE") || !t.is_word(index, "INDEX") {
                    return;
                }
                let table = t.find_seq(index, &["ON"]).and_then(|on| {
                    let at = if t.is_word(on + 1, "ONLY") {
                        on + 2
                    } else {
                        on + 1
                    };
                    t.name_at(at).map(|(name, _)| name)
                });
                (t.has("CONCURRENTLY"), table)
            }
        };
        let version = ctx.version();
        if concurrently {
            if ctx.options.server_version.is_some()
                && version.major == 14
                && !version.at_least(14, 4)
            {
                out.push(Finding::new(
                    Severity::Warning,
                    format!("CREATE INDEX CONCURRENTLY on PostgreSQL {version} can build a corrupt index"),
                    "PostgreSQL 14.0 to 14.3 have a bug that can silently corrupt indexes built or \
                     rebuilt CONCURRENTLY. Upgrade to 14.4 or later before running this migration.",
                )
                .suggest(PG14_UPGRADE));
            }
            return;
        }
        let Some(table) = table else { return };
        if ctx.is_new_table(&table) {
            return;
        }
        let mut finding = Finding::new(
            self.default_severity(),
            format!("CREATE INDEX on `{table}` without CONCURRENTLY blocks writes to the table while the index builds"),
            "A plain CREATE INDEX holds a SHARE lock on the table for the whole build: every INSERT, \
             UPDATE and DELETE waits, which on a large table means minutes of stalled writes. \
             CONCURRENTLY builds without blocking writes; it must run outside a transaction \
             (bellows runs it alone) and a failed build leaves an INVALID index to drop and rebuild.",
        )
        .on_table(table);
        if let Some(rewrite) = ctx
            .tokens
            .find_seq(0, &["INDEX"])
            .and_then(|i| ctx.insert_after_token(i, " CONCURRENTLY"))
        {
            finding = finding.suggest(format!("{rewrite};"));
        }
        out.push(finding);
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{at, pg, rules_pg};
    use crate::sql::Dialect;

    #[test]
    fn flags_a_plain_index_on_an_existing_table() {
        insta::assert_snapshot!(pg("CREATE INDEX users_email_idx ON users (email);"));
    }

    #[test]
    fn flags_a_unique_index_spanning_lines() {
        insta::assert_snapshot!(pg("-- bellows:expand\nCREATE UNIQUE INDEX users_email_key\n    ON public.users (lower(email));\n"));
    }

    #[test]
    fn token_path_flags_what_the_parser_cannot_read() {
        // sqlparser 0.63 does not read `ON ONLY`; the token path still flags the missing
        // CONCURRENTLY, next to the unparsed-statement warning.
        insta::assert_snapshot!(pg("CREATE INDEX i ON ONLY measurements USING brin (ts) WITH (pages_per_range = 32) TABLESPACE fast WHERE $$weird$$;"));
    }

    #[test]
    fn passes_concurrently_and_new_tables() {
        assert!(rules_pg("CREATE INDEX CONCURRENTLY users_email_idx ON users (email);").is_empty());
        assert!(
            rules_pg("CREATE TABLE t (id bigint, a text);\nCREATE INDEX t_a_idx ON t (a);")
                .is_empty()
        );
        assert!(
            rules_pg("CREATE TABLE IF NOT EXISTS \"T\" (a int);\nCREATE INDEX ON \"T\" (a);")
                .is_empty()
        );
    }

    #[test]
    fn suppressed_with_a_reason() {
        assert!(rules_pg("-- bellows:allow require-concurrent-index table is empty at this point\nCREATE INDEX i ON t (a);").is_empty());
        assert!(rules_pg(
            "CREATE INDEX i ON t (a); -- bellows:allow require-concurrent-index tiny lookup table"
        )
        .is_empty());
    }

    #[test]
    fn warns_about_the_pg14_concurrent_build_bug() {
        insta::assert_snapshot!(at(
            Dialect::Postgres,
            "14.2",
            "CREATE INDEX CONCURRENTLY i ON t (a);"
        ));
        assert!(at(
            Dialect::Postgres,
            "14.4",
            "CREATE INDEX CONCURRENTLY i ON t (a);"
        )
        .starts_with("clean"));
    }
}

#[cfg(test)]
mod folder_tests {
    use crate::lint::testing::folder_report;
    use crate::lint::LintOptions;
    use crate::sql::Dialect;

    fn rules(shipped: &[&str], change: bool, files: &[&str]) -> Vec<&'static str> {
        let options = LintOptions::new(Dialect::Postgres);
        let report = folder_report(options, shipped, change, files);
        report.diagnostics().map(|d| d.rule).collect()
    }

    #[test]
    fn passes_an_index_on_a_table_an_earlier_file_of_the_change_created() {
        let create = "CREATE TABLE invites (id bigint PRIMARY KEY, code text);";
        let index = "CREATE UNIQUE INDEX invites_code_key ON invites (code);";
        assert!(rules(&[], true, &[create, index]).is_empty());
        // Shipped earlier (not part of the change): the table may be large by now.
        assert_eq!(
            rules(&[create], true, &[index]),
            ["require-concurrent-index"]
        );
        // Without knowing what the change is, only the same file counts as new.
        assert_eq!(
            rules(&[], false, &[create, index]),
            ["require-concurrent-index"]
        );
    }
}
