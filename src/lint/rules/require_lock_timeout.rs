//! `require-lock-timeout`: a lock-taking DDL on an existing table, in a file another runner
//! applies (`--transaction-mode always|never`), with no lock timeout set earlier in the file.
//! Waiting for its lock, the statement queues every other query on the table behind it.
//! bellows' own runner sets a timeout before each DDL, so files it runs are not reported.

use super::support::alter::alter_table;
use super::support::spans::text_of;
use crate::lint::{
    directive_table, Finding, Rule, Severity, StatementContext, Tokens, TransactionMode,
};
use std::ops::Range;

/// Flags lock-taking DDL without an earlier `SET lock_timeout` in files other runners apply.
pub(crate) struct RequireLockTimeout;

impl Rule for RequireLockTimeout {
    fn id(&self) -> &'static str {
        "require-lock-timeout"
    }

    fn default_severity(&self) -> Severity {
        Severity::Warning
    }

    fn summary(&self) -> &'static str {
        "Lock-taking DDL with no lock timeout set earlier, in a file a runner other than bellows applies."
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        if ctx.options.transaction_mode == TransactionMode::Auto || ctx.file.lock_timeout_set {
            return;
        }
        let Some((table, written)) = locked_table(ctx.tokens) else {
            return;
        };
        let shown = text_of(ctx, &written).map_or_else(|| table.clone(), directive_table);
        if ctx.is_new_table(&table) {
            return;
        }
        let set = if ctx.dialect().is_mysql_family() {
            "SET SESSION lock_wait_timeout = 2;"
        } else {
            "SET lock_timeout = '2s';"
        };
        out.push(
            Finding::new(
                self.default_severity(),
                format!("no lock timeout is set before this DDL on `{shown}`"),
                "While the statement waits for its lock behind a long-running query, every other \
                 query on the table queues behind it: a short ALTER becomes an outage. PostgreSQL \
                 waits forever by default, MySQL for a year (lock_wait_timeout). Set a short \
                 timeout first and retry the migration when it fires.",
            )
            .suggest(format!("{set}\n{};", ctx.sql.trim_end()))
            .on_table(table),
        );
    }
}

/// The table a lock-taking DDL statement locks: `ALTER TABLE`, `CREATE INDEX` without
/// `CONCURRENTLY`, `CREATE TRIGGER ... ON`, `DROP TABLE`, `TRUNCATE`, `RENAME TABLE`.
/// Its key and the tokens of its name as written.
fn locked_table(t: &Tokens) -> Option<(String, Range<usize>)> {
    if let Some(alter) = alter_table(t) {
        return Some((alter.table, alter.name));
    }
    let name = |at: usize| t.name_at(at).map(|(n, end)| (n, at..end));
    let after = |from: usize, word: &str| {
        t.find_seq(from, &[word]).and_then(|i| {
            let at = if t.is_word(i + 1, "ONLY") {
                i + 2
            } else {
                i + 1
            };
            name(at)
        })
    };
    let skip_if = |i: usize| {
        if t.is_word(i, "IF") {
            i + 2 + usize::from(t.is_word(i + 1, "NOT"))
        } else {
            i
        }
    };
    if t.is_word(0, "CREATE")
        && (t.is_word(1, "INDEX") || (t.is_word(1, "UNIQUE") && t.is_word(2, "INDEX")))
    {
        return (!t.has("CONCURRENTLY")).then(|| after(1, "ON")).flatten();
    }
    if t.is_word(0, "CREATE") && (1..4).any(|i| t.is_word(i, "TRIGGER")) {
        return after(1, "ON");
    }
    if t.starts_with(&["DROP", "TABLE"]) || t.starts_with(&["RENAME", "TABLE"]) {
        return name(skip_if(2));
    }
    if t.is_word(0, "TRUNCATE") {
        let at = if t.is_word(1, "TABLE") { 2 } else { 1 };
        return name(at);
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{check_with, report_with, rules_pg};
    use crate::lint::{LintOptions, TransactionMode};
    use crate::sql::Dialect;

    fn other_runner(dialect: Dialect) -> LintOptions {
        let mut options = LintOptions::new(dialect);
        options.transaction_mode = TransactionMode::Never;
        options
    }

    fn rules(dialect: Dialect, sql: &str) -> Vec<&'static str> {
        report_with(other_runner(dialect), "m.sql", sql)
            .diagnostics()
            .map(|d| d.rule)
            .collect()
    }

    #[test]
    fn flags_ddl_without_a_timeout_in_a_file_another_runner_applies() {
        insta::assert_snapshot!(check_with(
            other_runner(Dialect::Postgres),
            "ALTER TABLE users ADD COLUMN nickname text;"
        ));
        insta::assert_snapshot!(check_with(
            other_runner(Dialect::Mysql),
            "ALTER TABLE users ADD COLUMN nickname text;"
        ));
    }

    #[test]
    fn names_mysql_tables_as_written() {
        for sql in [
            "TRUNCATE TABLE `Orders`;",
            "RENAME TABLE Orders TO orders_old;",
        ] {
            let report = report_with(other_runner(Dialect::Mysql), "m.sql", sql);
            let messages: Vec<&str> = report.diagnostics().map(|d| d.message.as_str()).collect();
            assert!(
                messages.iter().any(|m| m.contains("`Orders`")),
                "{messages:?}"
            );
            assert!(
                !messages.iter().any(|m| m.contains("`orders`")),
                "{messages:?}"
            );
        }
    }

    #[test]
    fn passes_after_set_lock_timeout_for_new_tables_and_under_bellows() {
        let sql = "SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN nickname text;";
        assert!(rules(Dialect::Postgres, sql).is_empty());
        let sql = "SET SESSION lock_wait_timeout = 5;\nALTER TABLE users ADD COLUMN nickname text;";
        assert!(rules(Dialect::Mysql, sql).is_empty());
        let sql = "CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN b int;";
        assert!(rules(Dialect::Postgres, sql).is_empty());
        assert!(rules(
            Dialect::Postgres,
            "CREATE INDEX CONCURRENTLY i ON users (a);"
        )
        .is_empty());
        assert!(
            rules_pg("ALTER TABLE users ADD COLUMN nickname text;").is_empty(),
            "bellows sets one itself"
        );
        let zero = "SET lock_timeout = 0;\nALTER TABLE users ADD COLUMN nickname text;";
        assert_eq!(
            rules(Dialect::Postgres, zero),
            vec!["require-lock-timeout"],
            "0 means no timeout"
        );
    }
}
