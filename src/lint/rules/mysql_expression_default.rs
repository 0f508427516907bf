//! `mysql-expression-default`: `ALTER TABLE ... ADD COLUMN ... DEFAULT (expr)` on an existing
//! MySQL or MariaDB table (on MariaDB also an unparenthesised expression), which the server
//! cannot add instantly and rebuilds or copies the table for. Works on tokens, so MariaDB's
//! `ADD COLUMN IF NOT EXISTS` is covered.

use super::support::columns::added_with_default;
use super::support::scan::is_punct;
use super::support::spans::text_of;
use crate::lint::{
    Finding, Rule, ServerVersion, Severity, StatementContext, TokKind, Tokens, MYSQL_FAMILY,
};
use crate::sql::Dialect;
use std::ops::Range;

/// Flags column additions with an expression default.
pub(crate) struct MysqlExpressionDefault;

/// The current-time keywords a literal-style default may use.
const NOW: &[&str] = &[
    "CURRENT_TIMESTAMP",
    "NOW",
    "LOCALTIME",
    "LOCALTIMESTAMP",
    "CURRENT_DATE",
    "CURDATE",
];

/// True when the default is a literal, NULL or a current-time keyword (with an optional
/// precision), not an expression.
fn literal(t: &Tokens, r: &Range<usize>) -> bool {
    let toks = &t.all()[r.clone()];
    match toks {
        [] => true,
        [one] => {
            one.kind == TokKind::Literal
                || matches!(one.text.as_str(), "NULL" | "TRUE" | "FALSE")
                || (one.kind == TokKind::Word && NOW.contains(&one.text.as_str()))
        }
        // `-1`, or an introducer and a string: `_utf8mb4'x'`, `b'01'`, `x'ff'`.
        [first, second] if second.kind == TokKind::Literal => {
            matches!(first.text.as_str(), "-" | "+") || first.kind == TokKind::Word
        }
        [first, ..] if NOW.contains(&first.text.as_str()) && first.kind == TokKind::Word => {
            toks.len() == 1 || (is_punct(t, r.start + 1, "(") && toks.len() <= 4)
        }
        _ => false,
    }
}

impl Rule for MysqlExpressionDefault {
    fn id(&self) -> &'static str {
        "mysql-expression-default"
    }

    fn default_severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "ADD COLUMN with an expression DEFAULT cannot be instant: the table is rebuilt or copied."
    }

    fn dialects(&self) -> &'static [Dialect] {
        MYSQL_FAMILY
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let t = ctx.tokens;
        let Some((alter, columns)) = added_with_default(ctx) else {
            return;
        };
        let mariadb = ctx.dialect() == Dialect::Mariadb;
        for col in columns {
            let parens = is_punct(t, col.default.start, "(");
            if !parens && (!mariadb || literal(t, &col.default)) {
                continue;
            }
            let mut expr_range = col.default.clone();
            if parens && is_punct(t, expr_range.end.saturating_sub(1), ")") && expr_range.len() >= 2
            {
                expr_range = expr_range.start + 1..expr_range.end - 1;
            }
            let fallback = if mariadb {
                "MariaDB cannot add it in place and falls back to ALGORITHM=COPY, which blocks every \
                 write for the whole copy"
            } else {
                "MySQL refuses ALGORITHM=INSTANT for it and, without an explicit algorithm, rebuilds \
                 the whole table"
            };
            let mut finding = Finding::new(
                self.default_severity(),
                format!("ADD COLUMN `{}` with an expression DEFAULT cannot be added instantly to `{}`", col.column, alter.shown(ctx)),
                format!(
                    "The server must evaluate the expression for every existing row, so {fallback}: \
                     hours on a large table, disk for a second copy, replicas lagging behind, and a \
                     non-deterministic expression (UUID(), RAND()) is unsafe for statement-based \
                     replication. Add the column without a default (instant), fill new rows with a \
                     trigger, and fill old rows in a backfill."
                ),
            )
            .on_table(alter.table.clone());
            if let Some(span) = col.default_span(t) {
                finding = finding.at(span);
            }
            let parts = (col.written(ctx), text_of(ctx, &expr_range));
            if let (Some((def, name)), Some(expr)) = parts {
                let table = alter.written_name(ctx);
                let instant = if mariadb {
                    ctx.version().at_least(10, 3)
                } else {
                    ctx.version() >= ServerVersion::new(8, 0, 12)
                };
                let algorithm = if instant {
                    "INSTANT"
                } else {
                    "INPLACE, LOCK=NONE"
                };
                let trigger = format!("{}_{}_fill", alter.table, col.column);
                finding = finding.suggest(format!(
                    "-- bellows:expand\nALTER TABLE {table} ADD COLUMN {def} NULL, ALGORITHM={algorithm};\n\
                     -- bellows:allow unparsed-statement the SQL parser does not read CREATE TRIGGER ... SET\n\
                     CREATE TRIGGER {trigger} BEFORE INSERT ON {table} FOR EACH ROW\n  \
                     SET NEW.{name} = COALESCE(NEW.{name}, {expr});\n\n\
                     -- bellows:backfill table={} key=id\n\
                     UPDATE {table} SET {name} = {expr} WHERE {name} IS NULL;",
                    alter.table
                ));
            }
            out.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{at, mysql, report_with};
    use crate::lint::LintOptions;
    use crate::sql::Dialect;

    const ID: &str = "mysql-expression-default";

    fn found(dialect: Dialect, sql: &str) -> bool {
        report_with(LintOptions::new(dialect), "migration.sql", sql)
            .diagnostics()
            .any(|d| d.rule == ID)
    }

    #[test]
    fn flags_a_parenthesised_expression_default() {
        insta::assert_snapshot!(mysql(
            "ALTER TABLE users ADD COLUMN api_token CHAR(36) DEFAULT (UUID());"
        ));
    }

    #[test]
    fn flags_a_bare_expression_on_mariadb_through_the_token_path() {
        insta::assert_snapshot!(at(
        Dialect::Mariadb,
        "10.11",
        "ALTER TABLE users ADD COLUMN IF NOT EXISTS expires_at DATETIME DEFAULT NOW() + INTERVAL 1 DAY;"
    ));
    }

    #[test]
    fn before_instant_columns_the_rewrite_asserts_inplace() {
        insta::assert_snapshot!(at(
            Dialect::Mysql,
            "8.0.11",
            "ALTER TABLE users ADD COLUMN score INT DEFAULT (42 * 2);"
        ));
    }

    #[test]
    fn passes_literals_current_timestamp_and_new_tables() {
        for sql in [
            "ALTER TABLE users ADD COLUMN flags INT NOT NULL DEFAULT 0;",
            "ALTER TABLE users ADD COLUMN status VARCHAR(10) DEFAULT 'new', ADD n INT DEFAULT -1;",
            "ALTER TABLE users ADD COLUMN seen DATETIME DEFAULT CURRENT_TIMESTAMP;",
            "CREATE TABLE t (a INT);\nALTER TABLE t ADD COLUMN token CHAR(36) DEFAULT (UUID());",
        ] {
            assert!(!found(Dialect::Mysql, sql), "{sql}");
        }
        // A current-time default with a precision is not an expression, on MariaDB either.
        assert!(!found(
        Dialect::Mariadb,
        "ALTER TABLE users ADD COLUMN updated DATETIME DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP;"
    ));
        assert!(!found(
            Dialect::Mariadb,
            "ALTER TABLE users ADD COLUMN seen DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6);"
        ));
    }
}
