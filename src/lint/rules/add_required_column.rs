//! `add-required-column`: `ADD COLUMN ... NOT NULL` without a `DEFAULT` on an existing table.
//! PostgreSQL refuses it once the table has rows; MySQL fills `0`/`''` silently and the app
//! version still running fails its INSERTs in strict mode.

use super::common::{
    alter_existing, alter_name, has_option, ident, is_auto_increment, placeholder,
};
use crate::lint::{Finding, Rule, Severity, StatementContext};
use sqlparser::ast::{AlterTableOperation, ColumnOption};

/// Flags required columns added without a default to tables that may have rows.
pub struct AddRequiredColumn;

impl Rule for AddRequiredColumn {
    fn id(&self) -> &'static str {
        "add-required-column"
    }

    fn default_severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "ADD COLUMN ... NOT NULL without a DEFAULT on an existing table."
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let Some((table, ops)) = alter_existing(ctx) else {
            return;
        };
        for op in ops {
            let AlterTableOperation::AddColumn {
                column_def: def, ..
            } = op
            else {
                continue;
            };
            let required = has_option(def, |o| {
                matches!(o, ColumnOption::NotNull | ColumnOption::PrimaryKey(_))
            });
            let filled = has_option(def, |o| {
                matches!(o, ColumnOption::Default(_) | ColumnOption::Generated { .. })
            }) || is_auto_increment(def);
            if !required || filled {
                continue;
            }
            let column = ident(&def.name);
            let why = if ctx.dialect().is_mysql_family() {
                "MySQL accepts it and fills existing rows with the type's implicit default (0, '', \
                 a zero date) without saying so, and every INSERT of the app version still running, \
                 which does not know the column, fails in strict mode."
            } else {
                "PostgreSQL refuses it as soon as the table has a row (the new column would be NULL), \
                 so the migration fails in production after passing on an empty development database; \
                 and the app version still running does not write the column."
            };
            let name = alter_name(ctx);
            let value = placeholder(&def.data_type);
            let suggestion = if ctx.dialect().is_mysql_family() {
                format!(
                    "ALTER TABLE {name} ADD COLUMN {column} {} NOT NULL DEFAULT {value};",
                    def.data_type
                )
            } else {
                format!(
                    "-- bellows:expand\nALTER TABLE {name} ADD COLUMN {column} {ty};\n\n\
                     -- bellows:backfill table={table}\nUPDATE {name} SET {column} = {value} WHERE {column} IS NULL;\n\n\
                     -- then, in a later migration, make it required without a long lock:\n\
                     --   ALTER TABLE {name} ADD CONSTRAINT {table}_{column}_not_null CHECK ({column} IS NOT NULL) NOT VALID;\n\
                     --   ALTER TABLE {name} VALIDATE CONSTRAINT {table}_{column}_not_null;  -- its own transaction\n\
                     --   ALTER TABLE {name} ALTER COLUMN {column} SET NOT NULL;\n\
                     --   ALTER TABLE {name} DROP CONSTRAINT {table}_{column}_not_null;\n\
                     -- (or, when one value fits every row: ADD COLUMN ... NOT NULL DEFAULT <constant>, instant on PostgreSQL 11+)",
                    ty = def.data_type
                )
            };
            out.push(
                Finding::new(
                    self.default_severity(),
                    format!("required column `{column}` added to `{table}` without a DEFAULT"),
                    why,
                )
                .suggest(suggestion)
                .on_table(table.clone()),
            );
        }
    }
}
