//! What else uses a column: the views, triggers and generated columns a copied column's
//! recipe warns about, and the words of an SQL expression that name a column (to find them
//! and to rewrite a CHECK over the new column).

use super::context::Context;
use crate::schema::{Column, Table};
use crate::Dialect;
use sqlparser::tokenizer::{Token, Tokenizer};

fn same(table: &Table, a: &str, b: &str) -> bool {
    table.folding.same_column(a, b)
}

/// Notes for what uses the old column and the recipe does not change: views, triggers,
/// generated columns.
pub(crate) fn dependents(cx: &mut Context, table: &Table, old: &Column) {
    let t = &table.name;
    if let Some(schema) = cx.schema() {
        let views: Vec<String> = schema
            .views
            .iter()
            .filter(|v| {
                v.uses
                    .iter()
                    .any(|(vt, vc)| vt == t && same(table, vc, &old.name))
            })
            .map(|v| v.name.to_string())
            .collect();
        for v in views {
            cx.note(format!(
                "the view {v} uses {t}.{}: redefine it over the new column before the contract drops the old one",
                old.name
            ));
        }
    }
    for trigger in &table.triggers {
        cx.note(format!(
            "the trigger {} on {t} may use {}: check it before the contract",
            trigger.name, old.name
        ));
    }
    for col in &table.columns {
        if let Some(expr) = &col.generated {
            if mentions(cx.dialect, table, expr, &old.name) {
                cx.note(format!(
                    "the generated column {t}.{} is computed from {}: redefine it before the contract",
                    col.name, old.name
                ));
            }
        }
    }
}

/// Whether the SQL expression `expr` names the column `column`.
pub(crate) fn mentions(dialect: Dialect, table: &Table, expr: &str, column: &str) -> bool {
    tokens(dialect, expr)
        .iter()
        .any(|t| matches!(t, Token::Word(w) if word_is(table, w, column)))
}

/// `expr` with every mention of the column `old` replaced by `new`, quoted.
pub(crate) fn rename_in(
    dialect: Dialect,
    table: &Table,
    expr: &str,
    old: &str,
    new: &str,
) -> String {
    tokens(dialect, expr)
        .into_iter()
        .map(|t| match t {
            Token::Word(w) if word_is(table, &w, old) => dialect.quote_ident(new),
            other => other.to_string(),
        })
        .collect()
}

fn word_is(table: &Table, w: &sqlparser::tokenizer::Word, column: &str) -> bool {
    let stored = table.folding.stored_column(&sqlparser::ast::Ident {
        value: w.value.clone(),
        quote_style: w.quote_style,
        span: sqlparser::tokenizer::Span::empty(),
    });
    same(table, &stored, column)
}

fn tokens(dialect: Dialect, expr: &str) -> Vec<Token> {
    let parser = dialect.parser_dialect();
    Tokenizer::new(parser.as_ref(), expr)
        .tokenize()
        .unwrap_or_default()
}
