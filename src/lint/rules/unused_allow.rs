//! `unused-allow`: an allow comment that silenced nothing, names an unknown rule or gives no
//! reason. The engine decides this after every other rule ran, so
//! [`check`](crate::lint::Rule::check) does nothing; the rule is registered for its id,
//! severity and documentation.

use crate::lint::allow::Allow;
use crate::lint::{Diagnostic, Finding, Rule, Severity, StatementContext};

/// The rule id.
pub(crate) const ID: &str = "unused-allow";

/// Reports `-- bellows:allow` comments that silence nothing.
pub(crate) struct UnusedAllow;

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

#[cfg(test)]
mod tests {
    use crate::lint::testing::{pg, rules_pg};

    #[test]
    fn reports_an_allow_that_silences_nothing() {
        insta::assert_snapshot!(pg("-- bellows:allow require-concurrent-index the table is tiny\nCREATE INDEX CONCURRENTLY i ON t (a);\n"));
    }

    #[test]
    fn reports_an_allow_without_reason_or_with_unknown_rule() {
        insta::assert_snapshot!(pg("CREATE INDEX i ON t (a); -- bellows:allow require-concurrent-index\n-- bellows:allow no-such-rule because\nSELECT 1;\n"));
    }

    #[test]
    fn a_used_allow_is_quiet_and_covers_only_its_statement() {
        let sql = "-- bellows:allow require-concurrent-index lookup table, 12 rows\nCREATE INDEX i ON t (a);\nCREATE INDEX j ON t (b);\n";
        assert_eq!(rules_pg(sql), vec!["require-concurrent-index"]);
    }

    #[test]
    fn passes_an_allow_for_several_rules_when_one_fires() {
        let sql = "-- bellows:allow require-concurrent-index,unparsed-statement reviewed\nCREATE INDEX i ON t (a);\n";
        assert!(rules_pg(sql).is_empty());
    }
}
