//! `constraint-not-valid`: `ALTER TABLE ... ADD [CONSTRAINT c] CHECK (...)` without `NOT VALID`
//! on an existing PostgreSQL table scans every row under ACCESS EXCLUSIVE. Works on tokens,
//! so parsed and unparsed statements are treated alike. Foreign keys belong to
//! `foreign-key-not-valid`.

use super::support::alter::{alter_existing, AlterTable};
use super::support::scan::is_punct;
use super::support::spans::{bytes_of, insert_all, span_of, text_of};
use crate::lint::{Finding, Rule, Severity, StatementContext, POSTGRES};
use crate::sql::Dialect;
use sqlparser::tokenizer::Span;

/// Flags CHECK constraints validated while the table is locked.
pub(crate) struct ConstraintNotValid;

impl Rule for ConstraintNotValid {
    fn id(&self) -> &'static str {
        "constraint-not-valid"
    }

    fn default_severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "ADD CHECK without NOT VALID scans the whole table under an ACCESS EXCLUSIVE lock."
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let Some(alter) = alter_existing(ctx) else {
            return;
        };
        let Checks {
            edits,
            validates,
            names,
            first_span,
        } = checks(ctx, &alter);
        if names.is_empty() {
            return;
        }
        let mut finding = Finding::new(
            self.default_severity(),
            format!(
                "CHECK constraint {} on `{}` is validated under an ACCESS EXCLUSIVE lock: every read and write waits for a full table scan",
                names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "),
                alter.table
            ),
            "ADD CONSTRAINT ... CHECK takes ACCESS EXCLUSIVE and, before releasing it, reads every \
             row to prove the condition: SELECTs, INSERTs, UPDATEs and DELETEs of the running app \
             all wait for the scan, and one bad row fails the statement at the end of it. Added \
             NOT VALID, the lock lasts only for the catalog change and new writes are checked at \
             once; ALTER TABLE ... VALIDATE CONSTRAINT, in a later transaction (another phase), \
             then checks old rows under SHARE UPDATE EXCLUSIVE, which lets reads and writes run.",
        )
        .on_table(alter.table.clone());
        if let Some(span) = first_span {
            finding = finding.at(span);
        }
        if validates.len() == names.len() {
            if let Some(rewrite) = insert_all(ctx.sql, edits) {
                finding = finding.suggest(format!(
                    "-- bellows:expand\n{};\n\n-- bellows:contract\n{}",
                    rewrite.trim_end(),
                    validates.join("\n")
                ));
            }
        }
        out.push(finding);
    }
}

/// The CHECK constraints an `ALTER TABLE` adds without `NOT VALID`, and what the rewrite
/// needs for them.
struct Checks {
    /// Insertions into the statement text: `NOT VALID`, and names for unnamed checks.
    edits: Vec<(usize, String)>,
    /// One `VALIDATE CONSTRAINT` per check that could be rewritten.
    validates: Vec<String>,
    /// The constraint names (as written, or made up for unnamed ones).
    names: Vec<String>,
    /// Where the first such clause is.
    first_span: Option<Span>,
}

/// Finds the CHECK constraints `alter` adds without `NOT VALID`.
fn checks(ctx: &StatementContext<'_>, alter: &AlterTable<'_>) -> Checks {
    let t = ctx.tokens;
    let table_sql = alter.written_name(ctx);
    let mut edits = Vec::new();
    let mut validates = Vec::new();
    let mut names = Vec::new();
    let mut first_span = None;
    for (n, clause) in alter.clauses.iter().enumerate() {
        if !t.is_word(clause.start, "ADD") {
            continue;
        }
        let mut i = clause.start + 1;
        let mut name = None;
        if t.is_word(i, "CONSTRAINT") {
            let Some((key, end)) = t.name_at(i + 1) else {
                continue;
            };
            let written = text_of(ctx, &(i + 1..end)).map_or_else(|| key.clone(), str::to_string);
            name = Some(written);
            i = end;
        }
        if !t.is_word(i, "CHECK") || !is_punct(t, i + 1, "(") {
            continue;
        }
        if t.find_seq(clause.start, &["NOT", "VALID"])
            .is_some_and(|v| v < clause.end)
        {
            continue;
        }
        first_span = first_span.or_else(|| span_of(t, &clause.range()));
        let Some(bytes) = bytes_of(ctx, &clause.range()) else {
            names.push(name.unwrap_or_else(|| "CHECK".into()));
            continue;
        };
        let name = match name {
            Some(name) => name,
            None => {
                let made = format!("{}_check{}", alter.table, n + 1);
                if let Some(check) = bytes_of(ctx, &(i..i + 1)) {
                    edits.push((check.start, format!("CONSTRAINT {made} ")));
                }
                made
            }
        };
        edits.push((bytes.end, " NOT VALID".to_string()));
        validates.push(format!(
            "ALTER TABLE {table_sql} VALIDATE CONSTRAINT {name};"
        ));
        names.push(name);
    }
    Checks {
        edits,
        validates,
        names,
        first_span,
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{pg, rules_pg};

    const ID: &str = "constraint-not-valid";

    #[test]
    fn flags_a_named_check() {
        insta::assert_snapshot!(pg(
            "ALTER TABLE orders ADD CONSTRAINT orders_quantity_positive CHECK (quantity > 0);"
        ));
    }

    #[test]
    fn names_an_unnamed_check_so_it_can_be_validated_later() {
        insta::assert_snapshot!(pg(
            "ALTER TABLE orders\n  ADD COLUMN note text,\n  ADD CHECK (char_length(note) < 500);"
        ));
    }

    #[test]
    fn passes_not_valid_and_new_tables() {
        for sql in [
            "ALTER TABLE orders ADD CONSTRAINT q CHECK (quantity > 0) NOT VALID;",
            "CREATE TABLE t (a int);\nALTER TABLE t ADD CONSTRAINT a_pos CHECK (a > 0);",
            "ALTER TABLE orders ADD COLUMN \"check\" int;",
        ] {
            assert!(!rules_pg(sql).contains(&ID), "{sql}");
        }
    }

    #[test]
    fn leaves_foreign_keys_to_their_own_rule() {
        let sql =
            "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id);";
        assert!(!rules_pg(sql).contains(&ID));
    }
}
