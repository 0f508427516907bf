//! `primary-key`: adding or replacing a primary key on an existing table builds a unique
//! index (and on PostgreSQL checks NOT NULL) under ACCESS EXCLUSIVE, or copies the table on
//! MySQL. PostgreSQL's safe path attaches a concurrently built index.

use super::support::alter::{alter_existing, AlterTable};
use super::support::rewrite::{ident, online_tool};
use super::support::spans::text_of;
use crate::lint::{Finding, Rule, Severity, StatementContext};
use sqlparser::ast::{AlterTableOperation, TableConstraint};

/// Flags primary keys added to, or dropped from, existing tables.
pub(crate) struct PrimaryKey;

impl Rule for PrimaryKey {
    fn id(&self) -> &'static str {
        "primary-key"
    }

    fn default_severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "ADD PRIMARY KEY / replacing a primary key on an existing table locks or copies it."
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let Some(alter) = alter_existing(ctx) else {
            return;
        };
        let (table, ops) = (&alter.table, alter.operations());
        let mysql = ctx.dialect().is_mysql_family();
        let adds = ops.iter().any(|op| {
            matches!(
                op,
                AlterTableOperation::AddConstraint {
                    constraint: TableConstraint::PrimaryKey(_),
                    ..
                }
            )
        });
        let drops = ops
            .iter()
            .position(|op| matches!(op, AlterTableOperation::DropPrimaryKey { .. }));
        let name = alter.written_name(ctx);
        let clauses = text_of(ctx, &(alter.after..ctx.tokens.all().len())).unwrap_or_default();
        if let Some(drop) = drops.filter(|_| mysql && !adds) {
            out.push(self.dropped_alone(ctx, &alter, drop));
            return;
        }
        for (i, op) in ops.iter().enumerate() {
            let AlterTableOperation::AddConstraint {
                constraint: TableConstraint::PrimaryKey(pk),
                ..
            } = op
            else {
                continue;
            };
            let columns: Vec<String> = pk
                .columns
                .iter()
                .map(|c| c.column.expr.to_string())
                .collect();
            let finding = if mysql {
                Finding::new(
                    self.default_severity(),
                    format!("adding a primary key to `{}` rebuilds the table", alter.shown(ctx)),
                    "MySQL rebuilds the clustered index to add a primary key: hours of I/O on a large \
                     table, replicas lagging for its length, and a late failure on duplicates or \
                     NULLs. Use an online schema change tool, or assert ALGORITHM=INPLACE, \
                     LOCK=NONE and allow this with a reason.",
                )
                .suggest(online_tool(&name, clauses))
            } else {
                let name = pk
                    .name
                    .as_ref()
                    .map_or_else(|| format!("{table}_pkey"), ident);
                let t = alter.parsed_name();
                Finding::new(
                    self.default_severity(),
                    format!("adding a primary key to `{}` builds its index while blocking reads and writes", alter.shown(ctx)),
                    "ADD PRIMARY KEY builds a unique index (and proves the columns NOT NULL) while \
                     holding ACCESS EXCLUSIVE: every read and write waits. Make the columns NOT NULL \
                     with the CHECK ... NOT VALID recipe, build a unique index CONCURRENTLY, then \
                     attach it (instant).",
                )
                .suggest(format!(
                    "CREATE UNIQUE INDEX CONCURRENTLY {name} ON {t} ({});\nALTER TABLE {t} ADD CONSTRAINT {name} PRIMARY KEY USING INDEX {name};",
                    columns.join(", ")
                ))
            };
            out.push(finding.on_table(table.clone()).at_some(alter.op_span(i)));
        }
    }
}

impl PrimaryKey {
    /// MySQL: the primary key dropped without a new one in the same statement.
    fn dropped_alone(
        &self,
        ctx: &StatementContext<'_>,
        alter: &AlterTable<'_>,
        drop: usize,
    ) -> Finding {
        let name = alter.written_name(ctx);
        let clauses = text_of(ctx, &(alter.after..ctx.tokens.all().len())).unwrap_or_default();
        Finding::new(
            self.default_severity(),
            format!("dropping the primary key of `{}` alone copies the table", alter.shown(ctx)),
            "Without a primary key InnoDB falls back to a hidden row id, so dropping it on its \
             own rebuilds the table with ALGORITHM=COPY, blocking writes. Drop and add the \
             new key in the same ALTER TABLE (rebuilt in place), or use an online schema \
             change tool.",
        )
        .suggest(format!(
            "-- drop and add the new key in one statement (rebuilt in place, writes continue):\n\
             --   ALTER TABLE {name} DROP PRIMARY KEY, ADD PRIMARY KEY (<new key columns>), ALGORITHM=INPLACE, LOCK=NONE;\n{}",
            online_tool(&name, clauses)
        ))
        .on_table(alter.table.clone())
        .at_some(alter.op_span(drop))
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{mysql, pg, rules_in, rules_pg};
    use crate::sql::Dialect;

    #[test]
    fn points_at_the_clause_after_an_algorithm_assertion_on_mysql() {
        insta::assert_snapshot!(mysql(
            "ALTER TABLE events\n  DROP PRIMARY KEY,\n  ADD PRIMARY KEY (id, created_at),\n  ALGORITHM=INPLACE;"
        ));
    }

    #[test]
    fn flags_add_primary_key_on_postgres() {
        insta::assert_snapshot!(pg("ALTER TABLE events ADD PRIMARY KEY (id);"));
    }

    #[test]
    fn flags_dropping_the_primary_key_alone_on_mysql() {
        insta::assert_snapshot!(mysql("ALTER TABLE events DROP PRIMARY KEY;"));
    }

    #[test]
    fn passes_using_index_and_new_tables() {
        assert!(rules_pg(
            "ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY USING INDEX events_pkey;"
        )
        .is_empty());
        assert!(rules_pg(
            "CREATE TABLE t (id bigint NOT NULL);\nALTER TABLE t ADD PRIMARY KEY (id);"
        )
        .is_empty());
        assert!(rules_in(
            Dialect::Mysql,
            "CREATE TABLE t (id bigint NOT NULL);\nALTER TABLE t ADD PRIMARY KEY (id);"
        )
        .is_empty());
    }
}
