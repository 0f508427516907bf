//! `add-required-column`: `ADD COLUMN ... NOT NULL` without a `DEFAULT` on an existing table.
//! PostgreSQL refuses it once the table has rows; MySQL fills `0`/`''` silently and the app
//! version still running fails its INSERTs in strict mode.

use super::support::alter::alter_existing;
use super::support::columns::{
    add_column_at, has_option, is_auto_increment, parsed_added_columns, typed_column_at,
};
use super::support::rewrite::{ident, placeholder};
use super::support::scan::Clause;
use super::support::spans::replace_all;
use crate::lint::{Finding, Rule, Severity, StatementContext};
use sqlparser::ast::ColumnOption;

/// Flags required columns added without a default to tables that may have rows.
pub(crate) struct AddRequiredColumn;

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
        if ctx.ast.is_none() {
            self.check_tokens(ctx, out);
            return;
        }
        let Some(alter) = alter_existing(ctx) else {
            return;
        };
        let table = &alter.table;
        for def in parsed_added_columns(&alter) {
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
            let name = alter.parsed_name();
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
                    format!(
                        "required column `{column}` added to `{}` without a DEFAULT",
                        alter.shown(ctx)
                    ),
                    why,
                )
                .suggest(suggestion)
                .on_table(table.clone()),
            );
        }
    }
}

impl AddRequiredColumn {
    /// The token path, for statements the parser cannot read (MariaDB's
    /// `ADD COLUMN IF NOT EXISTS`, `ALGORITHM=NOCOPY`): `ADD [COLUMN] [IF NOT EXISTS] name
    /// type ... NOT NULL` without `DEFAULT`, `AUTO_INCREMENT`, `GENERATED`/`AS` or a serial
    /// type.
    fn check_tokens(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let Some(alter) = alter_existing(ctx) else {
            return;
        };
        for c in &alter.clauses {
            let Some(k) = add_column_at(c) else {
                continue;
            };
            let Some(def) = typed_column_at(c, k) else {
                continue;
            };
            let words = |w: &str| (def.ty.0..c.end - c.start).any(|j| c.is_word(j, w));
            let not_null = (def.ty.0..c.end - c.start)
                .any(|j| c.is_word(j, "NOT") && c.is_word(j + 1, "NULL"));
            let serial = c.get(def.ty.0).is_some_and(|t| t.text.ends_with("SERIAL"));
            let filled = ["DEFAULT", "AUTO_INCREMENT", "GENERATED", "AS"]
                .iter()
                .any(|w| words(w));
            if !not_null
                || filled
                || serial
                || matches!(
                    c.get(k).map(|t| t.text.as_str()),
                    Some(
                        "CONSTRAINT" | "PRIMARY" | "UNIQUE" | "FOREIGN" | "INDEX" | "KEY" | "CHECK"
                    )
                )
            {
                continue;
            }
            out.push(
                Finding::new(
                    self.default_severity(),
                    format!("required column `{}` added to `{}` without a DEFAULT", def.name, alter.shown(ctx)),
                    "Existing rows get no value: PostgreSQL refuses the statement once the table has \
                     rows; MySQL and MariaDB fill the type's implicit default silently, and every \
                     INSERT of the app version still running, which does not know the column, \
                     fails in strict mode. Give it a DEFAULT, or add it nullable and backfill.",
                )
                .on_table(alter.table.clone())
                .suggest_some(nullable(ctx, c)),
            );
        }
    }
}

/// The statement with the clause's `NOT NULL` made `NULL`, to backfill before requiring it.
fn nullable(ctx: &StatementContext<'_>, c: &Clause<'_>) -> Option<String> {
    let j = (c.start..c.end)
        .find(|&j| ctx.tokens.is_word(j, "NOT") && ctx.tokens.is_word(j + 1, "NULL"))?;
    let sql = replace_all(ctx, vec![(j..j + 2, "NULL")])?;
    Some(format!(
        "{};\n-- backfill it, then make it NOT NULL in a later migration (or give it a DEFAULT)",
        sql.trim_end()
    ))
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{check_with, mysql, pg, rules_in, rules_pg};
    use crate::lint::LintOptions;
    use crate::sql::Dialect;

    #[test]
    fn flags_not_null_without_default_on_postgres() {
        insta::assert_snapshot!(pg("ALTER TABLE users ADD COLUMN age integer NOT NULL;"));
    }

    #[test]
    fn flags_not_null_without_default_on_mysql() {
        insta::assert_snapshot!(mysql(
            "ALTER TABLE users ADD COLUMN plan varchar(20) NOT NULL;"
        ));
    }

    #[test]
    fn passes_defaults_nullable_columns_and_new_tables() {
        assert!(
            rules_pg("ALTER TABLE users ADD COLUMN age integer NOT NULL DEFAULT 0;").is_empty()
        );
        assert!(rules_pg("ALTER TABLE users ADD COLUMN age integer;").is_empty());
        assert!(
            rules_pg("CREATE TABLE t (id bigint);\nALTER TABLE t ADD COLUMN a int NOT NULL;")
                .is_empty()
        );
        assert!(rules_in(
            Dialect::Mysql,
            "ALTER TABLE users ADD COLUMN plan varchar(20) NOT NULL DEFAULT 'free';"
        )
        .is_empty());
    }

    #[test]
    fn token_path_flags_mariadb_if_not_exists() {
        let sql =
        "ALTER TABLE users ADD COLUMN IF NOT EXISTS plan varchar(20) NOT NULL, ALGORITHM=NOCOPY;";
        let mariadb = check_with(LintOptions::new(Dialect::Mariadb), sql);
        insta::assert_snapshot!(mariadb);
        let fine =
            "ALTER TABLE users ADD COLUMN IF NOT EXISTS plan varchar(20) NOT NULL DEFAULT 'free';";
        assert!(!rules_in(Dialect::Mariadb, fine).contains(&"add-required-column"));
    }
}
