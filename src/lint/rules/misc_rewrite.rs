//! `misc-rewrite`: `ALTER TABLE ... SET LOGGED`, `SET UNLOGGED`, `SET ACCESS METHOD` and `SET
//! TABLESPACE` copy a whole PostgreSQL table into new files under ACCESS EXCLUSIVE. Works on
//! tokens, so it also runs on statements the parser cannot read.

use super::support::alter::alter_existing;
use super::support::spans::span_of;
use crate::lint::{Finding, Rule, Severity, StatementContext, POSTGRES};
use crate::sql::Dialect;

/// Flags the `ALTER TABLE` forms that rewrite a table without changing a column.
pub(crate) struct MiscRewrite;

impl Rule for MiscRewrite {
    fn id(&self) -> &'static str {
        "misc-rewrite"
    }

    fn default_severity(&self) -> Severity {
        Severity::Warning
    }

    fn summary(&self) -> &'static str {
        "SET LOGGED / UNLOGGED / ACCESS METHOD / TABLESPACE copy the table under an ACCESS EXCLUSIVE lock."
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let Some(alter) = alter_existing(ctx) else {
            return;
        };
        for c in &alter.clauses {
            let what = if !c.is_word(0, "SET") {
                continue;
            } else if c.is_word(1, "LOGGED") {
                "SET LOGGED"
            } else if c.is_word(1, "UNLOGGED") {
                "SET UNLOGGED"
            } else if c.is_word(1, "ACCESS") && c.is_word(2, "METHOD") {
                "SET ACCESS METHOD"
            } else if c.is_word(1, "TABLESPACE") {
                "SET TABLESPACE"
            } else {
                continue;
            };
            let mut finding = Finding::new(
                self.default_severity(),
                format!(
                    "{what} rewrites `{}` under an ACCESS EXCLUSIVE lock",
                    alter.table
                ),
                "PostgreSQL copies every row and rebuilds every index of the table into new files \
                 (SET LOGGED also writes it all to the WAL, so replicas receive the whole table) \
                 while holding ACCESS EXCLUSIVE: no read or write of the running app touches the \
                 table until the copy ends. Run it in a quiet window on a table small enough, or \
                 build the new table beside the old one and switch over.",
            )
            .on_table(alter.table.clone())
            .suggest(format!(
                "-- in a quiet window, on a table small enough to copy quickly:\n\
                 -- bellows:allow misc-rewrite <why the copy is short>\n{};",
                ctx.sql.trim_end()
            ));
            if let Some(span) = span_of(ctx.tokens, &c.range()) {
                finding = finding.at(span);
            }
            out.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{pg, rules_pg};

    #[test]
    fn flags_set_logged_unlogged_and_access_method() {
        insta::assert_snapshot!(pg(
            "ALTER TABLE events SET UNLOGGED;\nALTER TABLE events SET LOGGED;\nALTER TABLE events SET ACCESS METHOD heap2;\n"
        ));
    }

    #[test]
    fn passes_new_tables_and_other_settings() {
        let none = |sql: &str| !rules_pg(sql).contains(&"misc-rewrite");
        assert!(none("CREATE TABLE t (a int);\nALTER TABLE t SET UNLOGGED;"));
        assert!(none("ALTER TABLE t SET (fillfactor = 90);"));
        assert!(none("ALTER TABLE t SET SCHEMA archive;"));
    }
}
