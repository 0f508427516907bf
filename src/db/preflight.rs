//! The queries of the contract's preflight (see `engine/preflight.rs`): how many rows break
//! a condition a contract statement depends on, counted up to [`CAP`]. Identifiers are
//! written as the migration's own statement wrote them, so the check reads the same table
//! and columns the statement will.

use super::{Backend, Row, SqlValue};
use crate::{Dialect, Result};

/// Violations are counted up to this many (the check stops there).
pub(crate) const CAP: u64 = 1000;

/// A condition on the data that a contract statement needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Condition {
    /// No NULL in `column` (SET NOT NULL, MODIFY ... NOT NULL).
    NotNull {
        /// The table, as written.
        table: String,
        /// The column, as written.
        column: String,
    },
    /// Every row passes the CHECK expression (NULL passes).
    Check {
        /// The table, as written.
        table: String,
        /// The expression, as written.
        expr: String,
    },
    /// Every non-NULL key has its referenced row.
    ForeignKey {
        /// The referencing table, as written.
        table: String,
        /// Its key columns, as written.
        columns: Vec<String>,
        /// The referenced table, as written.
        referenced: String,
        /// The referenced columns, as written.
        referenced_columns: Vec<String>,
    },
    /// No two rows share the (non-NULL) key.
    Unique {
        /// The table, as written.
        table: String,
        /// The columns, as written.
        columns: Vec<String>,
    },
    /// An existing constraint (a CHECK or foreign key added NOT VALID) holds for every row.
    Validated {
        /// The table, as written.
        table: String,
        /// The constraint's name in the catalog.
        constraint: String,
    },
}

impl Condition {
    /// The condition in words, for the refusal.
    pub(crate) fn describe(&self) -> String {
        match self {
            Condition::NotNull { table, column } => format!("rows of {table} have {column} NULL"),
            Condition::Check { table, expr } => format!("rows of {table} fail CHECK ({expr})"),
            Condition::ForeignKey {
                table,
                columns,
                referenced,
                ..
            } => format!(
                "rows of {table} have a ({}) with no matching row in {referenced} (orphans)",
                columns.join(", ")
            ),
            Condition::Unique { table, columns } => {
                format!("key values of ({}) repeat in {table}", columns.join(", "))
            }
            Condition::Validated { table, constraint } => {
                format!("rows of {table} break constraint {constraint}")
            }
        }
    }
}

/// What `old` has that `new` lacks, of NOT NULL and UNIQUE (alone on the column), as the
/// live schema says: the properties a contract dropping `old` would lose. Empty when the
/// table or either column is not found (the contract's own statements will say so).
///
/// # Errors
/// Database errors.
pub(crate) async fn lost_properties(
    db: &mut dyn Backend,
    table: &str,
    old: &str,
    new: &str,
) -> Result<Vec<&'static str>> {
    let folding = super::schema_live::folding(db).await?;
    let Some(name) = crate::schema::TableName::parse(table, db.dialect(), folding) else {
        return Ok(Vec::new());
    };
    let model = super::schema_live::schema_model(db, Some(std::slice::from_ref(&name))).await?;
    let crate::schema::Lookup::Known(t) = model.table(&name) else {
        return Ok(Vec::new());
    };
    let (Some(o), Some(n)) = (t.column_written(old), t.column_written(new)) else {
        return Ok(Vec::new());
    };
    let mut lost = Vec::new();
    if !o.nullable && n.nullable {
        lost.push("NOT NULL");
    }
    if t.unique_over(std::slice::from_ref(&o.name)) && !t.unique_over(std::slice::from_ref(&n.name))
    {
        lost.push("UNIQUE");
    }
    Ok(lost)
}

/// How many rows break `condition` (up to [`CAP`]); 0 when it holds or cannot be checked
/// (a constraint the catalog does not have: the statement will say so itself).
///
/// # Errors
/// Database errors (a table or column the statement names but the database lacks).
pub(crate) async fn violations(db: &mut dyn Backend, condition: &Condition) -> Result<u64> {
    let dialect = db.dialect();
    let resolved;
    let condition = match condition {
        Condition::Validated { table, constraint } => {
            match validated(db, table, constraint).await? {
                Some(c) => {
                    resolved = c;
                    &resolved
                }
                None => return Ok(0),
            }
        }
        other => other,
    };
    let Some(rows) = offending_rows(condition) else {
        return Ok(0);
    };
    let sql = format!(
        "SELECT {} FROM ({rows} LIMIT {CAP}) AS bellows_preflight",
        dialect.cast_to_text("count(*)")
    );
    let found = db.query(&sql, &[]).await?;
    Ok(Row::scalar(&found)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

/// A query returning one row per violation (without its LIMIT).
fn offending_rows(condition: &Condition) -> Option<String> {
    Some(match condition {
        Condition::NotNull { table, column } => {
            format!("SELECT 1 FROM {table} WHERE {column} IS NULL")
        }
        Condition::Check { table, expr } => format!("SELECT 1 FROM {table} WHERE NOT ({expr})"),
        Condition::ForeignKey {
            table,
            columns,
            referenced,
            referenced_columns,
        } => {
            let present: Vec<String> = columns
                .iter()
                .map(|c| format!("bellows_child.{c} IS NOT NULL"))
                .collect();
            let joined: Vec<String> = columns
                .iter()
                .zip(referenced_columns)
                .map(|(c, r)| format!("bellows_parent.{r} = bellows_child.{c}"))
                .collect();
            format!(
                "SELECT 1 FROM {table} AS bellows_child WHERE {} AND NOT EXISTS \
                 (SELECT 1 FROM {referenced} AS bellows_parent WHERE {})",
                present.join(" AND "),
                joined.join(" AND ")
            )
        }
        Condition::Unique { table, columns } => {
            let present: Vec<String> = columns.iter().map(|c| format!("{c} IS NOT NULL")).collect();
            format!(
                "SELECT 1 FROM {table} WHERE {} GROUP BY {} HAVING count(*) > 1",
                present.join(" AND "),
                columns.join(", ")
            )
        }
        Condition::Validated { .. } => return None,
    })
}

/// A PostgreSQL constraint (CHECK or foreign key) as the condition it states; `None` when
/// the catalog has no such constraint, or on MySQL (which has no VALIDATE).
async fn validated(
    db: &mut dyn Backend,
    table: &str,
    constraint: &str,
) -> Result<Option<Condition>> {
    if db.dialect() != Dialect::Postgres {
        return Ok(None);
    }
    let sql = "SELECT CAST(c.contype AS text), pg_get_constraintdef(c.oid), \
               (SELECT string_agg(quote_ident(CAST(a.attname AS text)), ',' ORDER BY k.n) \
                  FROM unnest(c.conkey) WITH ORDINALITY AS k(att, n) \
                  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.att), \
               CAST(CAST(c.confrelid AS regclass) AS text), \
               (SELECT string_agg(quote_ident(CAST(a.attname AS text)), ',' ORDER BY k.n) \
                  FROM unnest(c.confkey) WITH ORDINALITY AS k(att, n) \
                  JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.att) \
               FROM pg_constraint c WHERE c.conrelid = to_regclass($1) AND c.conname = $2";
    let binds = [
        SqlValue::Text(table.to_string()),
        SqlValue::Text(constraint.to_string()),
    ];
    let rows = db.query(sql, &binds).await?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let split = |i: usize| {
        row.text(i)
            .split(',')
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    Ok(match row.opt_text(0) {
        Some("c") => check_expr(&row.text(1)).map(|expr| Condition::Check {
            table: table.to_string(),
            expr,
        }),
        Some("f") => Some(Condition::ForeignKey {
            table: table.to_string(),
            columns: split(2),
            referenced: row.text(3),
            referenced_columns: split(4),
        }),
        _ => None,
    })
}

/// The expression of a `pg_get_constraintdef` CHECK: `CHECK ((expr)) NOT VALID` → `(expr)`.
fn check_expr(def: &str) -> Option<String> {
    let body = def.strip_prefix("CHECK ")?;
    let body = body.strip_suffix(" NOT VALID").unwrap_or(body);
    let body = body.strip_suffix(" NO INHERIT").unwrap_or(body);
    Some(body.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_definition_gives_its_expression() {
        assert_eq!(
            check_expr("CHECK ((name IS NOT NULL)) NOT VALID").as_deref(),
            Some("((name IS NOT NULL))")
        );
        assert_eq!(check_expr("CHECK ((a > 0))").as_deref(), Some("((a > 0))"));
        assert_eq!(check_expr("FOREIGN KEY (a) REFERENCES b(id)"), None);
    }

    #[test]
    fn offending_rows_of_each_condition() {
        let fk = Condition::ForeignKey {
            table: "`users`".into(),
            columns: vec!["`account_id`".into()],
            referenced: "`accounts`".into(),
            referenced_columns: vec!["`id`".into()],
        };
        assert_eq!(
            offending_rows(&fk).unwrap(),
            "SELECT 1 FROM `users` AS bellows_child WHERE bellows_child.`account_id` IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM `accounts` AS bellows_parent WHERE bellows_parent.`id` = bellows_child.`account_id`)"
        );
        let unique = Condition::Unique {
            table: "t".into(),
            columns: vec!["a".into(), "b".into()],
        };
        assert_eq!(
            offending_rows(&unique).unwrap(),
            "SELECT 1 FROM t WHERE a IS NOT NULL AND b IS NOT NULL GROUP BY a, b HAVING count(*) > 1"
        );
    }
}
