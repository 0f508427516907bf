//! When an `UPDATE`/`DELETE` touches few rows (issue 14): its `WHERE` bounds a key column by
//! an equality, an `IN` list, a range or `BETWEEN` (a function of a column, `json_length(x)
//! = 0`, bounds nothing), and which tables are the server's own catalogs.

use crate::lint::StatementContext;
use crate::schema::Table;
use sqlparser::ast::{BinaryOperator, Expr, ObjectName, UnaryOperator};

/// The key columns of a statement's table: the primary key and unique indexes' columns
/// when a folder lint's model knows the table, and the usual key names (`id`, `*_id`,
/// `uuid`, `*_uuid`) always.
pub(crate) struct Keys<'t> {
    table: Option<&'t Table>,
}

impl<'t> Keys<'t> {
    /// The keys of `name` as `ctx` knows them.
    pub(crate) fn of(ctx: &StatementContext<'t>, name: &ObjectName) -> Keys<'t> {
        Keys {
            table: ctx.known_table(name),
        }
    }

    /// True when `column` (as written, unquoted) is a key column.
    fn contains(&self, column: &str) -> bool {
        let lower = column.to_ascii_lowercase();
        if ["id", "uuid"].contains(&lower.as_str())
            || lower.ends_with("_id")
            || lower.ends_with("_uuid")
        {
            return true;
        }
        let Some(t) = self.table else {
            return false;
        };
        let same = |c: &String| c.eq_ignore_ascii_case(column);
        t.primary_key
            .as_ref()
            .is_some_and(|k| k.columns.iter().any(same))
            || t.indexes
                .iter()
                .any(|i| i.unique && i.predicate.is_none() && i.columns.first().is_some_and(same))
    }

    /// True when `e` picks a bounded set of rows: a key column compared with a value (or
    /// equal to a scalar subquery), on one side of an `AND`, on both sides of an `OR`.
    pub(crate) fn bound(&self, e: &Expr) -> bool {
        match e {
            Expr::Nested(inner) => self.bound(inner),
            Expr::BinaryOp { left, op, right } => match op {
                BinaryOperator::And => self.bound(left) || self.bound(right),
                BinaryOperator::Or => self.bound(left) && self.bound(right),
                BinaryOperator::Eq => {
                    (self.key(left) && (value(right) || single_row(right)))
                        || (self.key(right) && (value(left) || single_row(left)))
                }
                BinaryOperator::Lt
                | BinaryOperator::LtEq
                | BinaryOperator::Gt
                | BinaryOperator::GtEq => {
                    (self.key(left) && value(right)) || (self.key(right) && value(left))
                }
                _ => false,
            },
            Expr::InList {
                expr,
                list,
                negated: false,
            } => self.key(expr) && list.iter().all(value),
            Expr::Between {
                expr,
                negated: false,
                low,
                high,
            } => self.key(expr) && value(low) && value(high),
            _ => false,
        }
    }

    /// True when `e` is a key column, bare or qualified.
    fn key(&self, e: &Expr) -> bool {
        match e {
            Expr::Identifier(id) => self.contains(&id.value),
            Expr::CompoundIdentifier(ids) => ids.last().is_some_and(|id| self.contains(&id.value)),
            Expr::Nested(inner) => self.key(inner),
            _ => false,
        }
    }
}

/// A literal, a placeholder, or either cast or negated.
fn value(e: &Expr) -> bool {
    match e {
        Expr::Value(_) | Expr::TypedString { .. } => true,
        Expr::Nested(inner) | Expr::Cast { expr: inner, .. } => value(inner),
        Expr::UnaryOp {
            op: UnaryOperator::Minus | UnaryOperator::Plus,
            expr,
        } => value(expr),
        _ => false,
    }
}

/// A scalar subquery: one value, so `key = (SELECT max(id) ...)` is one row.
fn single_row(e: &Expr) -> bool {
    matches!(e, Expr::Subquery(_))
}

/// True when `name` is one of the server's own catalog tables (`pg_index`,
/// `pg_catalog.*`, `information_schema.*`, MySQL's `mysql.*`): never a bulk change of app
/// data.
pub(crate) fn is_catalog(name: &ObjectName) -> bool {
    let parts: Vec<String> = name
        .0
        .iter()
        .map(|p| p.to_string().trim_matches(['"', '`']).to_ascii_lowercase())
        .collect();
    let last = parts.last().map_or("", String::as_str);
    let schema = parts.len().checked_sub(2).map_or("", |i| parts[i].as_str());
    (last.starts_with("pg_") && matches!(schema, "" | "pg_catalog"))
        || matches!(
            schema,
            "pg_catalog" | "information_schema" | "mysql" | "performance_schema" | "sys"
        )
}
