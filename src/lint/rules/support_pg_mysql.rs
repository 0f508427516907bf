//! Token helpers shared by the PostgreSQL and MySQL/MariaDB lock rules: the target of an
//! `ALTER TABLE`, its top-level clauses, paren depth, spans and byte ranges of token runs,
//! and the framing of a rewrite that must run outside a transaction.

use super::support::scan::{clauses, depths, skip_modifiers};
use super::support::spans::text_of;
use crate::lint::{StatementContext, Tokens, TransactionMode};
use std::ops::Range;

/// Words that end a column's type and default expression in a column definition.
const COLUMN_STOP: &[&str] = &[
    "NOT",
    "NULL",
    "DEFAULT",
    "CHECK",
    "REFERENCES",
    "CONSTRAINT",
    "PRIMARY",
    "UNIQUE",
    "GENERATED",
    "AUTO_INCREMENT",
    "COMMENT",
    "ON",
    "FIRST",
    "AFTER",
    "INVISIBLE",
    "VISIBLE",
    "KEY",
    "STORAGE",
    "COLUMN_FORMAT",
    "DEFERRABLE",
    "INITIALLY",
    "AS",
    "SRID",
    "ENCODE",
    "COLLATE",
];

/// Words after `ADD` that start a table constraint or index rather than a column.
const NOT_A_COLUMN: &[&str] = &[
    "CONSTRAINT",
    "CHECK",
    "PRIMARY",
    "UNIQUE",
    "FOREIGN",
    "EXCLUDE",
    "INDEX",
    "KEY",
    "FULLTEXT",
    "SPATIAL",
    "PARTITION",
    "PERIOD",
    "SYSTEM",
];

/// One `ADD [COLUMN] [IF NOT EXISTS] name type ...` clause of an `ALTER TABLE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedColumn {
    /// The tokens of the whole clause.
    pub clause: Range<usize>,
    /// The column key.
    pub column: String,
    /// The tokens of the column name.
    pub name: Range<usize>,
    /// The tokens of the name and type (and `COLLATE` / `CHARACTER SET`), without constraints.
    pub definition: Range<usize>,
    /// The tokens of a `COLLATE name` clause after the type, which belongs to the definition.
    pub collate: Option<Range<usize>>,
    /// The `DEFAULT` keyword, when there is one.
    pub default_kw: Option<usize>,
    /// The tokens of the default expression.
    pub default: Range<usize>,
}

/// The columns an `ALTER TABLE` adds, from the clause tokens after the table name.
#[must_use]
pub fn added_columns(t: &Tokens, after: usize) -> Vec<AddedColumn> {
    let d = depths(t);
    let stop = |i: usize, base: usize| d[i] == base && COLUMN_STOP.iter().any(|w| t.is_word(i, w));
    let mut out = Vec::new();
    for clause in clauses(t, after)
        .iter()
        .map(super::support::scan::Clause::range)
    {
        if !t.is_word(clause.start, "ADD") {
            continue;
        }
        let mut i = clause.start + 1;
        if t.is_word(i, "COLUMN") {
            i += 1;
        }
        if NOT_A_COLUMN.iter().any(|w| t.is_word(i, w)) {
            continue;
        }
        let i = skip_modifiers(t, i);
        let Some((column, name_end)) = t.name_at(i) else {
            continue;
        };
        let base = d[i];
        let type_end = (name_end..clause.end)
            .find(|&k| stop(k, base))
            .unwrap_or(clause.end);
        let collate = (name_end..clause.end)
            .find(|&k| d[k] == base && t.is_word(k, "COLLATE"))
            .and_then(|k| t.name_at(k + 1).map(|(_, end)| k..end));
        let default_kw = (name_end..clause.end).find(|&k| d[k] == base && t.is_word(k, "DEFAULT"));
        let default = match default_kw {
            Some(k) => {
                let end = (k + 2..clause.end)
                    .find(|&j| stop(j, base))
                    .unwrap_or(clause.end)
                    .max(k + 1);
                k + 1..end.min(clause.end)
            }
            None => clause.end..clause.end,
        };
        out.push(AddedColumn {
            clause,
            column,
            name: i..name_end,
            definition: i..type_end,
            collate,
            default_kw,
            default,
        });
    }
    out
}

/// The column name and type as written, with its `COLLATE` clause, without constraints or
/// default: the definition of the column added without its default.
#[must_use]
pub fn definition_text(ctx: &StatementContext<'_>, col: &AddedColumn) -> Option<String> {
    let mut def = text_of(ctx, &col.definition)?.to_string();
    if let Some(collate) = col
        .collate
        .as_ref()
        .filter(|c| c.start >= col.definition.end)
    {
        def.push(' ');
        def.push_str(text_of(ctx, collate)?);
    }
    Some(def)
}

/// `CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] name ON [ONLY] table`: the index key
/// and the table key.
#[must_use]
pub fn created_index(t: &Tokens) -> Option<(String, String)> {
    let mut i = if t.is_word(1, "UNIQUE") { 2 } else { 1 };
    if !t.is_word(0, "CREATE") || !t.is_word(i, "INDEX") {
        return None;
    }
    i += 1;
    if t.is_word(i, "CONCURRENTLY") {
        i += 1;
    }
    let (index, after) = t.name_at(skip_modifiers(t, i))?;
    if !t.is_word(after, "ON") {
        return None;
    }
    let (table, _) = t.name_at(skip_modifiers(t, after + 1))?;
    Some((index, table))
}

/// The table an index (a key) was created on earlier in this file, when it was.
#[must_use]
pub fn table_of_index<'a>(ctx: &StatementContext<'a>, index: &str) -> Option<&'a str> {
    ctx.file.created_indexes.get(index).map(String::as_str)
}

/// A rewrite that must run outside a transaction: with sqlx's `-- no-transaction` line when
/// the runner wraps files in one, a lock timeout when the runner is not bellows, and an allow
/// line for `unparsed-statement` when the parser cannot read it.
#[must_use]
pub fn run_alone(ctx: &StatementContext<'_>, sql: &str, parsable: bool, what: &str) -> String {
    let mut out = String::new();
    if ctx.options.transaction_mode == TransactionMode::Always {
        out.push_str("-- no-transaction\n");
    }
    if ctx.options.transaction_mode != TransactionMode::Auto && !ctx.file.lock_timeout_set {
        // Another runner sets no lock timeout of its own (bellows does).
        out.push_str("SET lock_timeout = '2s';\n");
    }
    if !parsable && !super::unparsed_statement::covered(ctx.dialect(), sql) {
        out.push_str(&format!(
            "-- bellows:allow unparsed-statement the SQL parser does not read {what}; checked on tokens\n"
        ));
    }
    out.push_str(sql.trim_end());
    out.push(';');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::tokenizer::Tokenizer;

    fn toks(sql: &str) -> Tokens {
        let raw = Tokenizer::new(&PostgreSqlDialect {}, sql)
            .tokenize_with_location()
            .unwrap();
        Tokens::from_raw(&raw)
    }

    #[test]
    fn finds_alter_targets_clauses_and_indexes() {
        let t = toks("ALTER TABLE IF EXISTS ONLY s.t ADD a numeric(10, 2), ADD b int");
        let target = crate::lint::rules::support::alter::alter_table(&t).unwrap();
        assert_eq!(
            (target.table.as_str(), target.name, target.after),
            ("t", 5..8, 8)
        );
        assert_eq!(super::clauses(&t, 8).len(), 2);
        let t = toks("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS \"I\" ON ONLY x.y (a)");
        assert_eq!(created_index(&t), Some(("I".into(), "y".into())));
        assert_eq!(created_index(&toks("CREATE INDEX ON t (a)")), None);
        let t = toks("ALTER TABLE t ADD COLUMN IF NOT EXISTS c numeric(3, 1) NOT NULL DEFAULT f(1) CHECK (c > 0), ADD CHECK (x)");
        let cols = added_columns(&t, 3);
        assert_eq!(cols.len(), 1);
        assert_eq!(
            (cols[0].definition.clone(), cols[0].default.clone()),
            (8..15, 18..22)
        );
    }
}
