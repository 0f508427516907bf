//! Reading column definitions: the columns an `ALTER TABLE` adds (their name, type,
//! `COLLATE` and `DEFAULT` as token ranges), the name and type of a column in one clause
//! (`ADD`, MySQL's `MODIFY`/`CHANGE`), and, for rules that judge what the parser read, the
//! parsed column definitions and their options.

use super::alter::{alter_existing, AlterTable};
use super::scan::{depths, skip_modifiers, Clause};
use super::spans::{span_of, text_of};
use crate::lint::{StatementContext, TokKind, Tokens};
use sqlparser::ast::{AlterTableOperation, ColumnDef, ColumnOption, DataType, GeneratedAs};
use sqlparser::tokenizer::Span;
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
pub(crate) struct AddedColumn {
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

impl AddedColumn {
    /// The span of `DEFAULT expression`, to point a finding at; `None` without a default
    /// or positions.
    #[must_use]
    pub(crate) fn default_span(&self, t: &Tokens) -> Option<Span> {
        span_of(t, &(self.default_kw?..self.default.end))
    }

    /// The column as written, for a rewrite that adds it without its default: its
    /// definition (name and type, with its `COLLATE` clause, without constraints or
    /// default) and its name.
    #[must_use]
    pub(crate) fn written<'a>(&self, ctx: &StatementContext<'a>) -> Option<(String, &'a str)> {
        let mut def = text_of(ctx, &self.definition)?.to_string();
        if let Some(collate) = self
            .collate
            .as_ref()
            .filter(|c| c.start >= self.definition.end)
        {
            def.push(' ');
            def.push_str(text_of(ctx, collate)?);
        }
        Some((def, text_of(ctx, &self.name)?))
    }
}

/// The columns `alter` adds.
#[must_use]
pub(crate) fn added_columns(alter: &AlterTable<'_>) -> Vec<AddedColumn> {
    let t = alter.tokens;
    let d = depths(t);
    let stop = |i: usize, base: usize| d[i] == base && COLUMN_STOP.iter().any(|w| t.is_word(i, w));
    let mut out = Vec::new();
    for clause in alter.clauses.iter().map(Clause::range) {
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

/// The columns an `ALTER TABLE` of an existing table adds with a `DEFAULT`, with the
/// `ALTER`: where the rules about defaults that rewrite or copy the table start.
#[must_use]
pub(crate) fn added_with_default<'t>(
    ctx: &StatementContext<'t>,
) -> Option<(AlterTable<'t>, Vec<AddedColumn>)> {
    let alter = alter_existing(ctx)?;
    let columns = added_columns(&alter)
        .into_iter()
        .filter(|col| col.default_kw.is_some())
        .collect();
    Some((alter, columns))
}

/// For an `ADD [COLUMN] [IF NOT EXISTS] ...` clause, the clause index where the column name
/// stands (whether it is a column is the caller's to judge).
#[must_use]
pub(crate) fn add_column_at(c: &Clause<'_>) -> Option<usize> {
    if !c.is_word(0, "ADD") {
        return None;
    }
    let mut k = if c.is_word(1, "COLUMN") { 2 } else { 1 };
    if c.is_word(k, "IF") && c.is_word(k + 1, "NOT") && c.is_word(k + 2, "EXISTS") {
        k += 3;
    }
    Some(k)
}

/// Words that end a column's type and start its options.
const OPTION_WORDS: &[&str] = &[
    "NOT",
    "NULL",
    "DEFAULT",
    "CONSTRAINT",
    "PRIMARY",
    "UNIQUE",
    "REFERENCES",
    "CHECK",
    "GENERATED",
    "AS",
    "COLLATE",
    "AUTO_INCREMENT",
    "COMMENT",
    "FIRST",
    "AFTER",
    "ON",
    "INVISIBLE",
    "VISIBLE",
    "STORED",
    "VIRTUAL",
    "PERSISTENT",
    "KEY",
    "USING",
];

/// A column in one clause: its name and where its type is.
#[derive(Debug, Default, Clone)]
pub(crate) struct TypedColumn {
    /// The column name (lower-cased unless quoted).
    pub name: String,
    /// Clause indexes of the type: `ty.0..ty.1`.
    pub ty: (usize, usize),
}

/// Read the column whose name is at clause index `k` and which has a type: the type runs
/// up to the first option word outside parentheses.
#[must_use]
pub(crate) fn typed_column_at(c: &Clause<'_>, k: usize) -> Option<TypedColumn> {
    let (name, ty_start) = c.ident(k)?;
    let len = c.end - c.start;
    let mut depth = 0usize;
    let mut ty_end = len;
    for j in ty_start..len {
        let tok = c.get(j)?;
        match (tok.kind, tok.text.as_str()) {
            (TokKind::Punct, "(") => depth += 1,
            (TokKind::Punct, ")") => depth = depth.saturating_sub(1),
            (TokKind::Word, w) if depth == 0 && j > ty_start && OPTION_WORDS.contains(&w) => {
                ty_end = j;
                break;
            }
            _ => {}
        }
    }
    c.get(ty_start)?;
    Some(TypedColumn {
        name,
        ty: (ty_start, ty_end),
    })
}

/// A MySQL `MODIFY [COLUMN] col def` or `CHANGE [COLUMN] old new def` clause: the old name
/// and the new column.
#[must_use]
pub(crate) fn modify_or_change(c: &Clause<'_>) -> Option<(String, TypedColumn)> {
    let change = c.is_word(0, "CHANGE");
    if !change && !c.is_word(0, "MODIFY") {
        return None;
    }
    let k = if c.is_word(1, "COLUMN") { 2 } else { 1 };
    if change {
        let (old, next) = c.ident(k)?;
        Some((old, typed_column_at(c, next)?))
    } else {
        let def = typed_column_at(c, k)?;
        Some((def.name.clone(), def))
    }
}

/// The column definitions the parser read in the `ADD COLUMN` operations of `alter`.
#[must_use]
pub(crate) fn parsed_added_columns<'t>(alter: &AlterTable<'t>) -> Vec<&'t ColumnDef> {
    alter
        .operations()
        .iter()
        .filter_map(|op| match op {
            AlterTableOperation::AddColumn { column_def, .. } => Some(column_def),
            _ => None,
        })
        .collect()
}

/// True when a parsed column definition has an option matching `pred`.
pub(crate) fn has_option(def: &ColumnDef, pred: impl Fn(&ColumnOption) -> bool) -> bool {
    def.options.iter().any(|o| pred(&o.option))
}

/// True when a parsed column gets values from a sequence or `AUTO_INCREMENT`: serial
/// types, identity columns, `AUTO_INCREMENT`.
#[must_use]
pub(crate) fn is_auto_increment(def: &ColumnDef) -> bool {
    let serial = matches!(&def.data_type, DataType::Custom(name, _)
        if matches!(name.to_string().to_ascii_lowercase().as_str(), "serial" | "bigserial" | "smallserial" | "serial4" | "serial8" | "serial2"));
    serial
        || has_option(def, |o| match o {
            ColumnOption::Identity(_) => true,
            ColumnOption::Generated {
                generation_expr,
                generated_as,
                ..
            } => generation_expr.is_none() && !matches!(generated_as, GeneratedAs::ExpStored),
            ColumnOption::DialectSpecific(tokens) => tokens
                .iter()
                .any(|t| t.to_string().eq_ignore_ascii_case("AUTO_INCREMENT")),
            _ => false,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::rules::support::alter::alter_table;
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::tokenizer::Tokenizer;

    fn toks(sql: &str) -> Tokens {
        let raw = Tokenizer::new(&PostgreSqlDialect {}, sql)
            .tokenize_with_location()
            .unwrap();
        Tokens::from_raw(&raw)
    }

    #[test]
    fn finds_added_columns_their_type_and_default() {
        let t = toks("ALTER TABLE t ADD COLUMN IF NOT EXISTS c numeric(3, 1) NOT NULL DEFAULT f(1) CHECK (c > 0), ADD CHECK (x)");
        let cols = added_columns(&alter_table(&t).unwrap());
        assert_eq!(cols.len(), 1);
        assert_eq!(
            (cols[0].definition.clone(), cols[0].default.clone()),
            (8..15, 18..22)
        );
    }
}
