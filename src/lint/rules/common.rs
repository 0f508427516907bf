//! Helpers several rules share: reading `ALTER TABLE` statements, column definitions and
//! MySQL `ALGORITHM=`/`LOCK=` assertions, and building expand/contract rewrites.

use super::support::alter::AlterTable;
use sqlparser::ast::{AlterTableOperation, ColumnDef, ColumnOption, DataType, GeneratedAs, Ident};

/// The column definitions the parser read in the `ADD COLUMN` operations of `alter`.
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

/// An identifier as it should be written back into SQL.
pub(crate) fn ident(id: &Ident) -> String {
    id.to_string()
}

/// True when a column definition has `option`.
pub(crate) fn has_option(def: &ColumnDef, pred: impl Fn(&ColumnOption) -> bool) -> bool {
    def.options.iter().any(|o| pred(&o.option))
}

/// The column gets values from a sequence or `AUTO_INCREMENT`: serial types, identity
/// columns, `AUTO_INCREMENT`.
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

/// A value of the column's type for a backfill placeholder.
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
