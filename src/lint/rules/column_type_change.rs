//! `column-type-change`: `ALTER COLUMN ... TYPE` (PostgreSQL) or `MODIFY`/`CHANGE` (MySQL,
//! MariaDB) to a type that is not binary-compatible rewrites or copies the table under a
//! lock that blocks the app.

use super::support::alter::{alter_existing, asserts};
use super::support::rewrite::ident;
use crate::lint::{Finding, Rule, Severity, StatementContext};
use sqlparser::ast::{AlterColumnOperation, AlterTableOperation, ColumnOption, DataType};

/// Flags column type changes on existing tables.
pub(crate) struct ColumnTypeChange;

const RECIPE: &str = "add a new column of the new type, keep both in sync with a trigger, \
backfill it, switch reads to it, and drop the old column in a contract phase";

impl Rule for ColumnTypeChange {
    fn id(&self) -> &'static str {
        "column-type-change"
    }

    fn default_severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "A column type change that rewrites (PostgreSQL) or copies (MySQL) the table."
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let Some(alter) = alter_existing(ctx) else {
            return;
        };
        let (table, ops) = (&alter.table, alter.operations());
        let mysql = ctx.dialect().is_mysql_family();
        if mysql
            && (asserts(ctx.tokens, "ALGORITHM", "INSTANT")
                || asserts(ctx.tokens, "ALGORITHM", "INPLACE")
                || asserts(ctx.tokens, "LOCK", "NONE"))
        {
            // The server refuses the statement rather than copy the table.
            return;
        }
        for op in ops {
            let (column, data_type) = match op {
                AlterTableOperation::AlterColumn {
                    column_name,
                    op: AlterColumnOperation::SetDataType { data_type, .. },
                } => (column_name, data_type),
                // MODIFY/CHANGE ... NOT NULL is reported by set-not-null.
                AlterTableOperation::ModifyColumn {
                    col_name,
                    data_type,
                    options,
                    ..
                } if !options.contains(&ColumnOption::NotNull) => (col_name, data_type),
                AlterTableOperation::ChangeColumn {
                    new_name,
                    data_type,
                    options,
                    ..
                } if !options.contains(&ColumnOption::NotNull) => (new_name, data_type),
                _ => continue,
            };
            let column = ident(column);
            let widening = !mysql && is_unbounded_or_varchar(data_type);
            let finding = if mysql {
                Finding::new(
                    self.default_severity(),
                    format!("changing `{table}`.`{column}` to {data_type} can copy the whole table"),
                    format!(
                        "MySQL and MariaDB copy the table (ALGORITHM=COPY, writes blocked) for most type \
                         changes; only growing a VARCHAR within the same length-byte range and appending \
                         ENUM/SET members are in place. Assert `ALGORITHM=INPLACE, LOCK=NONE` so the \
                         server refuses instead of copying; otherwise {RECIPE}."
                    ),
                )
                .suggest(format!("{}, ALGORITHM=INPLACE, LOCK=NONE;", ctx.sql.trim_end()))
            } else if widening {
                Finding::new(
                    Severity::Warning,
                    format!("changing `{table}`.`{column}` to {data_type} is instant only when it widens a varchar"),
                    format!(
                        "From varchar(n) to a longer varchar or to text PostgreSQL changes only the \
                         catalog; from any other type it rewrites the table under ACCESS EXCLUSIVE. \
                         If the old type was varchar, allow this with a reason; otherwise {RECIPE}."
                    ),
                )
            } else {
                Finding::new(
                    self.default_severity(),
                    format!("changing `{table}`.`{column}` to {data_type} rewrites the table under an ACCESS EXCLUSIVE lock"),
                    format!(
                        "PostgreSQL rewrites every row and rebuilds every index of the table while \
                         holding ACCESS EXCLUSIVE: reads and writes wait for the whole rewrite, and the \
                         app version still running may not understand the new type. Instead, {RECIPE}."
                    ),
                )
            };
            out.push(finding.on_table(table.clone()));
        }
    }
}

fn is_unbounded_or_varchar(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Text | DataType::Varchar(_) | DataType::CharacterVarying(_)
    )
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{mysql, pg, rules_in, rules_pg};
    use crate::sql::Dialect;

    #[test]
    fn flags_a_rewriting_type_change_on_postgres() {
        insta::assert_snapshot!(pg("ALTER TABLE users ALTER COLUMN id TYPE bigint;"));
    }

    #[test]
    fn warns_on_a_varchar_target_that_may_only_widen() {
        insta::assert_snapshot!(pg("ALTER TABLE users ALTER COLUMN name TYPE varchar(200);"));
    }

    #[test]
    fn flags_modify_on_mysql_without_an_algorithm_assertion() {
        insta::assert_snapshot!(mysql("ALTER TABLE users MODIFY name varchar(300);"));
    }

    #[test]
    fn passes_new_tables_and_asserted_online_changes() {
        assert!(
            rules_pg("CREATE TABLE t (a int);\nALTER TABLE t ALTER COLUMN a TYPE bigint;")
                .is_empty()
        );
        assert!(rules_in(
            Dialect::Mysql,
            "ALTER TABLE users MODIFY name varchar(300), ALGORITHM=INPLACE, LOCK=NONE;"
        )
        .is_empty());
    }
}
