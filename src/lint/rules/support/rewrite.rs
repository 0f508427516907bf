//! Building suggested rewrites: the phase and backfill markers, identifiers and placeholder
//! values written back into SQL, and the framing of a statement that must run outside a
//! transaction.

use crate::lint::{StatementContext, TransactionMode};
use sqlparser::ast::{DataType, Ident};

/// The `key=` of a backfill section for `table`; bellows needs a unique, not-null key.
pub(crate) const BACKFILL_KEY: &str = "id";

/// The rewrite for a concurrent build on PostgreSQL 14.0 to 14.3, whose bug can corrupt it.
pub(crate) const PG14_UPGRADE: &str =
    "-- upgrade the server to PostgreSQL 14.4 or later, then run this migration; \
     indexes built CONCURRENTLY on 14.0-14.3 need a REINDEX after the upgrade";

/// The contract-phase marker used in suggestions.
pub(crate) const CONTRACT: &str = "-- bellows:contract";

/// A parsed identifier as it should be written back into SQL.
#[must_use]
pub(crate) fn ident(id: &Ident) -> String {
    id.to_string()
}

/// A value of the column's type for a backfill placeholder.
#[must_use]
pub(crate) fn placeholder(data_type: &DataType) -> &'static str {
    let name = data_type.to_string().to_ascii_lowercase();
    if [
        "int", "numeric", "decimal", "real", "double", "float", "serial",
    ]
    .iter()
    .any(|t| name.contains(t))
    {
        "0"
    } else if ["char", "text", "string", "clob"]
        .iter()
        .any(|t| name.contains(t))
    {
        "''"
    } else if name.starts_with("bool") {
        "false"
    } else if name.contains("time") || name.contains("date") {
        "CURRENT_TIMESTAMP"
    } else {
        "NULL"
    }
}

/// A rewrite that must run outside a transaction: with sqlx's `-- no-transaction` line when
/// the runner wraps files in one, a lock timeout when the runner is not bellows, and an allow
/// line for `unparsed-statement` when the parser cannot read it.
#[must_use]
pub(crate) fn run_alone(
    ctx: &StatementContext<'_>,
    sql: &str,
    parsable: bool,
    what: &str,
) -> String {
    let mut out = String::new();
    if ctx.options.transaction_mode == TransactionMode::Always {
        out.push_str("-- no-transaction\n");
    }
    if ctx.options.transaction_mode != TransactionMode::Auto && !ctx.file.lock_timeout_set {
        // Another runner sets no lock timeout of its own (bellows does).
        out.push_str("SET lock_timeout = '2s';\n");
    }
    if !parsable && !crate::lint::rules::unparsed_statement::covered(ctx.dialect(), sql) {
        out.push_str(&format!(
            "-- bellows:allow unparsed-statement the SQL parser does not read {what}; checked on tokens\n"
        ));
    }
    out.push_str(sql.trim_end());
    out.push(';');
    out
}

/// A MySQL change to run outside the migration with an online schema change tool (which
/// copies the table in small chunks while writes continue), as a comment: `table` as shown,
/// `alter` the clauses after `ALTER TABLE <table>`.
#[must_use]
pub(crate) fn online_tool(table: &str, alter: &str) -> String {
    // The tool picks its own algorithm: assertions are left out.
    let alter = alter
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .split(',')
        .filter(|part| {
            let p = part.trim_start().to_ascii_uppercase();
            !(p.starts_with("ALGORITHM") || p.starts_with("LOCK"))
        })
        .collect::<Vec<_>>()
        .join(",")
        .replace('"', "\\\"");
    format!(
        "-- outside the migration, with an online schema change tool:\n\
         -- gh-ost --database=<db> --table={} --alter=\"{alter}\" --execute",
        table.replace(['`', '"'], "")
    )
}
