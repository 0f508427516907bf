//! `runner-refuses`: what `bellows expand` refuses before it connects (a backfill that cannot
//! be batched safely, transaction control inside a phase), so a clean lint never hides a
//! file the runner will not run. The engine asks the runner's own check
//! (`engine::refusals`, the code `CheckedMigrations::new` runs) after the rules, so
//! [`check`](crate::lint::Rule::check) does nothing; the rule is registered for its id,
//! severity and documentation.

use crate::lint::{Diagnostic, Finding, Rule, Severity, StatementContext};
use crate::{Dialect, Error, Migration};

/// The rule id.
pub(crate) const ID: &str = "runner-refuses";

/// Reports what the runner refuses to run.
pub(crate) struct RunnerRefuses;

impl Rule for RunnerRefuses {
    fn id(&self) -> &'static str {
        ID
    }

    fn default_severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "What `bellows expand` refuses to run: a backfill that cannot be batched safely, transaction control in a phase."
    }

    fn check(&self, _ctx: &StatementContext<'_>, _out: &mut Vec<Finding>) {}
}

/// The runner's refusals of `migration` as diagnostics of `file`.
pub(crate) fn diagnostics(file: &str, migration: &Migration, dialect: Dialect) -> Vec<Diagnostic> {
    let lines: Vec<&str> = migration.source.lines().collect();
    crate::engine::refusals(migration, dialect)
        .into_iter()
        .map(|e| {
            let line = e.location().and_then(|(_, l)| l).unwrap_or(1);
            let message = match e {
                Error::MigrationFile { message, .. } | Error::Backfill { message, .. } => message,
                other => other.to_string(),
            };
            let width = lines.get(line - 1).map_or(1, |l| l.chars().count().max(1));
            Diagnostic {
                rule: ID,
                severity: Severity::Error,
                file: file.to_string(),
                line,
                column: 1,
                end_line: line,
                end_column: width,
                message,
                why: "`bellows expand` checks every migration before it connects and refuses \
                      the whole folder while this is in it; a clean lint must not promise a \
                      file the runner will not run."
                    .into(),
                suggestion: None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{pg, rules_pg};

    #[test]
    fn reports_a_backfill_without_where() {
        insta::assert_snapshot!(pg("-- bellows:expand\nALTER TABLE t ADD COLUMN b int;\n-- bellows:backfill table=t\nUPDATE t SET b = a * 2;\n"));
    }

    #[test]
    fn reports_each_backfill_the_runner_refuses() {
        for backfill in [
            "UPDATE t SET b = a * 2 WHERE a > 0;",
            "UPDATE t SET b = 1 WHERE b IS NULL;\nUPDATE t SET c = 1 WHERE c IS NULL;",
            "SELECT * FROM t;",
            "DROP TABLE t;",
        ] {
            let sql = format!("-- bellows:backfill table=t\n{backfill}\n");
            assert!(
                rules_pg(&sql).contains(&"runner-refuses"),
                "{backfill}: {:?}",
                rules_pg(&sql)
            );
        }
    }

    #[test]
    fn reports_transaction_control_in_a_phase() {
        assert!(rules_pg("BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n").contains(&"runner-refuses"));
    }

    #[test]
    fn passes_a_backfill_the_runner_accepts() {
        let sql = "-- bellows:backfill table=t\nUPDATE t SET b = a * 2 WHERE b IS NULL;\n";
        assert!(!rules_pg(sql).contains(&"runner-refuses"));
    }
}
