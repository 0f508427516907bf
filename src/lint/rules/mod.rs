//! One file per rule. Each file holds a unit struct implementing [`Rule`](super::Rule) and,
//! at its bottom, its tests: snapshots of the human output for statements it flags (in
//! `snapshots/`) and at least one `passes_*` test for statements it must leave alone. The
//! modules are declared from the one list in the [registry](super::registry); the helpers
//! the rules share live in `support/`.

pub(crate) mod support;

/// Declares one module per rule in the registry's list.
macro_rules! declare_rule_modules {
    ($($module:ident :: $rule:ident),* $(,)?) => {
        $(pub(crate) mod $module;)*
    };
}
super::registry::with_rules!(declare_rule_modules);
