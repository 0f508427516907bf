//! `unused-allow`: an allow comment that silenced nothing, names an unknown rule or gives no
//! reason. The engine decides this after every other rule ran, so
//! [`check`](crate::lint::Rule::check) does nothing; the rule is registered for its id,
//! severity and documentation.

use crate::lint::allow::Allow;
use crate::lint::{Diagnostic, Finding, Rule, Severity, StatementContext};

/// The rule id.
pub const ID: &str = "unused-allow";

/// Reports `-- bellows:allow` comments that silence nothing.
pub struct UnusedAllow;

impl Rule for UnusedAllow {
    fn id(&self) -> &'static str {
        ID
    }

    fn default_severity(&self) -> Severity {
        Severity::Warning
    }

    fn summary(&self) -> &'static str {
        "A `-- bellows:allow` comment that silences nothing, names an unknown rule or gives no reason."
    }

    fn check(&self, _ctx: &StatementContext<'_>, _out: &mut Vec<Finding>) {}
}

/// The diagnostic for a bad allow comment in `file`.
pub(crate) fn diagnostic(file: &str, a: &Allow, message: String) -> Diagnostic {
    Diagnostic {
        rule: ID,
        severity: Severity::Warning,
        file: file.to_string(),
        line: a.line,
        column: a.column,
        end_line: a.line,
        end_column: a.end_column.max(a.column),
        message,
        why: "An allow that silences nothing hides the next real finding on that statement; \
              one without a reason leaves reviewers guessing why the risk is acceptable."
            .into(),
        suggestion: None,
    }
}
