//! rename-column: the new name is a new column, kept in step with the old one by triggers
//! while both app versions run, backfilled, and the old column dropped in the contract. With
//! the schema model the new column keeps every property of the old one (see
//! `generate::carry`); without it, `--type` says what to create.

use crate::generate::carry::{Carried, Kind};
use crate::generate::context::Context;
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
            false,
            "the column's type (the new column is created with it); read from the schema \
             (--database-url, else the migrations folder) when not given",
        ),
        Param::option(
            "placeholder",
            "LITERAL",
            false,
            "MySQL/MariaDB: a value of the column's type, the old column's default between the \
             contract's trigger drops and its column drop (derived from the type when it is a \
             number, a string, or — read from the schema — a date or time)",
        ),
    ],
    needs_gate: true,
    build: |a| {
        Ok(Box::new(RenameColumn {
            table: a.one("TABLE")?,
            old: a.one("OLD")?,
            new: a.one("NEW")?,
            column_type: a.opt("type"),
            placeholder: a.opt("placeholder"),
            carried: None,
            model_literal: None,
        }))
    },
};

#[derive(Debug)]
struct RenameColumn {
    table: String,
    old: String,
    new: String,
    column_type: Option<String>,
    placeholder: Option<String>,
    /// What the new column keeps, from the schema model.
    carried: Option<Carried>,
    /// MySQL: the placeholder the model allows (none needed: `Some(None)`).
    model_literal: Option<Option<&'static str>>,
}

impl RenameColumn {
    fn synced<'a>(&'a self, column_type: &'a str) -> Synced<'a> {
        Synced {
            table: &self.table,
            old: &self.old,
            new: &self.new,
            new_type: column_type,
            convert: "{}",
            reverse: "{}",
            carried: self.carried.as_ref(),
        }
    }

    fn column_type(&self) -> Result<&str> {
        self.column_type.as_deref().ok_or_else(|| {
            Error::Config(format!(
                "rename-column needs the type of {}.{}: pass --type TYPE, or --database-url so bellows reads it",
                self.table, self.old
            ))
        })
    }
}

impl Op for RenameColumn {
    fn identifiers(&self) -> Vec<&str> {
        vec![&self.table, &self.old, &self.new]
    }

    fn types(&self) -> Vec<&str> {
        self.column_type.iter().map(String::as_str).collect()
    }

    fn learn(&mut self, cx: &mut Context) -> Result<()> {
        let instead = "pass --type TYPE (and on MySQL --placeholder LITERAL) to write the recipe without the model";
        let table = if self.column_type.is_some() {
            cx.table_or_note(
                &self.table,
                "the new column keeps none of the old one's constraints; check the file",
            )
        } else {
            cx.table(&self.table, instead)?
        };
        let Some(table) = table else {
            return Ok(());
        };
        let old = cx.column(table, &self.old)?;
        if table.column_written(&self.new).is_some() {
            return Err(Error::Config(format!(
                "{} already has a column {}",
                table.name, self.new
            )));
        }
        if table.name.schema.is_none() {
            self.table.clone_from(&table.name.name);
        }
        self.old.clone_from(&old.name);
        self.column_type
            .get_or_insert_with(|| old.type_written.clone());
        self.carried = Some(crate::generate::carry::carried(
            cx,
            table,
            old,
            &self.new,
            Kind::Rename,
        )?);
        self.model_literal = Some(if old.nullable || old.default.is_some() {
            None
        } else {
            sync::known_literal(&old.type_written)
        });
        Ok(())
    }

    fn postgres(&self, cx: &Cx) -> Result<Sections> {
        Ok(sync::postgres(cx, &self.synced(self.column_type()?)))
    }

    fn mysql(&self, cx: &Cx) -> Result<Sections> {
        let column_type = self.column_type()?;
        let needs = self.carried.as_ref().is_none_or(|c| c.old_needs_value);
        let literal = match (&self.placeholder, self.model_literal) {
            (Some(p), _) => Some(p.as_str()),
            (None, Some(known)) => known,
            (None, None) => sync::default_literal(column_type),
        };
        if needs && literal.is_none() {
            return Err(Error::Config(format!(
                "rename-column on MySQL/MariaDB needs --placeholder LITERAL for a column of type {column_type}: \
                 any value of that type (the old column's default for the moment between the contract's \
                 trigger drops and its column drop)"
            )));
        }
        Ok(sync::mysql(
            cx,
            &self.synced(column_type),
            literal.filter(|_| needs),
        ))
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
            my.contains("ALTER TABLE `users` ALTER COLUMN `email_address` SET DEFAULT '2000-01-01', ALGORITHM=INSTANT;\nDROP TRIGGER"),
            "{my}"
        );
    }
}
