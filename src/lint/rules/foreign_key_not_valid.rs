//! `foreign-key-not-valid`: a foreign key added to an existing table checks every row while
//! holding locks on both tables (PostgreSQL), or copies the table (MySQL). PostgreSQL's
//! `NOT VALID` + later `VALIDATE CONSTRAINT` avoids it.

use super::support::alter::alter_with_rows;
use super::support::columns::has_option;
use super::support::rewrite::ident;
use crate::lint::{Finding, Rule, Severity, StatementContext};
use sqlparser::ast::{AlterTableOperation, ColumnOption, TableConstraint};

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
        let (table, ops) = (&alter.table, alter.operations());
        if ctx.dialect().is_mysql_family() && foreign_key_checks_off(ctx) {
            return;
        }
        for op in ops {
            let (inline, name) = match op {
                AlterTableOperation::AddConstraint {
                    constraint: TableConstraint::ForeignKey(fk),
                    not_valid: false,
                } => (false, fk.name.as_ref().map(ident)),
                AlterTableOperation::AddColumn { column_def, .. }
                    if has_option(column_def, |o| matches!(o, ColumnOption::ForeignKey(_))) =>
                {
                    (true, None)
                }
                _ => continue,
            };
            let finding = if ctx.dialect().is_mysql_family() {
                Finding::new(
                    self.default_severity(),
                    format!("adding a foreign key to `{table}` copies the table"),
                    "MySQL and MariaDB add a foreign key with ALGORITHM=COPY (writes blocked for the \
                     whole copy) unless foreign_key_checks=0, which skips checking existing rows. Use \
                     an online schema change tool, or accept the copy on a small table.",
                )
            } else {
                let mut f = Finding::new(
                    self.default_severity(),
                    format!(
                        "adding a foreign key to `{table}` checks every row while blocking writes"
                    ),
                    "PostgreSQL validates every existing row while holding SHARE ROW EXCLUSIVE on \
                     both tables: writes to them wait for the whole scan. Add the constraint NOT \
                     VALID (instant; new rows are checked) and VALIDATE it in a later transaction, \
                     which only takes SHARE UPDATE EXCLUSIVE.",
                );
                if !inline && ops.len() == 1 {
                    let name = name.unwrap_or_else(|| "<constraint name>".into());
                    f = f.suggest(format!(
                        "{} NOT VALID;\n-- in a later transaction (e.g. the next migration):\n--   ALTER TABLE {} VALIDATE CONSTRAINT {name};",
                        ctx.sql.trim_end(),
                        alter.parsed_name()
                    ));
                }
                f
            };
            out.push(finding.on_table(table.clone()));
        }
    }
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
