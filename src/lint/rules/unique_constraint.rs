//! `unique-constraint`: a `UNIQUE` constraint added to an existing table builds its index
//! under a lock that blocks writes (PostgreSQL) or fails late on duplicates after a long
//! build (MySQL). PostgreSQL's safe path is a concurrent unique index, then `USING INDEX`.

use super::common::{alter_existing, alter_name, has_option, ident};
use crate::lint::{Finding, Rule, Severity, StatementContext};
use sqlparser::ast::{AlterTableOperation, ColumnOption, TableConstraint};

/// Flags `UNIQUE` constraints added to existing tables.
pub struct UniqueConstraint;

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
        let Some((table, ops)) = alter_existing(ctx) else {
            return;
        };
        for op in ops {
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
            let finding = if ctx.dialect().is_mysql_family() {
                Finding::new(
                    self.default_severity(),
                    format!("adding a UNIQUE constraint to `{table}` builds an index and fails late on duplicates"),
                    "MySQL builds the unique index in place, but only finds duplicates at the end of \
                     the build (and concurrent writes that create one make it fail too), after hours \
                     of I/O on a large table. Check for duplicates first, assert \
                     `ALGORITHM=INPLACE, LOCK=NONE`, and allow this with a reason.",
                )
            } else {
                let index = name
                    .clone()
                    .unwrap_or_else(|| format!("{table}_{}_key", columns.join("_")));
                let t = alter_name(ctx);
                Finding::new(
                    self.default_severity(),
                    format!("adding a UNIQUE constraint to `{table}` builds its index while blocking reads and writes"),
                    "ADD CONSTRAINT ... UNIQUE builds the index while holding ACCESS EXCLUSIVE on the \
                     table: every read and write waits for the whole build. Build the unique index \
                     CONCURRENTLY first, then attach it as the constraint (instant).",
                )
                .suggest(format!(
                    "CREATE UNIQUE INDEX CONCURRENTLY {index} ON {t} ({});\nALTER TABLE {t} ADD CONSTRAINT {index} UNIQUE USING INDEX {index};",
                    columns.join(", ")
                ))
            };
            out.push(finding.on_table(table.clone()));
        }
    }
}
