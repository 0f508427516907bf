//! add-not-null: a default for new rows (expand), existing NULLs filled in batches
//! (backfill), and NOT NULL enforced in the contract without a long lock.

use crate::generate::context::Context;
use crate::generate::op::{Backfill, Op, OpSpec, Param, Section, Sections};
use crate::generate::quote::Cx;
use crate::{Error, Result};

/// The declaration.
pub(crate) static SPEC: OpSpec = OpSpec {
    name: "add-not-null",
    params: &[
        Param::positional("TABLE", "the table"),
        Param::positional("COLUMN", "the column"),
        Param::option(
            "default",
            "EXPR",
            false,
            "default for new rows and existing NULLs",
        ),
        Param::option(
            "current-default",
            "EXPR",
            false,
            "the default the column has now; the down section puts it back (and MySQL's \
             contract keeps it when there is no --default)",
        ),
        Param::option(
            "type",
            "TYPE",
            false,
            "the column's type, which MySQL/MariaDB need (the column is redefined with MODIFY)",
        ),
    ],
    needs_gate: false,
    build: |a| {
        Ok(Box::new(AddNotNull {
            table: a.one("TABLE")?,
            column: a.one("COLUMN")?,
            default: a.opt("default"),
            current_default: a.opt("current-default"),
            column_type: a.opt("type"),
        }))
    },
};

#[derive(Debug)]
struct AddNotNull {
    table: String,
    column: String,
    default: Option<String>,
    current_default: Option<String>,
    column_type: Option<String>,
}

impl AddNotNull {
    /// What both dialects share: the default (expand), the batched fill of NULLs
    /// (backfill), and the down section, which puts back the default the column had, or
    /// drops the recipe's. The contract is the caller's.
    fn sections(&self, cx: &Cx, contract: Section) -> Sections {
        let (t, c) = (cx.q(&self.table), cx.q(&self.column));
        let default = self.default.as_deref();
        let down = default.map(|_| match &self.current_default {
            Some(cur) => cx.set_default(&t, &c, cur),
            None => format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT"),
        });
        let down_comment = if self.current_default.is_some() {
            "Undo the expand phase: the column's previous default comes back."
        } else {
            "Undo the expand phase (the column had no default before: --current-default names one it had)."
        };
        Sections {
            expand: Section::new(
                "New rows get the default from now on (a metadata-only change).",
                default
                    .map(|d| cx.set_default(&t, &c, d))
                    .into_iter()
                    .collect(),
            ),
            backfill: Some(Backfill {
                table: self.table.clone(),
                section: Section::new(
                    "Fill existing NULLs in short batches.",
                    default
                        .map(|d| format!("UPDATE {t} SET {c} = {d} WHERE {c} IS NULL"))
                        .into_iter()
                        .collect(),
                ),
            }),
            contract,
            down: Section::new(down_comment, down.into_iter().collect()),
        }
    }
}

impl Op for AddNotNull {
    fn identifiers(&self) -> Vec<&str> {
        vec![&self.table, &self.column]
    }

    fn types(&self) -> Vec<&str> {
        self.column_type.iter().map(String::as_str).collect()
    }

    /// From the model: the column's type (with its collation, which MODIFY would otherwise
    /// reset) and its current default, when not given.
    fn learn(&mut self, cx: &mut Context) -> Result<()> {
        let what = "--type and --current-default are not read from the schema; check the file";
        let Some(table) = cx.table_or_note(&self.table, what) else {
            return Ok(());
        };
        let column = cx.column(table, &self.column)?;
        if self.column_type.is_none() {
            self.column_type = Some(match &column.collation {
                Some(c) if cx.dialect.is_mysql_family() => {
                    format!("{} COLLATE {c}", column.type_written)
                }
                _ => column.type_written.clone(),
            });
        }
        if self.current_default.is_none() {
            self.current_default.clone_from(&column.default);
        }
        Ok(())
    }

    /// In the contract, once no app writes NULLs: CHECK NOT VALID, VALIDATE (its own
    /// transaction: bellows runs it alone), SET NOT NULL (PostgreSQL 12+ uses the validated
    /// CHECK instead of scanning), drop the CHECK.
    fn postgres(&self, cx: &Cx) -> Result<Sections> {
        let check = cx.q(&crate::generate::quote::object_name(&[
            &self.table,
            &self.column,
            "not_null",
        ]));
        let (t, c) = (cx.q(&self.table), cx.q(&self.column));
        let contract = Section::new(
            "Once no running app writes NULLs: the CHECK is added without a scan, VALIDATE scans\nwithout blocking writes (bellows gives it a transaction of its own), SET NOT NULL then\nuses the validated CHECK instead of scanning (PostgreSQL 12+), and the CHECK goes.",
            vec![
                format!("ALTER TABLE {t} ADD CONSTRAINT {check} CHECK ({c} IS NOT NULL) NOT VALID"),
                format!("ALTER TABLE {t} VALIDATE CONSTRAINT {check}"),
                format!("ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL"),
                format!("ALTER TABLE {t} DROP CONSTRAINT {check}"),
            ],
        );
        Ok(self.sections(cx, contract))
    }

    /// The contract is one online `MODIFY`, which restates the default (the new one, else
    /// the one the column has).
    fn mysql(&self, cx: &Cx) -> Result<Sections> {
        let column_type = self.column_type.as_deref().ok_or_else(|| {
            Error::Config(
                "add-not-null on MySQL/MariaDB needs --type: the column is redefined with MODIFY"
                    .into(),
            )
        })?;
        let (t, c) = (cx.q(&self.table), cx.q(&self.column));
        let default_clause = self
            .default
            .as_ref()
            .or(self.current_default.as_ref())
            .map(|d| format!(" DEFAULT {d}"))
            .unwrap_or_default();
        let contract = Section::new(
            "Rebuilt in place while reads and writes go on; fails (and changes nothing) if a NULL is left.",
            vec![format!("ALTER TABLE {t} MODIFY COLUMN {c} {column_type} NOT NULL{default_clause}, ALGORITHM=INPLACE, LOCK=NONE")],
        );
        Ok(self.sections(cx, contract))
    }
}

#[cfg(test)]
mod tests {
    use crate::generate::testing::{both, render};
    use crate::Dialect;

    #[test]
    fn defaults_backfills_then_enforces() {
        let args = [
            ("TABLE", "users"),
            ("COLUMN", "name"),
            ("default", "'?'"),
            ("type", "varchar(100)"),
        ];
        let (pg, my) = both("add-not-null", &args);
        insta::assert_snapshot!("postgres", pg);
        insta::assert_snapshot!("mysql", my);
    }

    #[test]
    fn down_puts_back_the_current_default() {
        let args = [
            ("TABLE", "users"),
            ("COLUMN", "points"),
            ("default", "0"),
            ("current-default", "7"),
            ("type", "int"),
        ];
        let (pg, my) = both("add-not-null", &args);
        insta::assert_snapshot!("current_default_postgres", pg);
        insta::assert_snapshot!("current_default_mysql", my);
    }

    #[test]
    fn without_a_default_only_the_contract_is_left() {
        let args = [("TABLE", "users"), ("COLUMN", "name")];
        let pg = render("add-not-null", &args, Dialect::Postgres).unwrap();
        insta::assert_snapshot!("no_default_postgres", pg);
        let err = render("add-not-null", &args, Dialect::Mysql).unwrap_err();
        assert!(err.to_string().contains("needs --type"), "{err}");
    }
}
