//! Which table of a backfill statement the section's `table=` designates, as the statement
//! writes it (quotes kept): what the catalog lookup follows.

use super::same_table;
use sqlparser::ast::{FromTable, ObjectName, SetExpr, Statement, TableFactor};

/// The name of the statement's table that `table` (the directive) designates.
pub(super) fn target_name(statement: &Statement, table: &str) -> Option<ObjectName> {
    let factors: Vec<&TableFactor> = match statement {
        Statement::Update(u) => vec![&u.table.relation],
        Statement::Delete(d) => match &d.from {
            FromTable::WithFromKeyword(t) | FromTable::WithoutKeyword(t) => {
                t.iter().map(|t| &t.relation).collect()
            }
        },
        Statement::Insert(ins) => match ins.source.as_ref().map(|q| q.body.as_ref()) {
            Some(SetExpr::Select(select)) => select
                .from
                .iter()
                .flat_map(|t| {
                    std::iter::once(&t.relation).chain(t.joins.iter().map(|j| &j.relation))
                })
                .collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    factors.into_iter().find_map(|f| match f {
        TableFactor::Table { name, .. } if same_table(name, table) => Some(name.clone()),
        _ => None,
    })
}
