//! The contract's preflight: before a contract phase changes anything, the conditions its
//! statements depend on are checked against the data, and the contract is refused with the
//! count when one does not hold. A `SET NOT NULL` over NULLs, a foreign key over orphans or a
//! unique constraint over duplicates would otherwise fail half way through the phase — on
//! PostgreSQL after a `NOT VALID` check was already added and left in place (the app's NULL
//! writes then fail), on MySQL after earlier DDL committed, or not at all where
//! `foreign_key_checks = 0` lets orphans in. This module reads the statements (pure); the
//! queries are in `db/preflight.rs`.

use crate::db::preflight::Condition;
use crate::sql::Statement;
use crate::Dialect;
use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, Expr, Ident, ObjectName, Statement as Ast,
    TableConstraint,
};
use sqlparser::parser::Parser;

/// A condition and the statement (its line) that depends on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Needed {
    /// What must hold.
    pub(crate) condition: Condition,
    /// The line of the statement that needs it.
    pub(crate) line: usize,
}

/// The conditions `statements` depend on, in statement order. Statements bellows cannot
/// read add nothing (the database still checks them when they run).
pub(crate) fn conditions(statements: &[Statement], dialect: Dialect) -> Vec<Needed> {
    let mut out = Vec::new();
    for s in statements {
        let Ok(parsed) = Parser::parse_sql(dialect.parser_dialect().as_ref(), &s.sql) else {
            continue;
        };
        for ast in &parsed {
            for condition in of_statement(ast) {
                out.push(Needed {
                    condition,
                    line: s.start.line,
                });
            }
        }
    }
    out
}

fn of_statement(ast: &Ast) -> Vec<Condition> {
    match ast {
        Ast::AlterTable(alter) => alter
            .operations
            .iter()
            .filter_map(|op| of_operation(&alter.name, op))
            .collect(),
        Ast::CreateIndex(index) if index.unique => {
            let columns: Option<Vec<String>> = index
                .columns
                .iter()
                .map(|c| column_of(&c.column.expr))
                .collect();
            columns
                .map(|columns| Condition::Unique {
                    table: index.table_name.to_string(),
                    columns,
                })
                .into_iter()
                .collect()
        }
        _ => Vec::new(),
    }
}

fn of_operation(table: &ObjectName, op: &AlterTableOperation) -> Option<Condition> {
    let table = table.to_string();
    match op {
        AlterTableOperation::AlterColumn {
            column_name,
            op: AlterColumnOperation::SetNotNull,
        } => Some(Condition::NotNull {
            table,
            column: ident(column_name),
        }),
        AlterTableOperation::ModifyColumn {
            col_name, options, ..
        } if not_null(options) => Some(Condition::NotNull {
            table,
            column: ident(col_name),
        }),
        AlterTableOperation::ChangeColumn {
            old_name, options, ..
        } if not_null(options) => Some(Condition::NotNull {
            table,
            column: ident(old_name),
        }),
        AlterTableOperation::AddConstraint { constraint, .. } => of_constraint(table, constraint),
        AlterTableOperation::ValidateConstraint { name } => Some(Condition::Validated {
            table,
            constraint: catalog_name(name),
        }),
        _ => None,
    }
}

fn of_constraint(table: String, constraint: &TableConstraint) -> Option<Condition> {
    match constraint {
        // A CHECK added NOT VALID is not checked against existing rows; one added valid is,
        // as is its later VALIDATE: both are caught through `Validated` or here.
        TableConstraint::Check(check) => Some(Condition::Check {
            table,
            expr: check.expr.to_string(),
        }),
        TableConstraint::ForeignKey(fk) => Some(Condition::ForeignKey {
            table,
            columns: fk.columns.iter().map(ident).collect(),
            referenced: fk.foreign_table.to_string(),
            referenced_columns: fk.referred_columns.iter().map(ident).collect(),
        }),
        TableConstraint::Unique(unique) => {
            let columns: Option<Vec<String>> = unique
                .columns
                .iter()
                .map(|c| column_of(&c.column.expr))
                .collect();
            columns.map(|columns| Condition::Unique { table, columns })
        }
        _ => None,
    }
}

fn not_null(options: &[sqlparser::ast::ColumnOption]) -> bool {
    options
        .iter()
        .any(|o| matches!(o, sqlparser::ast::ColumnOption::NotNull))
}

/// An identifier as the statement wrote it (quoted or not), to write into the checking
/// query exactly as the statement itself refers to it.
fn ident(id: &Ident) -> String {
    id.to_string()
}

/// A constraint's name as the catalog stores it: as quoted, or folded to lower case.
fn catalog_name(id: &Ident) -> String {
    if id.quote_style.is_some() {
        id.value.clone()
    } else {
        id.value.to_lowercase()
    }
}

fn column_of(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Identifier(id) => Some(ident(id)),
        _ => None,
    }
}

/// Whether `conditions` (of the contract's statements) give `column` the property `what`
/// (`NOT NULL` or `UNIQUE`).
pub(crate) fn adds(conditions: &[Needed], column: &str, what: &str) -> bool {
    let bare = |c: &str| c.trim_matches(['"', '`']).to_lowercase();
    let column = column.to_lowercase();
    conditions.iter().any(|n| match (&n.condition, what) {
        (Condition::NotNull { column: c, .. }, "NOT NULL") => bare(c) == column,
        (Condition::Check { expr, .. }, "NOT NULL") => {
            let e = expr.to_lowercase();
            e.contains(&column) && e.contains("is not null")
        }
        (Condition::Unique { columns, .. }, "UNIQUE") => {
            columns.len() == 1 && bare(&columns[0]) == column
        }
        _ => false,
    })
}

/// A column the contract drops whose values the backfill copied into another one: the
/// replacement should carry the old column's NOT NULL and UNIQUE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Replaced {
    /// The table, as written.
    pub(crate) table: String,
    /// The dropped column, as the catalog stores it (unquoted value).
    pub(crate) old: String,
    /// The column the backfill filled from it.
    pub(crate) new: String,
    /// The line of the DROP.
    pub(crate) line: usize,
}

/// The columns `contract` drops that `backfill` (the same migration's backfill statement)
/// copied into another column (`SET new = f(old)`).
pub(crate) fn replaced(
    contract: &[Statement],
    backfill: Option<&Statement>,
    dialect: Dialect,
) -> Vec<Replaced> {
    let Some(copies) = backfill.map(|b| copies(&b.sql, dialect)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for s in contract {
        let Ok(parsed) = Parser::parse_sql(dialect.parser_dialect().as_ref(), &s.sql) else {
            continue;
        };
        for ast in &parsed {
            let Ast::AlterTable(alter) = ast else {
                continue;
            };
            for op in &alter.operations {
                let AlterTableOperation::DropColumn { column_names, .. } = op else {
                    continue;
                };
                for dropped in column_names {
                    let old = dropped.value.to_lowercase();
                    if let Some((new, _)) = copies.iter().find(|(_, from)| from.contains(&old)) {
                        out.push(Replaced {
                            table: alter.name.to_string(),
                            old: dropped.value.clone(),
                            new: new.clone(),
                            line: s.start.line,
                        });
                    }
                }
            }
        }
    }
    out
}

/// The columns an UPDATE assigns, each with the lower-cased identifiers of its value.
fn copies(sql: &str, dialect: Dialect) -> Vec<(String, Vec<String>)> {
    let Ok(parsed) = Parser::parse_sql(dialect.parser_dialect().as_ref(), sql) else {
        return Vec::new();
    };
    let Some(Ast::Update(update)) = parsed.first() else {
        return Vec::new();
    };
    update
        .assignments
        .iter()
        .filter_map(|a| match &a.target {
            sqlparser::ast::AssignmentTarget::ColumnName(name) => {
                let target = name.0.last()?.as_ident()?.value.clone();
                let words: Vec<String> = a
                    .value
                    .to_string()
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .filter(|w| !w.is_empty())
                    .map(str::to_lowercase)
                    .collect();
                Some((target, words))
            }
            sqlparser::ast::AssignmentTarget::Tuple(_) => None,
        })
        .collect()
}

#[cfg(test)]
mod tests;
