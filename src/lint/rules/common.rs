//! Helpers several rules share: reading `ALTER TABLE` statements, column definitions and
//! MySQL `ALGORITHM=`/`LOCK=` assertions, and building expand/contract rewrites.

use sqlparser::ast::{DataType, Ident};

/// An identifier as it should be written back into SQL.
pub(crate) fn ident(id: &Ident) -> String {
    id.to_string()
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
