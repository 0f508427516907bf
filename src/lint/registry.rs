//! Every rule, one line each. Adding a rule = its file in `rules/` plus one line here.

use super::rules;
use super::Rule;

/// All rules, in the order their findings are listed for one statement.
pub static RULES: &[&dyn Rule] = &[
    &rules::unparsed_statement::UnparsedStatement,
    &rules::unused_allow::UnusedAllow,
    &rules::require_concurrent_index::RequireConcurrentIndex,
];

/// The rule with id `id`.
#[must_use]
pub fn rule(id: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|r| r.id() == id)
}
