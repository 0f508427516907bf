//! Every rule, one line each. Adding a rule = its file in `rules/` plus one line here.

use super::rules;
use super::Rule;

/// All rules, in the order their findings are listed for one statement.
pub static RULES: &[&dyn Rule] = &[
    &rules::unparsed_statement::UnparsedStatement,
    &rules::unused_allow::UnusedAllow,
    &rules::require_concurrent_index::RequireConcurrentIndex,
    &rules::add_required_column::AddRequiredColumn,
    &rules::auto_increment_column::AutoIncrementColumn,
    &rules::column_type_change::ColumnTypeChange,
    &rules::drop_column::DropColumn,
    &rules::drop_schema_database::DropSchemaDatabase,
    &rules::drop_table::DropTable,
    &rules::foreign_key_not_valid::ForeignKeyNotValid,
    &rules::primary_key::PrimaryKey,
    &rules::rename_column::RenameColumn,
    &rules::rename_table::RenameTable,
    &rules::set_not_null::SetNotNull,
    &rules::stored_generated_column::StoredGeneratedColumn,
    &rules::truncate::Truncate,
    &rules::unbatched_dml::UnbatchedDml,
    &rules::unique_constraint::UniqueConstraint,
    &rules::require_lock_timeout::RequireLockTimeout,
    &rules::txn_hygiene::TxnHygiene,
    &rules::require_concurrent_index_drop::RequireConcurrentIndexDrop,
    &rules::require_concurrent_reindex::RequireConcurrentReindex,
    &rules::concurrently_in_transaction::ConcurrentlyInTransaction,
    &rules::constraint_not_valid::ConstraintNotValid,
    &rules::validate_same_transaction::ValidateSameTransaction,
    &rules::volatile_default::VolatileDefault,
    &rules::table_rewrite_maintenance::TableRewriteMaintenance,
    &rules::lock_table::LockTable,
    &rules::mysql_copy_algorithm::MysqlCopyAlgorithm,
    &rules::mysql_expression_default::MysqlExpressionDefault,
    &rules::mysql_table_rebuild::MysqlTableRebuild,
];

/// The rule with id `id`.
#[must_use]
pub fn rule(id: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|r| r.id() == id)
}
