//! Safe paths written out as migration text for more than one statement: PostgreSQL's
//! column type change through a new column, and what makes a timestamp → timestamptz change
//! catalog-only.

use super::rewrite::{ident, BACKFILL_KEY, CONTRACT};
use crate::lint::{directive_table, StatementContext};
use sqlparser::ast::{DataType, Ident};

/// PostgreSQL's safe path as migration text: a new column, kept in step by a trigger that
/// `bellows new --op change-type` writes, backfilled, the old column dropped in the contract.
#[must_use]
pub(crate) fn change_type(table: &str, column_ident: &Ident, ty: &DataType, using: bool) -> String {
    let column = ident(column_ident);
    let plain = column_ident.value.as_str();
    let new = ident(&match column_ident.quote_style {
        Some(q) => Ident::with_quote(q, format!("{plain}_new")),
        None => Ident::new(format!("{plain}_new")),
    });
    let convert = if using {
        "  -- convert as the USING expression does"
    } else {
        ""
    };
    format!(
        "-- `bellows new change_{plain}_type --op change-type {key} {plain} '{ty}'` writes all of it, trigger included\n\
         -- bellows:expand\n\
         ALTER TABLE {table} ADD COLUMN {new} {ty};\n\
         -- keep {column} and {new} in step with a trigger while both app versions run\n\n\
         -- bellows:backfill table={key} key={BACKFILL_KEY}\n\
         UPDATE {table} SET {new} = CAST({column} AS {ty}) WHERE {new} IS NULL AND {column} IS NOT NULL;{convert}\n\n\
         -- once every running app version uses {new}:\n\
         {CONTRACT}\n\
         ALTER TABLE {table} DROP COLUMN {column};\n",
        key = directive_table(table),
    )
}

/// True when an earlier statement of the file set the session time zone to UTC
/// (`SET [SESSION | LOCAL] TimeZone = 'UTC'`, `SET TIME ZONE 'UTC'`).
#[must_use]
pub(crate) fn time_zone_is_utc(ctx: &StatementContext<'_>) -> bool {
    ctx.file.time_zone_utc
}
