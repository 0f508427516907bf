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
        for op in ops {
            let column = match op {
                AlterTableOperation::AlterColumn {
                    column_name,
                    op: AlterColumnOperation::SetNotNull,
                } => column_name,
                AlterTableOperation::ModifyColumn {
                    col_name, options, ..
                } if options.contains(&ColumnOption::NotNull) => col_name,
                AlterTableOperation::ChangeColumn {
                    new_name, options, ..
                } if options.contains(&ColumnOption::NotNull) => new_name,
                _ => continue,
            };
            let column = ident(column);
            let key = column.trim_matches(['"', '`']).to_ascii_lowercase();
            let finding = if ctx.dialect().is_mysql_family() {
                if asserts(ctx.tokens, "LOCK", "NONE") {
                    continue;
                }
                Finding::new(
                    self.default_severity(),
                    format!("making `{table}`.`{column}` NOT NULL rebuilds the table"),
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
                    format!("SET NOT NULL on `{table}`.`{column}` scans the whole table under an ACCESS EXCLUSIVE lock"),
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
            out.push(finding.on_table(table.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{at, mysql, pg, rules_in, rules_pg};
    use crate::sql::Dialect;

    #[test]
    fn flags_set_not_null_on_postgres() {
        insta::assert_snapshot!(pg(
            "-- bellows:contract\nALTER TABLE users ALTER COLUMN email SET NOT NULL;"
        ));
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
