//! Snapshot tests per rule: each file lints flagging and passing cases.

mod drop_column;
mod drop_schema_database;
mod drop_table;
mod rename_column;
mod rename_table;
mod require_concurrent_index;
mod truncate;
mod unparsed_statement;
mod unused_allow;
