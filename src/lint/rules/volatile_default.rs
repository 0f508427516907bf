//! `volatile-default`: `ALTER TABLE ... ADD COLUMN ... DEFAULT expr` on an existing PostgreSQL
//! table where `expr` must be computed per row (volatile, or any default on PostgreSQL 10 and
//! older), so the table is rewritten under ACCESS EXCLUSIVE. Works on tokens.

use super::support::columns::added_with_default;
use super::support::scan::is_punct;
use super::support::spans::text_of;
use crate::lint::{Finding, Rule, Severity, StatementContext, Tokens, POSTGRES};
use crate::sql::Dialect;
use std::ops::Range;

/// Functions known to be volatile.
const VOLATILE: &[&str] = &[
    "random",
    "gen_random_uuid",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "uuidv4",
    "uuidv7",
    "clock_timestamp",
    "timeofday",
    "nextval",
    "setseed",
    "random_normal",
    "txid_current",
    "pg_current_xact_id",
];

/// Functions (and function-like keywords) known to be immutable or stable: evaluated once.
const ONCE: &[&str] = &[
    "now",
    "current_timestamp",
    "current_date",
    "current_time",
    "localtimestamp",
    "localtime",
    "transaction_timestamp",
    "statement_timestamp",
    "lower",
    "upper",
    "coalesce",
    "nullif",
    "greatest",
    "least",
    "cast",
    "concat",
    "length",
    "abs",
    "round",
    "floor",
    "ceil",
    "make_interval",
    "make_date",
    "make_time",
    "make_timestamp",
    "make_timestamptz",
    "to_timestamp",
    "to_date",
    "to_char",
    "to_number",
    "date_trunc",
    "jsonb_build_object",
    "json_build_object",
    "jsonb_build_array",
    "json_build_array",
    "array",
    "row",
    "current_setting",
    "current_user",
    "session_user",
    "current_schema",
    "timezone",
    "trim",
    "btrim",
    "ltrim",
    "rtrim",
    "replace",
    "substring",
    "left",
    "right",
    "md5",
    "to_jsonb",
    "to_json",
    "format",
    "date_part",
    "extract",
    "age",
    "split_part",
    "position",
    "array_to_string",
    "string_to_array",
    "jsonb_object",
    "json_object",
    "daterange",
    "tstzrange",
    "int4range",
    "int8range",
    "numrange",
    "tsrange",
    "point",
    "interval",
];

/// Flags column additions whose default rewrites the table.
pub(crate) struct VolatileDefault;

/// What kind of default an expression is.
enum Kind {
    /// A known volatile function: the name.
    Volatile(String),
    /// A function the linter does not know: the name.
    Unknown(String),
    /// Evaluated once (constants, stable functions).
    Once,
}

fn kind(t: &Tokens, r: &Range<usize>) -> Kind {
    let mut unknown = None;
    for i in r.clone() {
        let Some(tok) = t.get(i) else { break };
        let called = is_punct(t, i + 1, "(")
            && !(i > 0 && (is_punct(t, i - 1, "::") || t.is_word(i - 1, "AS")));
        if !called
            || tok.kind == crate::lint::TokKind::Literal
            || tok.kind == crate::lint::TokKind::Punct
        {
            continue;
        }
        let name = tok.text.to_ascii_lowercase();
        if VOLATILE.contains(&name.as_str()) {
            return Kind::Volatile(name);
        }
        if !ONCE.contains(&name.as_str()) && unknown.is_none() {
            unknown = Some(name);
        }
    }
    unknown.map_or(Kind::Once, Kind::Unknown)
}

impl Rule for VolatileDefault {
    fn id(&self) -> &'static str {
        "volatile-default"
    }

    fn default_severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "ADD COLUMN with a volatile DEFAULT (any DEFAULT on PostgreSQL 10 and older) rewrites the table."
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let t = ctx.tokens;
        let Some((alter, columns)) = added_with_default(ctx) else {
            return;
        };
        let old = !ctx.version().at_least(11, 0);
        for col in columns {
            if col.default.is_empty()
                || (col.default.len() == 1 && t.is_word(col.default.start, "NULL"))
            {
                continue;
            }
            // A function the linter does not know may well be immutable: a warning, not an
            // error, so that user functions do not drown the real findings.
            let (what, severity) = match kind(t, &col.default) {
                Kind::Volatile(f) => (format!("the volatile `{f}()`"), self.default_severity()),
                Kind::Unknown(f) if old => (
                    format!("a DEFAULT calling `{f}()` on PostgreSQL {}", ctx.version()),
                    self.default_severity(),
                ),
                Kind::Unknown(f) => (
                    format!("`{f}()` (not known to be non-volatile)"),
                    Severity::Warning,
                ),
                Kind::Once if old => (
                    format!("a DEFAULT on PostgreSQL {}", ctx.version()),
                    self.default_severity(),
                ),
                Kind::Once => continue,
            };
            let verb = if severity == Severity::Warning {
                "may rewrite"
            } else {
                "rewrites"
            };
            let mut finding = Finding::new(
                severity,
                format!(
                    "ADD COLUMN `{}` with {what} {verb} `{}` under an ACCESS EXCLUSIVE lock",
                    col.column, alter.table
                ),
                "Each existing row needs its own value, so PostgreSQL rewrites the whole table and \
                 rebuilds its indexes while holding ACCESS EXCLUSIVE: every read and write of the \
                 running app waits for the rewrite, and it needs free disk as large as the table. \
                 PostgreSQL 10 and older do this for every non-NULL default; on 11+ a \
                 non-volatile default (a constant, now()) is stored once in the catalog and the \
                 add is instant. Add the column without a default, set the default \
                 for new rows, and fill old rows in batches.",
            )
            .on_table(alter.table.clone());
            if let Some(span) = col.default_span(t) {
                finding = finding.at(span);
            }
            let parts = (col.written(ctx), text_of(ctx, &col.default));
            if let (Some((def, name)), Some(expr)) = parts {
                let table = alter.written_name(ctx);
                let not_null = t
                    .find_seq(col.clause.start, &["NOT", "NULL"])
                    .is_some_and(|i| i < col.clause.end);
                let then = if not_null {
                    "\n-- then NOT NULL with the set-not-null recipe (CHECK ... NOT VALID, VALIDATE)"
                } else {
                    ""
                };
                finding = finding.suggest(format!(
                    "-- bellows:expand\nALTER TABLE {table} ADD COLUMN {def};\n\
                     ALTER TABLE {table} ALTER COLUMN {name} SET DEFAULT {expr};\n\n\
                     -- bellows:backfill table={} key=id\n\
                     UPDATE {table} SET {name} = {expr} WHERE {name} IS NULL;{then}",
                    alter.table
                ));
            }
            out.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{at, pg, rules_pg};
    use crate::sql::Dialect;

    const ID: &str = "volatile-default";

    #[test]
    fn flags_a_volatile_default() {
        insta::assert_snapshot!(pg(
            "ALTER TABLE users ADD COLUMN api_token uuid DEFAULT gen_random_uuid();"
        ));
    }

    #[test]
    fn flags_an_unknown_function_and_keeps_only_name_and_type_in_the_rewrite() {
        insta::assert_snapshot!(pg(
        "ALTER TABLE users ADD COLUMN IF NOT EXISTS score numeric(5, 2) NOT NULL DEFAULT compute_score(1);"
    ));
    }

    #[test]
    fn flags_a_constant_default_on_postgres_10() {
        insta::assert_snapshot!(at(
            Dialect::Postgres,
            "10",
            "ALTER TABLE users ADD COLUMN status text DEFAULT 'active';"
        ));
    }

    #[test]
    fn passes_non_volatile_defaults_on_11_and_new_tables() {
        for sql in [
        "ALTER TABLE users ADD COLUMN status text DEFAULT 'active';",
        "ALTER TABLE users ADD COLUMN created_at timestamptz DEFAULT now();",
        "ALTER TABLE users ADD COLUMN meta jsonb DEFAULT '{}'::jsonb, ADD n numeric(3, 1) DEFAULT 1.5::numeric(3, 1);",
        "ALTER TABLE users ADD COLUMN c text DEFAULT NULL;",
        "CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN token uuid DEFAULT gen_random_uuid();",
    ] {
        assert!(!rules_pg(sql).contains(&ID), "{sql}");
    }
        assert!(at(
            Dialect::Postgres,
            "10",
            "ALTER TABLE users ADD COLUMN c text DEFAULT NULL;"
        )
        .starts_with("clean"));
    }

    #[test]
    fn passes_common_stable_functions_and_flags_unknown_ones_only_as_warnings() {
        let sql = "ALTER TABLE users ADD COLUMN tz text DEFAULT timezone('utc', now())::text, ADD j jsonb DEFAULT to_jsonb('x'::text);";
        assert!(!rules_pg(sql).contains(&ID));
        let out = pg("ALTER TABLE users ADD COLUMN s int DEFAULT my_immutable_fn();");
        assert!(out.starts_with("warning[volatile-default]"), "{out}");
    }
}
