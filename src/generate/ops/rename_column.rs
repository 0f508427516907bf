//! rename-column: the new name is a new column, kept in step with the old one by triggers
//! while both app versions run, backfilled, and the old column dropped in the contract.

use crate::generate::op::{Op, OpSpec, Param, Sections};
use crate::generate::quote::Cx;
use crate::generate::sync::{self, Synced};
use crate::{Error, Result};

/// The declaration.
pub(crate) static SPEC: OpSpec = OpSpec {
    name: "rename-column",
    params: &[
        Param::positional("TABLE", "the table"),
        Param::positional("OLD", "the column's current name"),
        Param::positional("NEW", "the column's new name"),
        Param::option(
            "type",
            "TYPE",
            true,
            "the column's type (the new column is created with it)",
        ),
        Param::option(
            "placeholder",
            "LITERAL",
            false,
            "MySQL/MariaDB: a value of the column's type, the old column's default between the \
             contract's trigger drops and its column drop (derived from --type when it is a \
             number or a string)",
        ),
    ],
    needs_gate: true,
    build: |a| {
        Ok(Box::new(RenameColumn {
            table: a.one("TABLE")?,
            old: a.one("OLD")?,
            new: a.one("NEW")?,
            column_type: a.one("type")?,
            placeholder: a.opt("placeholder"),
        }))
    },
};

#[derive(Debug)]
struct RenameColumn {
    table: String,
    old: String,
    new: String,
    column_type: String,
    placeholder: Option<String>,
}

impl RenameColumn {
    fn synced(&self) -> Synced<'_> {
        Synced {
            table: &self.table,
            old: &self.old,
            new: &self.new,
            new_type: &self.column_type,
            convert: "{}",
            reverse: "{}",
        }
    }
}

impl Op for RenameColumn {
    fn identifiers(&self) -> Vec<&str> {
        vec![&self.table, &self.old, &self.new]
    }

    fn types(&self) -> Vec<&str> {
        vec![&self.column_type]
    }

    fn postgres(&self, cx: &Cx) -> Result<Sections> {
        Ok(sync::postgres(cx, &self.synced()))
    }

    fn mysql(&self, cx: &Cx) -> Result<Sections> {
        let column_type = &self.column_type;
        let literal = self
            .placeholder
            .as_deref()
            .or_else(|| sync::default_literal(column_type))
            .ok_or_else(|| {
                Error::Config(format!(
                    "rename-column on MySQL/MariaDB needs --placeholder LITERAL for a column of type {column_type}: \
                     any value of that type (the old column's default for the moment between the contract's \
                     trigger drops and its column drop)"
                ))
            })?;
        Ok(sync::mysql(cx, &self.synced(), literal))
    }
}

#[cfg(test)]
mod tests {
    use crate::generate::testing::{both, render};
    use crate::Dialect;

    const ARGS: &[(&str, &str)] = &[
        ("TABLE", "users"),
        ("OLD", "email_address"),
        ("NEW", "primary_email"),
        ("type", "varchar(200)"),
    ];

    #[test]
    fn renames_through_a_synced_column() {
        let (pg, my) = both("rename-column", ARGS);
        insta::assert_snapshot!("postgres", pg);
        insta::assert_snapshot!("mysql", my);
    }

    #[test]
    fn quotes_every_identifier() {
        let args = [
            ("TABLE", "My\"Tab`le"),
            ("OLD", "col\"one"),
            ("NEW", "col`two"),
            ("type", "int"),
        ];
        let (pg, my) = both("rename-column", &args);
        insta::assert_snapshot!("quoted_postgres", pg);
        insta::assert_snapshot!("quoted_mysql", my);
    }

    #[test]
    fn mysql_takes_a_placeholder_or_asks_for_one() {
        let mut args = ARGS.to_vec();
        args[3] = ("type", "datetime");
        let err = render("rename-column", &args, Dialect::Mysql).unwrap_err();
        assert!(err.to_string().contains("--placeholder LITERAL"), "{err}");
        args.push(("placeholder", "'2000-01-01'"));
        let my = render("rename-column", &args, Dialect::Mysql).unwrap();
        assert!(
            my.contains("ALTER TABLE `users` ALTER COLUMN `email_address` SET DEFAULT '2000-01-01';\nDROP TRIGGER"),
            "{my}"
        );
    }
}
