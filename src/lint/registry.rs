//! Every rule, one line each: adding a rule is its file in `rules/` (the check, its tests
//! and their snapshots) plus one line in [`with_rules`]; its page `docs/rules/<id>.md` and
//! its row in `docs/rules/README.md` are checked by tests. The one list declares the rule
//! modules (in `rules/mod.rs`), builds [`RULES`] and gives the public catalogue
//! ([`rules`], [`rule`]).

use super::{Rule, Severity, DOCS_URL};
use crate::sql::Dialect;

/// Calls the macro `$then` with every rule as `module::Type`, in the order their findings
/// are listed for one statement. The module is the rule id in snake case. This is the one
/// list of rules.
macro_rules! with_rules {
    ($then:ident) => {
        $then! {
            unparsed_statement::UnparsedStatement,
            unused_allow::UnusedAllow,
            runner_refuses::RunnerRefuses,
            require_concurrent_index::RequireConcurrentIndex,
            add_required_column::AddRequiredColumn,
            auto_increment_column::AutoIncrementColumn,
            column_type_change::ColumnTypeChange,
            drop_column::DropColumn,
            drop_schema_database::DropSchemaDatabase,
            drop_table::DropTable,
            foreign_key_not_valid::ForeignKeyNotValid,
            primary_key::PrimaryKey,
            rename_column::RenameColumn,
            rename_table::RenameTable,
            set_not_null::SetNotNull,
            stored_generated_column::StoredGeneratedColumn,
            truncate::Truncate,
            unbatched_dml::UnbatchedDml,
            unique_constraint::UniqueConstraint,
            require_lock_timeout::RequireLockTimeout,
            txn_hygiene::TxnHygiene,
            require_concurrent_index_drop::RequireConcurrentIndexDrop,
            require_concurrent_reindex::RequireConcurrentReindex,
            require_concurrent_detach::RequireConcurrentDetach,
            concurrently_in_transaction::ConcurrentlyInTransaction,
            constraint_not_valid::ConstraintNotValid,
            validate_same_transaction::ValidateSameTransaction,
            volatile_default::VolatileDefault,
            table_rewrite_maintenance::TableRewriteMaintenance,
            lock_table::LockTable,
            enum_add_value::EnumAddValue,
            mysql_copy_algorithm::MysqlCopyAlgorithm,
            mysql_expression_default::MysqlExpressionDefault,
            mysql_table_rebuild::MysqlTableRebuild,
            mysql_blocking_index::MysqlBlockingIndex,
            mysql_enum_set_change::MysqlEnumSetChange,
            mysql_column_position::MysqlColumnPosition,
            mysql_assert_online::MysqlAssertOnline,
            misc_rewrite::MiscRewrite,
        }
    };
}
pub(crate) use with_rules;

/// Builds [`RULES`] (and, for tests, [`MODULES`]) from the list.
macro_rules! rule_table {
    ($($module:ident :: $rule:ident),* $(,)?) => {
        /// All rules, in the order their findings are listed for one statement.
        pub(crate) static RULES: &[&dyn Rule] = &[$(&super::rules::$module::$rule),*];

        /// The module name of each rule in [`RULES`], in the same order.
        #[cfg(test)]
        pub(crate) static MODULES: &[&str] = &[$(stringify!($module)),*];
    };
}
with_rules!(rule_table);

/// A rule as the public API describes it (the checks themselves stay inside the crate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleInfo {
    /// The stable kebab-case id, e.g. `require-concurrent-index`.
    pub id: &'static str,
    /// The severity of its findings unless context changes it.
    pub default_severity: Severity,
    /// One sentence saying what it catches.
    pub summary: &'static str,
    /// The dialects it applies to.
    pub dialects: &'static [Dialect],
    /// False for hygiene rules that run only when enabled (`--enable`, `[lint] enable`).
    pub enabled_by_default: bool,
}

impl RuleInfo {
    fn of(rule: &dyn Rule) -> Self {
        RuleInfo {
            id: rule.id(),
            default_severity: rule.default_severity(),
            summary: rule.summary(),
            dialects: rule.dialects(),
            enabled_by_default: rule.enabled_by_default(),
        }
    }

    /// The address of the rule's documentation page.
    #[must_use]
    pub fn docs_url(&self) -> String {
        format!("{DOCS_URL}{}.md", self.id)
    }
}

/// Every rule, in the order their findings are listed for one statement.
pub fn rules() -> impl Iterator<Item = RuleInfo> {
    RULES.iter().map(|r| RuleInfo::of(*r))
}

/// The rule with id `id`.
#[must_use]
pub fn rule(id: &str) -> Option<RuleInfo> {
    RULES
        .iter()
        .find(|r| r.id() == id)
        .map(|r| RuleInfo::of(*r))
}

#[cfg(test)]
mod tests {
    use super::{MODULES, RULES};
    use std::path::Path;

    /// Every rule's file is named after its id and holds its own tests: at least one
    /// snapshot where the rule fires and at least one `passes_*` test where it must not.
    #[test]
    fn every_rule_has_a_firing_snapshot_and_a_passing_test() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lint/rules");
        let snapshots: Vec<(String, String)> = std::fs::read_dir(dir.join("snapshots"))
            .expect("src/lint/rules/snapshots exists")
            .map(|e| {
                let path = e.expect("a directory entry").path();
                let name = path.file_name().unwrap_or_default().to_string_lossy();
                let text = std::fs::read_to_string(&path).expect("a readable snapshot");
                (name.into_owned(), text)
            })
            .collect();
        assert_eq!(MODULES.len(), RULES.len());
        for (module, rule) in MODULES.iter().zip(RULES) {
            let id = rule.id();
            assert_eq!(*module, id.replace('-', "_"), "the file of `{id}`");
            let source =
                std::fs::read_to_string(dir.join(format!("{module}.rs"))).expect("the rule's file");
            assert!(
                source.contains("\n    fn passes_"),
                "src/lint/rules/{module}.rs needs a `passes_*` test: a statement `{id}` leaves alone"
            );
            let prefix = format!("bellows__lint__rules__{module}__tests__");
            let fires = snapshots
                .iter()
                .any(|(name, text)| name.starts_with(&prefix) && text.contains(&format!("[{id}]")));
            assert!(fires, "`{id}` needs a snapshot in which it fires");
        }
    }

    /// Rules whose findings have nothing to rewrite: the statement is unread
    /// (`unparsed-statement`), or the finding is about bellows' own markers and transaction
    /// control, whose message says what to change.
    const NO_REWRITE: &[&str] = &[
        "unparsed-statement",
        "unused-allow",
        "runner-refuses",
        "txn-hygiene",
    ];

    /// Every finding in every rule's snapshots comes with a safe rewrite (`= instead:`).
    #[test]
    fn every_finding_of_the_snapshots_has_a_rewrite() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lint/rules/snapshots");
        let mut missing = Vec::new();
        for entry in std::fs::read_dir(dir).expect("the snapshots folder") {
            let path = entry.expect("a directory entry").path();
            let text = std::fs::read_to_string(&path).expect("a readable snapshot");
            let mut current: Option<(String, bool)> = None;
            for line in text.lines().chain(std::iter::once("summary:")) {
                let starts = ["error[", "warning[", "info["]
                    .iter()
                    .any(|p| line.starts_with(p));
                if starts || line.starts_with("summary:") {
                    if let Some((rule, false)) = current.take() {
                        if !NO_REWRITE.contains(&rule.as_str()) {
                            missing.push(format!("{rule} in {}", path.display()));
                        }
                    }
                    current = line
                        .split_once('[')
                        .and_then(|(_, r)| r.split_once(']'))
                        .filter(|_| starts)
                        .map(|(id, _)| (id.to_string(), false));
                } else if line.trim_start().starts_with("= instead:") {
                    if let Some(c) = current.as_mut() {
                        c.1 = true;
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "findings without a rewrite:\n{}",
            missing.join("\n")
        );
    }
}
