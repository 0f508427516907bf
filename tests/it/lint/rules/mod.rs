//! Snapshot tests per rule: each file lints flagging and passing cases.

mod concurrently_in_transaction;
mod constraint_not_valid;
mod drop_column;
mod drop_schema_database;
mod drop_table;
mod lock_table;
mod mysql_copy_algorithm;
mod mysql_expression_default;
mod mysql_table_rebuild;
mod rename_column;
mod rename_table;
mod require_concurrent_index;
mod require_concurrent_index_drop;
mod require_concurrent_reindex;
mod table_rewrite_maintenance;
mod truncate;
mod unparsed_statement;
mod unused_allow;
mod validate_same_transaction;
mod volatile_default;
