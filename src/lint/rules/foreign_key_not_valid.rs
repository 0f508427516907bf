//! `foreign-key-not-valid`: a foreign key added to an existing table checks every row while
//! holding locks on both tables (PostgreSQL), or copies the table (MySQL). PostgreSQL's
//! `NOT VALID` + later `VALIDATE CONSTRAINT` avoids it.

use super::support::alter::{alter_with_rows, AlterTable};
use super::support::columns::has_option;
use super::support::mysql::asserts_algorithm;
use super::support::rewrite::ident;
use super::support::scan::depths;
use super::support::spans::{bytes_of, text_of};
use crate::lint::{Finding, Rule, Severity, StatementContext};
use sqlparser::ast::{AlterTableOperation, ColumnOption, Ident, TableConstraint};

/// Flags validated foreign keys added to existing tables.
pub(crate) struct ForeignKeyNotValid;

impl Rule for ForeignKeyNotValid {
    fn id(&self) -> &'static str {
        "foreign-key-not-valid"
    }

    fn default_severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "ADD FOREIGN KEY (or ADD COLUMN ... REFERENCES) on an existing table validates every row under a lock."
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let Some(alter) = alter_with_rows(ctx) else {
            return;
        };
        if ctx.dialect().is_mysql_family() && foreign_key_checks_off(ctx) {
            return;
        }
        let fks: Vec<Fk<'_>> = alter
            .operations()
            .iter()
            .enumerate()
            .filter_map(|(i, op)| Fk::of(i, op))
            .collect();
        if fks.is_empty() {
            return;
        }
        let shown = alter.written_name(ctx).replace(['"', '`'], "");
        let finding = if ctx.dialect().is_mysql_family() {
            Finding::new(
                self.default_severity(),
                format!("adding a foreign key to `{shown}` copies the table"),
                "MySQL and MariaDB add a foreign key with ALGORITHM=COPY (writes blocked for the \
                 whole copy) unless foreign_key_checks=0, which adds it in place without checking \
                 existing rows: check them first. Otherwise use an online schema change tool, or \
                 accept the copy on a small table.",
            )
            .suggest(mysql_rewrite(ctx))
        } else {
            let f = Finding::new(
                self.default_severity(),
                format!("adding a foreign key to `{shown}` checks every row while blocking writes"),
                "PostgreSQL validates every existing row while holding SHARE ROW EXCLUSIVE on both \
                 tables: writes to them wait for the whole scan. Add the constraint NOT VALID \
                 (instant; new rows are checked) and VALIDATE it in a later transaction, which only \
                 takes SHARE UPDATE EXCLUSIVE.",
            );
            match pg_rewrite(ctx, &alter, &fks) {
                Some(sql) => f.suggest(sql),
                None => f,
            }
        };
        for fk in &fks {
            out.push(
                finding
                    .clone()
                    .on_table(alter.table.clone())
                    .at_some(alter.op_span(fk.i)),
            );
        }
    }
}

/// One foreign key the statement adds.
struct Fk<'a> {
    /// The operation's index.
    i: usize,
    /// `ADD COLUMN ... REFERENCES` rather than a table constraint.
    inline: bool,
    /// The constraint's name as written, when the table constraint names it.
    name: Option<String>,
    /// The (first) referencing column.
    column: Option<&'a Ident>,
}

impl<'a> Fk<'a> {
    fn of(i: usize, op: &'a AlterTableOperation) -> Option<Fk<'a>> {
        match op {
            AlterTableOperation::AddConstraint {
                constraint: TableConstraint::ForeignKey(fk),
                not_valid: false,
            } => Some(Fk {
                i,
                inline: false,
                name: fk.name.as_ref().map(ident),
                column: fk.columns.first(),
            }),
            AlterTableOperation::AddColumn { column_def, .. }
                if has_option(column_def, |o| matches!(o, ColumnOption::ForeignKey(_))) =>
            {
                Some(Fk {
                    i,
                    inline: true,
                    name: None,
                    column: Some(&column_def.name),
                })
            }
            _ => None,
        }
    }

    /// PostgreSQL's default name for the constraint.
    fn default_name(&self, table: &str) -> String {
        let column = self
            .column
            .map_or_else(|| "col".into(), |c| c.value.to_ascii_lowercase());
        format!("{table}_{column}_fkey")
    }
}

/// Words that end an inline `REFERENCES ...` in a column definition (unless after `SET`, as
/// in `ON DELETE SET NULL`).
const AFTER_REFERENCES: &[&str] = &[
    "NOT",
    "NULL",
    "DEFAULT",
    "CHECK",
    "CONSTRAINT",
    "UNIQUE",
    "PRIMARY",
    "COLLATE",
    "GENERATED",
];

/// Every foreign key of the statement made `NOT VALID`: table constraints get `NOT VALID`
/// after their clause; an inline reference is cut from its column and added as a constraint
/// after the statement. Then the validations, for a later transaction.
fn pg_rewrite(
    ctx: &StatementContext<'_>,
    alter: &AlterTable<'_>,
    fks: &[Fk<'_>],
) -> Option<String> {
    let t = ctx.tokens;
    let d = depths(t);
    let table = alter.written_name(ctx);
    let mut edits: Vec<(std::ops::Range<usize>, &str)> = Vec::new();
    let (mut added, mut validate) = (String::new(), String::new());
    for fk in fks {
        let Some(c) = alter.clause_of(fk.i) else {
            if fks.len() == 1 && alter.operations().len() == 1 && !fk.inline {
                let end = ctx.sql.trim_end().len();
                edits.push((end..end, " NOT VALID"));
                let name = fk
                    .name
                    .clone()
                    .unwrap_or_else(|| fk.default_name(&alter.table));
                validate.push_str(&format!(
                    "\n--   ALTER TABLE {table} VALIDATE CONSTRAINT {name};"
                ));
                continue;
            }
            return None;
        };
        let mut name = fk
            .name
            .clone()
            .unwrap_or_else(|| fk.default_name(&alter.table));
        if !fk.inline {
            let end = bytes_of(ctx, &c.range())?.end;
            edits.push((end..end, " NOT VALID"));
        } else {
            let base = d[c.start];
            let refs = (c.start..c.end).find(|&k| d[k] == base && t.is_word(k, "REFERENCES"))?;
            let end = (refs + 1..c.end)
                .find(|&k| {
                    d[k] == base
                        && AFTER_REFERENCES.iter().any(|w| t.is_word(k, w))
                        && !t.is_word(k - 1, "SET")
                })
                .unwrap_or(c.end);
            let mut from = refs;
            if from >= c.start + 2 && t.is_word(from - 2, "CONSTRAINT") {
                from -= 2;
                name = text_of(ctx, &(from + 1..from + 2))?.to_string();
            }
            let cut = bytes_of(ctx, &(from - 1..from))?.end..bytes_of(ctx, &(from..end))?.end;
            edits.push((cut, ""));
            added.push_str(&format!(
                "\nALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({}) {} NOT VALID;",
                fk.column.map(ident).unwrap_or_default(),
                text_of(ctx, &(refs..end))?
            ));
        }
        validate.push_str(&format!(
            "\n--   ALTER TABLE {table} VALIDATE CONSTRAINT {name};"
        ));
    }
    edits.sort_by_key(|e| std::cmp::Reverse(e.0.start));
    let mut sql = ctx.sql.trim_end().to_string();
    for (range, with) in edits {
        sql.replace_range(range, with);
    }
    Some(format!(
        "{sql};{added}\n-- in a later transaction (e.g. the next migration):{validate}"
    ))
}

/// MySQL: the key added in place with the checks of existing rows off for the statement.
fn mysql_rewrite(ctx: &StatementContext<'_>) -> String {
    let online = if asserts_algorithm(ctx.tokens) {
        ""
    } else {
        ", ALGORITHM=INPLACE, LOCK=NONE"
    };
    format!(
        "-- existing rows are not checked with foreign_key_checks = 0: make sure none is orphaned first\n\
         SET foreign_key_checks = 0;\n{}{online};\nSET foreign_key_checks = 1;",
        ctx.sql.trim_end()
    )
}

/// MySQL: the last `SET [SESSION] foreign_key_checks = ...` earlier in the file turned the
/// checks off, so the key is added in place without copying the table (bellows replays such
/// settings when it resumes a phase).
fn foreign_key_checks_off(ctx: &StatementContext<'_>) -> bool {
    ctx.file.foreign_key_checks_off
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{mysql, pg, rules_pg};

    #[test]
    fn flags_a_validated_foreign_key_on_postgres() {
        insta::assert_snapshot!(pg(
        "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);"
    ));
    }

    #[test]
    fn flags_an_inline_reference_and_mysql() {
        insta::assert_snapshot!(pg(
            "ALTER TABLE orders ADD COLUMN coupon_id bigint REFERENCES coupons (id);"
        ));
        insta::assert_snapshot!(mysql(
        "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);"
    ));
    }

    #[test]
    fn rewrites_an_inline_reference_among_other_clauses() {
        insta::assert_snapshot!(pg(
            "ALTER TABLE orders\n  ADD COLUMN note text,\n  ADD COLUMN coupon_id bigint CONSTRAINT orders_coupon_fk REFERENCES coupons (id) ON DELETE SET NULL DEFAULT NULL,\n  ADD FOREIGN KEY (user_id) REFERENCES users (id);"
        ));
    }

    #[test]
    fn passes_not_valid_and_new_tables() {
        assert!(rules_pg(
        "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;"
    )
    .is_empty());
        assert!(rules_pg(
        "CREATE TABLE o (id bigint, user_id bigint);\nALTER TABLE o ADD CONSTRAINT o_fk FOREIGN KEY (user_id) REFERENCES users (id);"
    )
    .is_empty());
    }

    #[test]
    fn passes_mysql_with_foreign_key_checks_off_and_flags_it_once_they_are_back_on() {
        use crate::lint::testing::rules_in;
        let off = "SET foreign_key_checks = 0;\nALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id), ALGORITHM=INPLACE, LOCK=NONE;\n";
        assert!(!rules_in(crate::sql::Dialect::Mysql, off).contains(&"foreign-key-not-valid"));
        let back_on = off.replace(";\nALTER", ";\nSET foreign_key_checks = 1;\nALTER");
        assert!(rules_in(crate::sql::Dialect::Mysql, &back_on).contains(&"foreign-key-not-valid"));
    }
}
