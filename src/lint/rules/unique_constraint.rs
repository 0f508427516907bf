//! `unique-constraint`: a `UNIQUE` constraint added to an existing table builds its index
//! under a lock that blocks writes (PostgreSQL) or fails late on duplicates after a long
//! build (MySQL). PostgreSQL's safe path is a concurrent unique index, then `USING INDEX`.

use super::support::alter::{alter_existing, asserts};
use super::support::columns::has_option;
use super::support::rewrite::ident;
use crate::lint::{table_key, Finding, Rule, Severity, StatementContext};
use sqlparser::ast::{AlterTableOperation, ColumnOption, Statement, TableConstraint};

/// Flags `UNIQUE` constraints added to existing tables.
pub(crate) struct UniqueConstraint;

impl Rule for UniqueConstraint {
    fn id(&self) -> &'static str {
        "unique-constraint"
    }

    fn default_severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "ADD CONSTRAINT ... UNIQUE (or an inline UNIQUE column) on an existing table builds an index under a lock."
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let mysql = ctx.dialect().is_mysql_family();
        if mysql
            && asserts(ctx.tokens, "ALGORITHM", "INPLACE")
            && asserts(ctx.tokens, "LOCK", "NONE")
        {
            // The server refuses rather than block writes; duplicates are the author's call.
            return;
        }
        if let Some(Statement::CreateIndex(ci)) = ctx.ast {
            let table = table_key(&ci.table_name);
            if mysql && ci.unique && !ctx.is_new_or_pending(&table, Some(&ci.table_name)) {
                let shown = ci.table_name.to_string().replace('`', "");
                let rewrite = format!("{} ALGORITHM=INPLACE LOCK=NONE;", ctx.sql.trim_end());
                out.push(mysql_finding(self.default_severity(), &table, &shown).suggest(rewrite));
            }
            return;
        }
        let Some(alter) = alter_existing(ctx) else {
            return;
        };
        let (table, ops) = (&alter.table, alter.operations());
        for (i, op) in ops.iter().enumerate() {
            let (name, columns) = match op {
                AlterTableOperation::AddConstraint {
                    constraint: TableConstraint::Unique(u),
                    ..
                } => (
                    u.name.as_ref().map(ident),
                    u.columns
                        .iter()
                        .map(|c| c.column.expr.to_string())
                        .collect::<Vec<_>>(),
                ),
                AlterTableOperation::AddColumn { column_def, .. }
                    if has_option(column_def, |o| matches!(o, ColumnOption::Unique(_))) =>
                {
                    (None, vec![ident(&column_def.name)])
                }
                _ => continue,
            };
            let finding = if mysql {
                let rewrite = format!("{}, ALGORITHM=INPLACE, LOCK=NONE;", ctx.sql.trim_end());
                let shown = alter.written_name(ctx).replace('`', "");
                mysql_finding(self.default_severity(), table, &shown).suggest(rewrite)
            } else {
                let index = name
                    .clone()
                    .unwrap_or_else(|| format!("{table}_{}_key", columns.join("_")));
                let t = alter.parsed_name();
                Finding::new(
                    self.default_severity(),
                    format!("adding a UNIQUE constraint to `{}` builds its index while blocking reads and writes", alter.shown(ctx)),
                    "ADD CONSTRAINT ... UNIQUE builds the index while holding ACCESS EXCLUSIVE on the \
                     table: every read and write waits for the whole build. Build the unique index \
                     CONCURRENTLY first, then attach it as the constraint (instant).",
                )
                .suggest(format!(
                    "CREATE UNIQUE INDEX CONCURRENTLY {index} ON {t} ({});\nALTER TABLE {t} ADD CONSTRAINT {index} UNIQUE USING INDEX {index};",
                    columns.join(", ")
                ))
            };
            out.push(finding.on_table(table.clone()).at_some(alter.op_span(i)));
        }
    }
}

/// The MySQL/MariaDB finding: the build is in place but fails late on duplicates.
fn mysql_finding(severity: Severity, table: &str, shown: &str) -> Finding {
    Finding::new(
        severity,
        format!("adding a UNIQUE index to `{shown}` builds it for the whole table and fails late on duplicates"),
        "MySQL and MariaDB build the unique index in place, but find duplicates only at the end of \
         the build (a concurrent write that creates one fails it too), after hours of I/O on a \
         large table, and without `LOCK=NONE` the server may block writes. Check for duplicates \
         first and assert `ALGORITHM=INPLACE, LOCK=NONE`.",
    )
    .on_table(table)
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{mysql, pg, rules_in, rules_pg};
    use crate::sql::Dialect;

    #[test]
    fn flags_add_unique_on_postgres() {
        insta::assert_snapshot!(pg(
            "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);"
        ));
    }

    #[test]
    fn flags_add_unique_on_mysql() {
        insta::assert_snapshot!(mysql(
            "ALTER TABLE users ADD UNIQUE KEY users_email (email);"
        ));
    }

    #[test]
    fn flags_create_unique_index_on_mysql_with_its_online_form() {
        insta::assert_snapshot!(mysql("CREATE UNIQUE INDEX users_email ON `Users` (email);"));
    }

    #[test]
    fn passes_using_index_and_new_tables() {
        assert!(rules_pg(
            "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;"
        )
        .is_empty());
        assert!(
            rules_pg("CREATE TABLE t (a int);\nALTER TABLE t ADD CONSTRAINT t_a UNIQUE (a);")
                .is_empty()
        );
    }

    #[test]
    fn mysql_create_unique_index_and_online_assertions() {
        assert_eq!(
            rules_in(Dialect::Mysql, "CREATE UNIQUE INDEX ue ON users (email);"),
            vec!["unique-constraint"]
        );
        assert!(rules_in(
            Dialect::Mysql,
            "ALTER TABLE users ADD UNIQUE KEY u (email), ALGORITHM=INPLACE, LOCK=NONE;"
        )
        .is_empty());
        assert!(rules_in(
            Dialect::Mysql,
            "CREATE TABLE t (a int);\nCREATE UNIQUE INDEX ua ON t (a);"
        )
        .is_empty());
    }
}

#[cfg(test)]
mod folder_tests {
    use crate::lint::testing::folder_report;
    use crate::lint::LintOptions;
    use crate::sql::Dialect;

    fn rules(d: Dialect, shipped: &[&str], change: bool, files: &[&str]) -> Vec<&'static str> {
        let report = folder_report(LintOptions::new(d), shipped, change, files);
        report.diagnostics().map(|d| d.rule).collect()
    }

    #[test]
    fn passes_a_unique_index_on_a_table_an_earlier_file_of_the_change_created() {
        let create = "CREATE TABLE invites (id BIGINT PRIMARY KEY, code VARCHAR(40));";
        for d in [Dialect::Mysql, Dialect::Mariadb] {
            let index = "CREATE UNIQUE INDEX invites_code ON invites (code);";
            assert!(rules(d, &[], true, &[create, index]).is_empty());
            assert_eq!(rules(d, &[create], true, &[index]), ["unique-constraint"]);
            assert_eq!(
                rules(d, &[], false, &[create, index]),
                ["unique-constraint"]
            );
            let alter = "ALTER TABLE invites ADD UNIQUE KEY invites_code (code);";
            assert!(rules(d, &[], true, &[create, alter]).is_empty());
            assert_eq!(rules(d, &[create], true, &[alter]), ["unique-constraint"]);
        }
        let pg = "ALTER TABLE invites ADD CONSTRAINT invites_code_key UNIQUE (code);";
        assert!(rules(Dialect::Postgres, &[], true, &[create, pg]).is_empty());
        assert_eq!(
            rules(Dialect::Postgres, &[create], true, &[pg]),
            ["unique-constraint"]
        );
    }
}
