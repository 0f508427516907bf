//! `stored-generated-column`: adding a `GENERATED ... STORED` column to an existing table
//! computes and writes it for every row — a rewrite (PostgreSQL) or copy (MySQL) that
//! blocks the app. A VIRTUAL column (MySQL, PostgreSQL 18+) costs nothing to add.

use super::common::{alter_existing, has_option, ident};
use crate::lint::{Finding, Rule, Severity, StatementContext};
use sqlparser::ast::{AlterTableOperation, ColumnOption, GeneratedExpressionMode};

/// Flags stored generated columns added to existing tables.
pub struct StoredGeneratedColumn;

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
        let Some((table, ops)) = alter_existing(ctx) else {
            return;
        };
        let mysql = ctx.dialect().is_mysql_family();
        let virtual_ok = mysql || ctx.version().at_least(18, 0);
        for op in ops {
            let AlterTableOperation::AddColumn {
                column_def: def, ..
            } = op
            else {
                continue;
            };
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
            let column = ident(&def.name);
            let mut finding = Finding::new(
                self.default_severity(),
                format!("adding stored generated column `{column}` to `{table}` rewrites every row"),
                "A STORED generated column is computed and written for every existing row when it is \
                 added: PostgreSQL rewrites the table under ACCESS EXCLUSIVE and MySQL copies it, \
                 blocking the app for the whole table. A VIRTUAL column is computed on read and \
                 added instantly; otherwise add a plain column, fill it with a trigger and a \
                 backfill.",
            )
            .on_table(table.clone());
            if virtual_ok {
                if let Some(rewrite) = replace_stored(ctx.sql) {
                    finding = finding.suggest(format!("{rewrite};"));
                }
            }
            out.push(finding);
        }
    }
}

/// The statement with its `STORED` keyword replaced by `VIRTUAL`.
fn replace_stored(sql: &str) -> Option<String> {
    let upper = sql.to_ascii_uppercase();
    let at = upper.rfind(" STORED")? + 1;
    Some(format!(
        "{}VIRTUAL{}",
        &sql[..at],
        &sql[at + "STORED".len()..]
    ))
}
