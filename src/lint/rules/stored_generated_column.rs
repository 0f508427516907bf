//! `stored-generated-column`: adding a `GENERATED ... STORED` column to an existing table
//! computes and writes it for every row — a rewrite (PostgreSQL) or copy (MySQL) that
//! blocks the app. A VIRTUAL column (MySQL, PostgreSQL 18+) costs nothing to add.

use super::support::alter::{alter_existing, AlterTable};
use super::support::columns::{add_column_at, has_option, parsed_added_columns};
use super::support::rewrite::{ident, BACKFILL_KEY};
use crate::lint::{directive_table, Finding, Rule, Severity, StatementContext};
use sqlparser::ast::{ColumnOption, GeneratedExpressionMode};

/// Flags stored generated columns added to existing tables.
pub(crate) struct StoredGeneratedColumn;

impl Rule for StoredGeneratedColumn {
    fn id(&self) -> &'static str {
        "stored-generated-column"
    }

    fn default_severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "ADD COLUMN ... GENERATED ALWAYS AS (...) STORED on an existing table rewrites it."
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let mysql = ctx.dialect().is_mysql_family();
        let virtual_ok = mysql || ctx.version().at_least(18, 0);
        if ctx.ast.is_none() {
            self.check_tokens(ctx, virtual_ok, out);
            return;
        }
        let Some(alter) = alter_existing(ctx) else {
            return;
        };
        let table = &alter.table;
        for def in parsed_added_columns(&alter) {
            // PostgreSQL before 18 only has stored generated columns, whatever the syntax says.
            let stored = has_option(def, |o| match o {
                ColumnOption::Generated {
                    generation_expr: Some(_),
                    generation_expr_mode,
                    ..
                } => {
                    matches!(generation_expr_mode, Some(GeneratedExpressionMode::Stored))
                        || (!virtual_ok && generation_expr_mode.is_none())
                }
                _ => false,
            });
            if !stored {
                continue;
            }
            let mut finding = self.finding(ctx, &ident(&def.name), table, virtual_ok);
            if !virtual_ok {
                finding = finding.suggest_some(trigger_recipe(ctx, &alter, def));
            }
            out.push(finding);
        }
    }
}

impl StoredGeneratedColumn {
    fn finding(
        &self,
        ctx: &StatementContext<'_>,
        column: &str,
        table: &str,
        virtual_ok: bool,
    ) -> Finding {
        let mut finding = Finding::new(
            self.default_severity(),
            format!("adding stored generated column `{column}` to `{table}` rewrites every row"),
            "A STORED generated column is computed and written for every existing row when it is \
                 added: PostgreSQL rewrites the table under ACCESS EXCLUSIVE and MySQL copies it, \
                 blocking the app for the whole table. A VIRTUAL column is computed on read and \
                 added instantly; otherwise add a plain column, fill it with a trigger and a \
                 backfill.",
        )
        .on_table(table);
        if virtual_ok {
            if let Some(rewrite) = replace_stored(ctx.sql) {
                finding = finding.suggest(format!("{rewrite};"));
            }
        }
        finding
    }

    /// The token path, for statements the parser cannot read (MariaDB's `PERSISTENT`,
    /// `ADD COLUMN IF NOT EXISTS`): an `ADD` clause with `AS (...)` and `STORED` or
    /// `PERSISTENT`.
    fn check_tokens(&self, ctx: &StatementContext<'_>, virtual_ok: bool, out: &mut Vec<Finding>) {
        let Some(alter) = alter_existing(ctx) else {
            return;
        };
        for c in &alter.clauses {
            let Some(k) = add_column_at(c) else {
                continue;
            };
            let len = c.end - c.start;
            let has = |w: &str| (0..len).any(|j| c.is_word(j, w));
            if !has("AS") || !(has("STORED") || has("PERSISTENT")) {
                continue;
            }
            let Some((column, _)) = c.ident(k) else {
                continue;
            };
            out.push(self.finding(ctx, &column, &alter.table, virtual_ok));
        }
    }
}

/// Before PostgreSQL 18 (no virtual columns): a plain column, kept filled by a trigger and
/// backfilled.
fn trigger_recipe(
    ctx: &StatementContext<'_>,
    alter: &AlterTable<'_>,
    def: &sqlparser::ast::ColumnDef,
) -> Option<String> {
    let expr = def.options.iter().find_map(|o| match &o.option {
        ColumnOption::Generated {
            generation_expr: Some(e),
            ..
        } => Some(e),
        _ => None,
    })?;
    let t = alter.written_name(ctx);
    let column = ident(&def.name);
    Some(format!(
        "-- bellows:expand\n\
         ALTER TABLE {t} ADD COLUMN {column} {ty};\n\
         -- keep {column} = {expr} for new and changed rows with a BEFORE INSERT OR UPDATE trigger\n\n\
         -- bellows:backfill table={key} key={BACKFILL_KEY}\n\
         UPDATE {t} SET {column} = {expr} WHERE {column} IS DISTINCT FROM {expr};",
        ty = def.data_type,
        key = directive_table(&t),
    ))
}

/// The statement with its `STORED` (or MariaDB `PERSISTENT`) keyword replaced by
/// `VIRTUAL`.
fn replace_stored(sql: &str) -> Option<String> {
    let upper = sql.to_ascii_uppercase();
    ["STORED", "PERSISTENT"].iter().find_map(|word| {
        let at = upper.rfind(&format!(" {word}"))? + 1;
        Some(format!("{}VIRTUAL{}", &sql[..at], &sql[at + word.len()..]))
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{at, check_with, mysql, pg, rules_in, rules_pg};
    use crate::lint::LintOptions;
    use crate::sql::Dialect;

    #[test]
    fn flags_stored_on_postgres_17_without_a_virtual_rewrite() {
        insta::assert_snapshot!(at(
        Dialect::Postgres,
        "17",
        "ALTER TABLE users ADD COLUMN email_lower text GENERATED ALWAYS AS (lower(email)) STORED;"
    ));
    }

    #[test]
    fn flags_stored_on_mysql_with_the_virtual_rewrite() {
        insta::assert_snapshot!(mysql(
            "ALTER TABLE users ADD COLUMN email_lower varchar(255) AS (lower(email)) STORED;"
        ));
    }

    #[test]
    fn passes_virtual_columns_and_new_tables() {
        assert!(rules_in(
            Dialect::Mysql,
            "ALTER TABLE users ADD COLUMN l varchar(255) AS (lower(email)) VIRTUAL;"
        )
        .is_empty());
        assert!(rules_pg("CREATE TABLE t (a text);\nALTER TABLE t ADD COLUMN b text GENERATED ALWAYS AS (lower(a)) STORED;").is_empty());
        let _ = pg("SELECT 1;");
    }

    #[test]
    fn token_path_flags_mariadb_persistent() {
        let sql =
            "ALTER TABLE users ADD COLUMN email_lower varchar(255) AS (lower(email)) PERSISTENT;";
        insta::assert_snapshot!(check_with(LintOptions::new(Dialect::Mariadb), sql));
    }
}
