//! `enum-add-value`: `ALTER TYPE ... ADD VALUE` inside a transaction block, which
//! PostgreSQL 11 and older refuse and 12+ accept with a catch: the new label cannot be used
//! before the transaction commits. Works on tokens.

use super::support::rewrite::run_alone;
use super::support::spans::{bytes_of, span_of};
use crate::lint::{Finding, Rule, Severity, StatementContext, Tokens, POSTGRES};
use crate::sql::Dialect;

/// Flags enum labels added inside a transaction.
pub(crate) struct EnumAddValue;

/// `ALTER TYPE name ADD VALUE [IF NOT EXISTS] 'label'`: the type key, the index of `VALUE`,
/// whether `IF NOT EXISTS` follows it, and the label.
fn add_value(t: &Tokens) -> Option<(String, usize, bool, String)> {
    if !t.starts_with(&["ALTER", "TYPE"]) {
        return None;
    }
    let (name, end) = t.name_at(2)?;
    if !(t.is_word(end, "ADD") && t.is_word(end + 1, "VALUE")) {
        return None;
    }
    let value = end + 1;
    let if_not_exists = t.is_word(value + 1, "IF");
    let label_at = if if_not_exists { value + 4 } else { value + 1 };
    let label = t.get(label_at).map(|x| x.text.clone()).unwrap_or_default();
    Some((name, value, if_not_exists, label))
}

/// True when an earlier statement of the file created the type `name` (a key).
fn created_earlier(ctx: &StatementContext<'_>, name: &str) -> bool {
    ctx.file.created_types.contains(name)
}

/// True when a later statement of the same phase writes the label as a string literal
/// before the transaction ends (a `COMMIT` in between makes it usable).
fn used_later(ctx: &StatementContext<'_>, label: &str) -> bool {
    for t in ctx.later.statements() {
        if t.is_word(0, "COMMIT") || t.is_word(0, "END") || t.is_word(0, "ROLLBACK") {
            return false;
        }
        let literal = t
            .all()
            .iter()
            .any(|x| x.kind == crate::lint::TokKind::Literal && x.text == label);
        if literal && !t.starts_with(&["ALTER", "TYPE"]) {
            return true;
        }
    }
    false
}

impl Rule for EnumAddValue {
    fn id(&self) -> &'static str {
        "enum-add-value"
    }

    fn default_severity(&self) -> Severity {
        Severity::Warning
    }

    fn summary(&self) -> &'static str {
        "ALTER TYPE ... ADD VALUE inside a transaction fails on PostgreSQL 11 and older; on 12+ the value is unusable until commit."
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let t = ctx.tokens;
        let Some((name, value, if_not_exists, label)) = add_value(t) else {
            return;
        };
        if !ctx.in_transaction() || created_earlier(ctx, &name) {
            return;
        }
        let written = bytes_of(ctx, &(2..value - 1))
            .and_then(|b| ctx.sql.get(b))
            .unwrap_or(&name)
            .replace('"', "");
        let (message, severity) = if ctx.version().at_least(12, 0) {
            let used = if used_later(ctx, &label) {
                "; a later statement of the same transaction uses it and fails"
            } else {
                ""
            };
            (
                format!("adding '{label}' to `{written}` inside a transaction: the value cannot be used until it commits{used}"),
                if used.is_empty() { self.default_severity() } else { Severity::Error },
            )
        } else {
            (
                format!("PostgreSQL {} refuses ALTER TYPE ... ADD VALUE inside a transaction block: adding '{label}' to `{written}` fails", ctx.version()),
                Severity::Error,
            )
        };
        let mut sql = ctx.sql.trim_end().to_string();
        if !if_not_exists {
            if let Some(b) = bytes_of(ctx, &(value..value + 1)) {
                sql.insert_str(b.end, " IF NOT EXISTS");
            }
        }
        let mut finding = Finding::new(
            severity,
            message,
            "The statement only adds a catalog entry (no table is rewritten), but PostgreSQL 11 and \
             older refuse it in a transaction block, and from 12 an INSERT or UPDATE using the new \
             label in the same transaction fails with `unsafe use of new value`. Run it on its own, \
             outside the transaction (bellows does so in its own files), and use the value in a \
             later phase or migration. The app version still running must tolerate reading a \
             label it does not know.",
        )
        .suggest(run_alone(ctx, &sql, ctx.ast.is_some(), "ALTER TYPE ... ADD VALUE"));
        if let Some(span) = span_of(t, &(value - 1..t.all().len())) {
            finding = finding.at(span);
        }
        out.push(finding);
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{at, check_with, rules_pg};
    use crate::lint::{LintOptions, TransactionMode};
    use crate::sql::Dialect;

    fn wrapped() -> LintOptions {
        let mut o = LintOptions::new(Dialect::Postgres);
        o.transaction_mode = TransactionMode::Always;
        o
    }

    #[test]
    fn flags_a_value_used_in_the_same_transaction() {
        insta::assert_snapshot!(crate::lint::testing::pg(
            "BEGIN;\nALTER TYPE order_status ADD VALUE 'refunded';\n\
             UPDATE orders SET status = 'refunded' WHERE id = 42;\nCOMMIT;"
        ));
    }

    #[test]
    fn flags_a_file_the_runner_wraps_on_postgres_11() {
        let mut o = wrapped();
        o.server_version = Some("11".parse().unwrap());
        insta::assert_snapshot!(check_with(
            o,
            "ALTER TYPE \"Mood\" ADD VALUE IF NOT EXISTS 'meh' AFTER 'ok';"
        ));
    }

    #[test]
    fn passes_files_bellows_runs_and_new_types() {
        assert!(rules_pg("ALTER TYPE mood ADD VALUE 'meh';").is_empty());
        let new =
            "BEGIN;\nCREATE TYPE mood AS ENUM ('ok');\nALTER TYPE mood ADD VALUE 'meh';\nCOMMIT;";
        assert!(!rules_pg(new).contains(&"enum-add-value"));
        assert!(!at(
            Dialect::Postgres,
            "11",
            "ALTER TYPE mood RENAME VALUE 'a' TO 'b';"
        )
        .contains("enum-add-value"));
    }
}
