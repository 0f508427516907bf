//! Statement forms and `ALTER TABLE` clauses that sqlparser 0.63 cannot read but whose risk
//! is known from their first words (issue 14): they change only the catalog, or define code
//! that runs later, and take no lock the running app waits on for long. `unparsed-statement`
//! leaves them alone; everything else it cannot read is still reported.

use super::scan::Clause;
use crate::lint::{StatementContext, TokKind};
use crate::sql::Dialect;

/// Words that start a statement the linter would judge if it could read it: a `DO` block
/// whose body has one is still reported.
const RISKY_IN_DO: &[&str] = &[
    "ALTER", "UPDATE", "DELETE", "TRUNCATE", "LOCK", "VACUUM", "CLUSTER", "REINDEX", "EXECUTE",
    "DROP", "REFRESH",
];

/// True when the statement is a PostgreSQL form that needs no review.
#[must_use]
pub(crate) fn statement(ctx: &StatementContext<'_>) -> bool {
    if ctx.dialect() != Dialect::Postgres {
        return false;
    }
    let t = ctx.tokens;
    let w = |i: usize, word: &str| t.is_word(i, word);
    // CREATE [OR REPLACE] [TEMP | UNLOGGED | CONSTRAINT] <kind>
    let mut i = 1;
    while [
        "OR",
        "REPLACE",
        "TEMP",
        "TEMPORARY",
        "UNLOGGED",
        "CONSTRAINT",
    ]
    .iter()
    .any(|m| w(i, m))
    {
        i += 1;
    }
    let created = w(0, "CREATE")
        && [
            "SEQUENCE",
            "STATISTICS",
            "FUNCTION",
            "PROCEDURE",
            "AGGREGATE",
            "RULE",
            "TRIGGER",
        ]
        .iter()
        .any(|k| w(i, k));
    let altered = w(0, "ALTER")
        && (["SEQUENCE", "STATISTICS", "FUNCTION", "PROCEDURE"]
            .iter()
            .any(|k| w(1, k))
            || (w(1, "TRIGGER") && (t.has("RENAME") || t.has("DEPENDS"))));
    created || altered || w(0, "COMMENT") || (w(0, "DO") && harmless_do(ctx))
}

/// A `DO` block whose body has none of the words that start a statement the linter would
/// judge (a conservative reading: `ON DELETE CASCADE` in the body also keeps it reported).
fn harmless_do(ctx: &StatementContext<'_>) -> bool {
    let Some(body) = ctx.tokens.all().iter().find(|t| t.kind == TokKind::Literal) else {
        return false;
    };
    !crate::sql::leading_words(&body.text, usize::MAX)
        .iter()
        .any(|w| RISKY_IN_DO.contains(&w.as_str()))
}

/// True when an `ALTER TABLE` clause only changes the catalog: `ALTER CONSTRAINT ...`
/// (deferrability, enforcement), `ALTER [COLUMN] c SET (...)` / `RESET (...)` (attribute
/// options such as `n_distinct`), `SET STATISTICS`, `SET STORAGE`, `SET COMPRESSION`.
/// Also `SET ACCESS METHOD` and `SET TABLESPACE`, which `misc-rewrite` judges from tokens.
#[must_use]
pub(crate) fn clause(c: &Clause<'_>) -> bool {
    if c.is_word(0, "SET") {
        return (c.is_word(1, "ACCESS") && c.is_word(2, "METHOD")) || c.is_word(1, "TABLESPACE");
    }
    if !c.is_word(0, "ALTER") {
        return false;
    }
    if c.is_word(1, "CONSTRAINT") {
        return true;
    }
    let k = if c.is_word(1, "COLUMN") { 3 } else { 2 };
    let paren = c.get(k + 1).is_some_and(|t| t.text == "(");
    (c.is_word(k, "SET") || c.is_word(k, "RESET")) && paren
        || (c.is_word(k, "SET")
            && ["STATISTICS", "STORAGE", "COMPRESSION"]
                .iter()
                .any(|w| c.is_word(k + 1, w)))
}
