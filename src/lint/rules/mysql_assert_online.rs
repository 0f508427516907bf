//! `mysql-assert-online` (off unless enabled): an `ALTER TABLE` whose operations are usually
//! instant or in place, without an `ALGORITHM=` assertion, so the server may silently fall
//! back to a rebuild or a copy. Works on tokens.

use super::support::alter::alter_existing;
use super::support::columns::add_column_at;
use super::support::mysql::{asserts_algorithm, Server};
use super::support::scan::Clause;
use crate::lint::{Finding, Rule, Severity, StatementContext, MYSQL_FAMILY};
use crate::sql::Dialect;

/// Flags usually-online ALTERs that do not assert it.
pub(crate) struct MysqlAssertOnline;

/// What one clause is, when it is a usually-online operation: whether `ALGORITHM=INSTANT`
/// takes it on `server`.
fn online_op(c: &Clause<'_>, server: Server) -> Option<bool> {
    let len = c.end - c.start;
    let has = |w: &str| (0..len).any(|k| c.is_word(k, w));
    if let Some(k) = add_column_at(c) {
        let index = ["INDEX", "KEY"].iter().any(|w| c.is_word(k, w));
        if index {
            return Some(false);
        }
        let other = [
            "CONSTRAINT",
            "CHECK",
            "PRIMARY",
            "UNIQUE",
            "FOREIGN",
            "FULLTEXT",
            "SPATIAL",
            "PARTITION",
        ]
        .iter()
        .any(|w| c.is_word(k, w));
        // Positions, keys, references and generated or auto-increment columns are other
        // rules' findings, or not online at all.
        let risky = [
            "FIRST",
            "AFTER",
            "PRIMARY",
            "UNIQUE",
            "REFERENCES",
            "AUTO_INCREMENT",
        ]
        .iter()
        .any(|w| has(w))
            || has("GENERATED")
            || has("AS");
        return (!other && !risky).then_some(server.instant_add_last());
    }
    if c.is_word(0, "DROP") {
        if c.is_word(1, "INDEX") || c.is_word(1, "KEY") {
            return Some(false);
        }
        let column = !["PRIMARY", "FOREIGN", "CONSTRAINT", "CHECK", "PARTITION"]
            .iter()
            .any(|w| c.is_word(1, w));
        return column.then_some(server.instant_anywhere());
    }
    if c.is_word(0, "RENAME") && (c.is_word(1, "INDEX") || c.is_word(1, "KEY")) {
        return Some(false);
    }
    if c.is_word(0, "RENAME") && c.is_word(1, "COLUMN") {
        return Some(server.instant_rename());
    }
    if c.is_word(0, "ALTER") && (has("DEFAULT") && (has("SET") || has("DROP"))) {
        return Some(server.instant_default());
    }
    None
}

impl Rule for MysqlAssertOnline {
    fn id(&self) -> &'static str {
        "mysql-assert-online"
    }

    fn default_severity(&self) -> Severity {
        Severity::Info
    }

    fn summary(&self) -> &'static str {
        "A usually-online ALTER without an ALGORITHM assertion may silently fall back to a rebuild or copy."
    }

    fn dialects(&self) -> &'static [Dialect] {
        MYSQL_FAMILY
    }

    fn enabled_by_default(&self) -> bool {
        false
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        if asserts_algorithm(ctx.tokens) {
            return;
        }
        let Some(alter) = alter_existing(ctx) else {
            return;
        };
        let server = Server::of(ctx);
        let ops: Option<Vec<bool>> = alter.clauses.iter().map(|c| online_op(c, server)).collect();
        let Some(ops) = ops.filter(|o| !o.is_empty()) else {
            return;
        };
        let instant = ops.iter().all(|i| *i);
        let assertion = Server::online(instant);
        let table = alter.written_name(ctx).replace('`', "");
        out.push(
            Finding::new(
                self.default_severity(),
                format!(
                    "ALTER TABLE `{table}` does not assert {}: the server may fall back to a rebuild",
                    assertion.trim_start_matches(", ")
                ),
                format!(
                    "Without ALGORITHM the server picks the cheapest algorithm it can (INSTANT, else \
                     INPLACE, else COPY) without saying which; the same statement that is instant \
                     on a test database may rebuild or copy in production (a FULLTEXT index, \
                     ROW_FORMAT=COMPRESSED, too many instant changes, an older server than \
                     expected). With an explicit algorithm the server refuses at once instead, \
                     and nothing is locked. On {} this statement can assert {}.",
                    server.name(),
                    assertion.trim_start_matches(", ")
                ),
            )
            .on_table(alter.table.clone())
            .suggest(format!("{}{assertion};", ctx.sql.trim_end())),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::check_with;
    use crate::lint::{LintOptions, Report};
    use crate::sql::Dialect;

    fn on(dialect: Dialect, version: &str) -> LintOptions {
        let mut o = LintOptions::new(dialect);
        o.server_version = Some(version.parse().unwrap());
        o.enabled = vec!["mysql-assert-online".into()];
        o
    }

    fn found(o: LintOptions, sql: &str) -> bool {
        let linter = crate::lint::Linter::new(o);
        let report = Report {
            files: vec![linter.lint("m.sql", sql).unwrap()],
        };
        let found = report
            .diagnostics()
            .any(|d| d.rule == "mysql-assert-online");
        found
    }

    #[test]
    fn flags_an_add_column_without_an_algorithm() {
        insta::assert_snapshot!(check_with(
            on(Dialect::Mysql, "8.0.36"),
            "ALTER TABLE users ADD COLUMN nickname VARCHAR(64) NULL;"
        ));
    }

    #[test]
    fn asks_for_inplace_where_instant_is_missing() {
        insta::assert_snapshot!(check_with(
            on(Dialect::Mariadb, "10.3"),
            "ALTER TABLE users DROP COLUMN nickname, ADD INDEX users_name (name);"
        ));
    }

    #[test]
    fn passes_asserted_statements_other_rules_and_when_not_enabled() {
        let o = || on(Dialect::Mysql, "8.0.36");
        for sql in [
            "ALTER TABLE users ADD COLUMN n int, ALGORITHM=INSTANT;",
            "ALTER TABLE users ADD INDEX i (a), ALGORITHM=INPLACE, LOCK=NONE;",
            "ALTER TABLE users MODIFY n bigint;",
            "ALTER TABLE users ADD COLUMN n int AFTER m;",
            "ALTER TABLE users ADD UNIQUE KEY u (email);",
            "CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN b int;",
        ] {
            assert!(!found(o(), sql), "{sql}");
        }
        let plain = "ALTER TABLE users ADD COLUMN n int;";
        assert!(found(o(), plain));
        assert!(!found(LintOptions::new(Dialect::Mysql), plain));
    }
}
