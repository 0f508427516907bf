//! `set-not-null`: making an existing column `NOT NULL` scans the table under ACCESS
//! EXCLUSIVE on PostgreSQL (unless a validated `CHECK (col IS NOT NULL)` exists, 12+) and
//! rebuilds it on MySQL/MariaDB (`MODIFY`/`CHANGE ... NOT NULL`).

use super::support::alter::{alter_existing, asserts};
use super::support::rewrite::ident;
use crate::lint::{Finding, Rule, Severity, StatementContext};
use sqlparser::ast::{AlterColumnOperation, AlterTableOperation, ColumnOption};

/// Flags `SET NOT NULL` and MySQL `MODIFY ... NOT NULL` on existing tables.
pub(crate) struct SetNotNull;

impl Rule for SetNotNull {
    fn id(&self) -> &'static str {
        "set-not-null"
    }

    fn default_severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "SET NOT NULL / MODIFY ... NOT NULL on an existing column scans or rebuilds the table."
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let Some(alter) = alter_existing(ctx) else {
            return;
        };
        let (table, ops) = (&alter.table, alter.operations());
        let name = alter.parsed_name();
        for (i, op) in ops.iter().enumerate() {
            let (column, old) = match op {
                AlterTableOperation::AlterColumn {
                    column_name,
                    op: AlterColumnOperation::SetNotNull,
                } => (column_name, column_name),
                AlterTableOperation::ModifyColumn {
                    col_name, options, ..
                } if options.contains(&ColumnOption::NotNull) => (col_name, col_name),
                AlterTableOperation::ChangeColumn {
                    old_name,
                    new_name,
                    options,
                    ..
                } if options.contains(&ColumnOption::NotNull) => (new_name, old_name),
                _ => continue,
            };
            let known = alter.known_column(ctx, old);
            if known.is_none() && old.value != column.value {
                // A MySQL `CHANGE old new <definition>` restates the whole column to rename
                // it: without the earlier definition its NOT NULL says nothing (rename-column
                // reports the rename).
                continue;
            }
            if known.is_some_and(|(_, c)| !c.nullable) {
                // Already NOT NULL (an earlier file made it so): nothing to scan or rebuild;
                // a MySQL type change in the same clause is column-type-change's.
                continue;
            }
            if !ctx.dialect().is_mysql_family()
                && ctx.version().at_least(12, 0)
                && known.is_some_and(|(t, c)| validated_not_null(t, &c.name))
            {
                continue;
            }
            let column = ident(column);
            let key = column.trim_matches(['"', '`']).to_ascii_lowercase();
            let finding = if ctx.dialect().is_mysql_family() {
                if asserts(ctx.tokens, "LOCK", "NONE") {
                    continue;
                }
                Finding::new(
                    self.default_severity(),
                    format!("making `{}`.`{column}` NOT NULL rebuilds the table", alter.shown(ctx)),
                    "MySQL and MariaDB rebuild the table to change a column to NOT NULL; without \
                     `LOCK=NONE` the server may block writes for the whole rebuild, replicas lag for \
                     its length, and it fails late if a row is NULL. The app version still running \
                     may also still write NULL.",
                )
                .suggest(format!("{}, ALGORITHM=INPLACE, LOCK=NONE;", ctx.sql.trim_end()))
            } else {
                if ctx.version().at_least(12, 0) && ctx.file.has_validated_not_null(table, &key) {
                    continue;
                }
                let check = format!("{table}_{key}_not_null");
                Finding::new(
                    self.default_severity(),
                    format!("SET NOT NULL on `{}`.`{column}` scans the whole table under an ACCESS EXCLUSIVE lock", alter.shown(ctx)),
                    "PostgreSQL reads every row to prove there is no NULL while holding ACCESS \
                     EXCLUSIVE: all reads and writes of the table wait for the full scan. A \
                     validated CHECK (col IS NOT NULL) lets PostgreSQL 12+ skip the scan.",
                )
                .suggest(format!(
                    "ALTER TABLE {name} ADD CONSTRAINT {check} CHECK ({column} IS NOT NULL) NOT VALID;\n\
                     -- in a later transaction (e.g. the next migration):\n\
                     --   ALTER TABLE {name} VALIDATE CONSTRAINT {check};\n\
                     --   ALTER TABLE {name} ALTER COLUMN {column} SET NOT NULL;  -- no scan on 12+\n\
                     --   ALTER TABLE {name} DROP CONSTRAINT {check};"
                ))
            };
            out.push(finding.on_table(table.clone()).at_some(alter.op_span(i)));
        }
    }
}

/// True when the table has a validated `CHECK (column IS NOT NULL)` (PostgreSQL 12+ proves
/// NOT NULL from it instead of scanning).
fn validated_not_null(table: &crate::schema::Table, column: &str) -> bool {
    let squash = |s: &str| {
        s.chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '(' | ')' | '"'))
            .collect::<String>()
            .to_ascii_lowercase()
    };
    let want = squash(&format!("{column} IS NOT NULL"));
    table
        .checks
        .iter()
        .any(|c| c.validated && squash(&c.expr) == want)
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{at, mysql, pg, report_with, rules_in, rules_pg};
    use crate::lint::LintOptions;
    use crate::sql::Dialect;

    #[test]
    fn flags_set_not_null_on_postgres() {
        insta::assert_snapshot!(pg(
            "-- bellows:contract\nALTER TABLE users ALTER COLUMN email SET NOT NULL;"
        ));
    }

    #[test]
    fn points_at_each_clause_of_a_statement() {
        insta::assert_snapshot!(pg(
            "ALTER TABLE users\n  ALTER COLUMN id TYPE bigint,\n  ADD COLUMN note text,\n  ALTER COLUMN email SET NOT NULL;"
        ));
    }

    #[test]
    fn names_identifiers_as_written_without_their_quotes() {
        let messages = |d: Dialect, sql: &str| -> Vec<String> {
            report_with(LintOptions::new(d), "m.sql", sql)
                .diagnostics()
                .map(|x| x.message.clone())
                .collect()
        };
        let pg = messages(
            Dialect::Postgres,
            "ALTER TABLE \"Users\" ALTER COLUMN \"seen_at\" SET NOT NULL;",
        );
        assert!(pg[0].contains("`Users`.`seen_at`"), "{pg:?}");
        let my = messages(
            Dialect::Mysql,
            "ALTER TABLE `Orders` MODIFY `Seen_At` datetime NOT NULL;",
        );
        assert!(my[0].contains("`Orders`.`Seen_At`"), "{my:?}");
        assert!(!my.iter().any(|m| m.contains("``")), "{my:?}");
    }

    #[test]
    fn flags_modify_not_null_on_mysql() {
        insta::assert_snapshot!(mysql(
            "ALTER TABLE users MODIFY email varchar(255) NOT NULL;"
        ));
    }

    #[test]
    fn a_validated_check_earlier_in_the_file_makes_it_safe_on_12_plus() {
        let sql =
        "ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;\n\
               COMMIT;\n\
               ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;\n\
               ALTER TABLE users ALTER COLUMN email SET NOT NULL;";
        assert!(!rules_pg(sql).contains(&"set-not-null"));
        assert!(
            at(Dialect::Postgres, "11", sql).contains("set-not-null"),
            "PostgreSQL 11 scans anyway"
        );
        let unvalidated =
        "ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;\n\
                       ALTER TABLE users ALTER COLUMN email SET NOT NULL;";
        assert!(rules_pg(unvalidated).contains(&"set-not-null"));
    }

    #[test]
    fn passes_new_tables_and_online_mysql_rebuilds() {
        assert!(
            rules_pg("CREATE TABLE t (a int);\nALTER TABLE t ALTER COLUMN a SET NOT NULL;")
                .is_empty()
        );
        assert!(rules_in(
            Dialect::Mysql,
            "ALTER TABLE users MODIFY email varchar(255) NOT NULL, ALGORITHM=INPLACE, LOCK=NONE;"
        )
        .is_empty());
    }
}

#[cfg(test)]
mod folder_tests {
    use crate::lint::testing::{folder_report, folder_rules};
    use crate::lint::LintOptions;
    use crate::sql::Dialect::{self, Mariadb, Mysql, Postgres};

    #[test]
    fn a_check_validated_after_an_earlier_file_added_it_makes_it_safe_on_12_plus() {
        let create = "CREATE TABLE users (id int PRIMARY KEY, email text);";
        let add =
            "ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;";
        let set = "ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;\n\
                   ALTER TABLE users ALTER COLUMN email SET NOT NULL;";
        assert!(!folder_rules(Postgres, &[create, add, set]).contains(&"set-not-null"));
        let mut pg11 = LintOptions::new(Postgres);
        pg11.server_version = Some("11".parse().unwrap());
        let old = folder_report(pg11, &[], false, &[create, add, set]);
        assert!(
            old.diagnostics().any(|d| d.rule == "set-not-null"),
            "11 scans"
        );
        let unvalidated = "ALTER TABLE users ALTER COLUMN email SET NOT NULL;";
        assert_eq!(
            folder_rules(Postgres, &[create, add, unvalidated]),
            ["set-not-null"]
        );
    }

    #[test]
    fn a_column_already_not_null_is_not_scanned_again() {
        let create = "CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL);";
        let set = "ALTER TABLE users ALTER COLUMN email SET NOT NULL;";
        assert!(folder_rules(Postgres, &[create, set]).is_empty());
        assert_eq!(folder_rules(Postgres, &[set]), ["set-not-null"]);
    }

    #[test]
    fn mysql_change_of_a_column_already_not_null_rebuilds_nothing() {
        let create = "CREATE TABLE users (id INT PRIMARY KEY, a INT NOT NULL, c INT);";
        for d in [Mysql, Mariadb] {
            let modify = "ALTER TABLE users MODIFY a INT NOT NULL;";
            assert!(folder_rules(d, &[create, modify]).is_empty(), "{d}");
            let change = "ALTER TABLE users CHANGE a a INT NOT NULL;";
            assert!(folder_rules(d, &[create, change]).is_empty(), "{d}");
            let was_null = "ALTER TABLE users MODIFY c INT NOT NULL;";
            assert_eq!(folder_rules(d, &[create, was_null]), ["set-not-null"]);
            assert_eq!(folder_rules(d, &[modify]), ["set-not-null"]);
        }
        let _ = Dialect::Postgres;
    }
}
