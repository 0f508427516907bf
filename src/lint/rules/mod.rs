//! One file per rule. Each file holds a unit struct implementing [`Rule`](super::Rule) and
//! is listed once in the [registry](super::registry); the helpers they share live in
//! `support/`.

pub mod add_required_column;
pub mod auto_increment_column;
pub mod column_type_change;
pub mod concurrently_in_transaction;
pub mod constraint_not_valid;
pub mod drop_column;
pub mod drop_schema_database;
pub mod drop_table;
pub mod foreign_key_not_valid;
pub mod lock_table;
pub mod mysql_copy_algorithm;
pub mod mysql_expression_default;
pub mod mysql_table_rebuild;
pub mod primary_key;
pub mod rename_column;
pub mod rename_table;
pub mod require_concurrent_index;
pub mod require_concurrent_index_drop;
pub mod require_concurrent_reindex;
pub mod require_lock_timeout;
pub mod set_not_null;
pub mod stored_generated_column;
pub(crate) mod support;
pub mod table_rewrite_maintenance;
pub mod truncate;
pub mod txn_hygiene;
pub mod unbatched_dml;
pub mod unique_constraint;
pub mod unparsed_statement;
pub mod unused_allow;
pub mod validate_same_transaction;
pub mod volatile_default;
