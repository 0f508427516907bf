//! The backfill statement, parsed with sqlparser: what makes it safe to run in key-range
//! batches (one target table, a `WHERE` that skips rows already done), and the batched form
//! with `key > lo AND key <= hi` added to its predicate in the syntax tree.

use crate::Dialect;
use sqlparser::ast::{
    AssignmentTarget, BinaryOperator, Delete, Expr, FromTable, Ident, Insert, ObjectName,
    ObjectNamePart, SetExpr, Statement, TableFactor, TableObject, Update, Value,
};
use sqlparser::tokenizer::{Token, Tokenizer};

/// A backfill statement that can be batched.
#[derive(Debug, Clone)]
pub struct Rewritable {
    statement: Statement,
    /// How the batched table is named inside the statement (its alias, or its name).
    qualifier: Vec<Ident>,
    /// The batched table as the statement names it (quotes kept).
    target: ObjectName,
    dialect: Dialect,
}

/// One key column as the rewrite needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholder {
    /// A plain bound value.
    Plain,
    /// A bound text value cast to `uuid` (PostgreSQL uuid keys).
    Uuid,
    /// A bound text value cast to `bpchar` (PostgreSQL `character(n)` keys: compared as
    /// text, the key's index could not be used).
    FixedChar,
}

impl Rewritable {
    /// Parse `sql` and check that it can be batched over `table`.
    ///
    /// # Errors
    /// Why it cannot be batched safely, in words a user acts on.
    pub fn parse(sql: &str, table: &str, dialect: Dialect) -> Result<Self, String> {
        let mut parsed = crate::sql::parse_bounded(sql, dialect)
            .map_err(|e| format!("the backfill statement does not parse: {e}"))?;
        if parsed.len() != 1 {
            return Err(format!(
                "a backfill section holds exactly one statement, found {}",
                parsed.len()
            ));
        }
        let statement = parsed.remove(0);
        let qualifier = match &statement {
            Statement::Update(u) => update_qualifier(u, table, dialect)?,
            Statement::Insert(ins) => insert_qualifier(ins, table, dialect)?,
            Statement::Delete(d) => delete_qualifier(d, table)?,
            other => {
                return Err(format!(
                    "a backfill is an UPDATE (or INSERT ... SELECT, DELETE), not `{}`",
                    first_words(&other.to_string())
                ))
            }
        };
        let target = target::target_name(&statement, table)
            .ok_or("the statement does not name the table")?;
        Ok(Rewritable {
            statement,
            qualifier,
            target,
            dialect,
        })
    }

    /// The batched table as the statement writes it (`"Users"`, `app.users`): what the
    /// catalog lookup follows, with the dialect's rules for quoted and unquoted names.
    #[must_use]
    pub(crate) fn target(&self) -> String {
        self.target.to_string()
    }

    /// The statement restricted to a key range: `key > lo AND key <= hi` (or only
    /// `key <= hi` for the first batch, `with_lo == false`), as row comparisons for a
    /// composite key. Placeholders are numbered from 1, lo before hi.
    #[must_use]
    pub fn batched(&self, key: &[(String, Placeholder)], with_lo: bool) -> String {
        let mut statement = self.statement.clone();
        let column = |name: &str| {
            let mut parts = self.qualifier.clone();
            parts.push(self.ident(name));
            Expr::CompoundIdentifier(parts)
        };
        let columns: Vec<Expr> = key.iter().map(|(n, _)| column(n)).collect();
        let mut next = 0;
        let mut params = |key: &[(String, Placeholder)]| -> Vec<Expr> {
            key.iter()
                .map(|(_, p)| {
                    next += 1;
                    self.bound(next, *p)
                })
                .collect()
        };
        let pack = |mut v: Vec<Expr>| {
            if v.len() == 1 {
                v.remove(0)
            } else {
                Expr::Tuple(v)
            }
        };
        let cmp = |op, rhs: Vec<Expr>| Expr::BinaryOp {
            left: Box::new(pack(columns.clone())),
            op,
            right: Box::new(pack(rhs)),
        };
        let mut range = Vec::new();
        if with_lo {
            range.push(cmp(BinaryOperator::Gt, params(key)));
        }
        range.push(cmp(BinaryOperator::LtEq, params(key)));
        let range = range
            .into_iter()
            .reduce(|a, b| Expr::BinaryOp {
                left: Box::new(a),
                op: BinaryOperator::And,
                right: Box::new(b),
            })
            .expect("at least the upper bound");
        let and = |existing: Option<Expr>| {
            Some(match existing {
                Some(w) => Expr::BinaryOp {
                    left: Box::new(Expr::Nested(Box::new(w))),
                    op: BinaryOperator::And,
                    right: Box::new(range),
                },
                None => range,
            })
        };
        match &mut statement {
            Statement::Update(u) => u.selection = and(u.selection.take()),
            Statement::Delete(d) => d.selection = and(d.selection.take()),
            Statement::Insert(ins) => {
                if let Some(SetExpr::Select(select)) = ins.source.as_mut().map(|q| q.body.as_mut())
                {
                    select.selection = and(select.selection.take());
                }
            }
            _ => unreachable!("checked by parse"),
        }
        statement.to_string()
    }

    /// Placeholder `n`, cast as `p` says.
    fn bound(&self, n: usize, p: Placeholder) -> Expr {
        let value = Expr::Value(Value::Placeholder(self.dialect.placeholder(n)).with_empty_span());
        let data_type = match p {
            Placeholder::Plain => return value,
            Placeholder::Uuid => sqlparser::ast::DataType::Uuid,
            Placeholder::FixedChar => {
                sqlparser::ast::DataType::Custom(vec![Ident::new("bpchar")].into(), vec![])
            }
        };
        Expr::Cast {
            kind: sqlparser::ast::CastKind::Cast,
            expr: Box::new(value),
            data_type,
            format: None,
        }
    }

    /// A query returning one row per row that still matches the backfill's predicate, at
    /// most `limit`.
    #[must_use]
    pub fn remaining_check(&self, limit: u64) -> String {
        match &self.statement {
            Statement::Update(u) => {
                let mut from = u.table.to_string();
                if let Some(extra) = &u.from {
                    let tables = match extra {
                        sqlparser::ast::UpdateTableFromKind::BeforeSet(t)
                        | sqlparser::ast::UpdateTableFromKind::AfterSet(t) => t,
                    };
                    for t in tables {
                        from.push_str(&format!(", {t}"));
                    }
                }
                let selection = u.selection.as_ref().expect("checked by parse");
                format!("SELECT 1 FROM {from} WHERE {selection} LIMIT {limit}")
            }
            Statement::Delete(d) => {
                let tables = match &d.from {
                    FromTable::WithFromKeyword(t) | FromTable::WithoutKeyword(t) => t,
                };
                let selection = d.selection.as_ref().expect("checked by parse");
                format!(
                    "SELECT 1 FROM {} WHERE {selection} LIMIT {limit}",
                    tables[0]
                )
            }
            Statement::Insert(ins) => {
                let query = ins.source.as_ref().expect("checked by parse");
                format!("SELECT 1 FROM ({query}) AS bellows_remaining LIMIT {limit}")
            }
            _ => unreachable!("checked by parse"),
        }
    }

    fn ident(&self, name: &str) -> Ident {
        Ident::with_quote(self.dialect.quote_char(), name)
    }
}

/// The table an UPDATE batches over (its alias or name), after checking it can be batched.
fn update_qualifier(u: &Update, table: &str, dialect: Dialect) -> Result<Vec<Ident>, String> {
    if !u.table.joins.is_empty() {
        return Err("multi-table UPDATE (JOIN in the target list): bellows cannot bound its batches to rows of one table; update one table and read the others in a subquery".into());
    }
    if u.limit.is_some() || !u.order_by.is_empty() {
        return Err("UPDATE with ORDER BY or LIMIT: bellows sets the batches itself".into());
    }
    if u.returning.is_some() {
        return Err("UPDATE ... RETURNING: a backfill returns no rows".into());
    }
    let qualifier = factor_qualifier(&u.table.relation, table)?.ok_or_else(|| {
        format!(
            "the statement updates {}, but the section says table={table}",
            u.table.relation
        )
    })?;
    let Some(selection) = &u.selection else {
        return Err("UPDATE without WHERE: the predicate must skip rows already done (e.g. `WHERE new_col IS NULL`), so that a resumed or repeated batch changes nothing twice".into());
    };
    let assigned: Vec<String> = u
        .assignments
        .iter()
        .flat_map(|a| match &a.target {
            AssignmentTarget::ColumnName(n) => vec![last_name(n)],
            AssignmentTarget::Tuple(ns) => ns.iter().map(last_name).collect(),
        })
        .collect();
    let words = words(&selection.to_string(), dialect);
    if !assigned.iter().any(|c| words.contains(c)) {
        return Err(format!(
                "the WHERE clause mentions none of the columns the UPDATE sets ({}): rows already done would match again, so the backfill is not idempotent; add a condition such as `{} IS NULL`",
                assigned.join(", "),
                assigned.first().map_or("new_column", String::as_str)
            ));
    }
    Ok(qualifier)
}

/// The source table an INSERT ... SELECT batches over, after checking it can be batched.
fn insert_qualifier(ins: &Insert, table: &str, dialect: Dialect) -> Result<Vec<Ident>, String> {
    let Some(query) = &ins.source else {
        return Err("INSERT without SELECT: nothing to batch".into());
    };
    let SetExpr::Select(select) = query.body.as_ref() else {
        return Err("INSERT ... SELECT with UNION or VALUES: bellows batches a single SELECT over the source table".into());
    };
    if query.limit_clause.is_some() || query.order_by.is_some() {
        return Err(
            "INSERT ... SELECT with ORDER BY or LIMIT: bellows sets the batches itself".into(),
        );
    }
    let qualifier = select
        .from
        .iter()
        .flat_map(|t| std::iter::once(&t.relation).chain(t.joins.iter().map(|j| &j.relation)))
        .find_map(|f| factor_qualifier(f, table).ok().flatten())
        .ok_or_else(|| {
            format!("the SELECT does not read table={table}, the table the section batches over")
        })?;
    let TableObject::TableName(target) = &ins.table else {
        return Err("INSERT into a table function: not supported".into());
    };
    // The guard must be in the WHERE: the check before a contract counts the source
    // rows the statement would still insert, and only a NOT EXISTS against the
    // target makes that count fall to zero once everything is copied
    // (ON CONFLICT DO NOTHING / INSERT IGNORE alone never would).
    let guards = select
        .selection
        .as_ref()
        .is_some_and(|w| words(&w.to_string(), dialect).contains(&last_name(target)));
    if !guards {
        return Err(format!(
                "INSERT ... SELECT needs a guard in its WHERE, e.g. `WHERE NOT EXISTS (SELECT 1 FROM {} t WHERE t.id = src.id)`: \
                 without it rows are inserted twice and the check before the contract can never reach zero \
                 (ON CONFLICT DO NOTHING / INSERT IGNORE may stay as well, not instead)",
                last_name(target)
            ));
    }
    Ok(qualifier)
}

/// The table a DELETE batches over, after checking it can be batched.
fn delete_qualifier(d: &Delete, table: &str) -> Result<Vec<Ident>, String> {
    let tables = match &d.from {
        FromTable::WithFromKeyword(t) | FromTable::WithoutKeyword(t) => t,
    };
    if tables.len() != 1 || !tables[0].joins.is_empty() || !d.tables.is_empty() || d.using.is_some()
    {
        return Err("multi-table DELETE: bellows cannot bound its batches".into());
    }
    if d.limit.is_some() || !d.order_by.is_empty() {
        return Err("DELETE with ORDER BY or LIMIT: bellows sets the batches itself".into());
    }
    if d.selection.is_none() {
        return Err("DELETE without WHERE: state which rows the backfill removes".into());
    }
    factor_qualifier(&tables[0].relation, table)?.ok_or_else(|| {
        format!(
            "the statement deletes from {}, but the section says table={table}",
            tables[0].relation
        )
    })
}

/// How `factor` is referred to when it is `table` (its alias, else its name as written);
/// `None` when it is another table.
fn factor_qualifier(factor: &TableFactor, table: &str) -> Result<Option<Vec<Ident>>, String> {
    let TableFactor::Table { name, alias, .. } = factor else {
        return Ok(None);
    };
    if !same_table(name, table) {
        return Ok(None);
    }
    Ok(Some(match alias {
        Some(a) => vec![a.name.clone()],
        None => name
            .0
            .iter()
            .filter_map(|p| match p {
                ObjectNamePart::Identifier(i) => Some(i.clone()),
                ObjectNamePart::Function(_) => None,
            })
            .collect(),
    }))
}

/// Does `name` (as written in SQL) name `table` (as written in the directive)?
pub(super) fn same_table(name: &ObjectName, table: &str) -> bool {
    let written: Vec<String> = name
        .0
        .iter()
        .map(|p| match p {
            ObjectNamePart::Identifier(i) if i.quote_style.is_some() => i.value.clone(),
            ObjectNamePart::Identifier(i) => i.value.to_lowercase(),
            ObjectNamePart::Function(f) => f.name.value.clone(),
        })
        .collect();
    let wanted: Vec<String> = table.split('.').map(str::to_lowercase).collect();
    let lowered: Vec<String> = written.iter().map(|w| w.to_lowercase()).collect();
    // Equal names, or an unqualified statement table matching the directive's last part (it
    // resolves through the search path, as the directive does). A schema written in the
    // statement but not in the directive could name another table: refused.
    lowered == wanted || (lowered.len() == 1 && wanted.last() == lowered.last())
}

fn last_name(name: &ObjectName) -> String {
    match name.0.last() {
        Some(ObjectNamePart::Identifier(i)) => i.value.to_lowercase(),
        _ => String::new(),
    }
}

/// The identifiers of an expression's text, lowercased.
fn words(sql: &str, dialect: Dialect) -> Vec<String> {
    Tokenizer::new(dialect.parser_dialect().as_ref(), sql)
        .tokenize()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|t| match t {
            Token::Word(w) => Some(w.value.to_lowercase()),
            _ => None,
        })
        .collect()
}

fn first_words(sql: &str) -> String {
    sql.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

mod target;
#[cfg(test)]
mod tests;
