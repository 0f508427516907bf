//! change-type: the new type is a new column, kept in step with the old one by triggers
//! (through `--using` / `--reverse` conversions when a cast is not enough), backfilled, and
//! the old column dropped in the contract.

use crate::generate::carry::{self, Carried, Kind};
use crate::generate::context::Context;
use crate::generate::op::{Op, OpSpec, Param, Sections};
use crate::generate::quote::Cx;
use crate::generate::sync::{self, Synced};
use crate::{Error, Result};

/// The declaration.
pub(crate) static SPEC: OpSpec = OpSpec {
    name: "change-type",
    params: &[
        Param::positional("TABLE", "the table"),
        Param::positional("COLUMN", "the column"),
        Param::positional("TYPE", "the new type"),
        Param::option(
            "using",
            "EXPR",
            false,
            "conversion from the old value, `{}` standing for the old column",
        ),
        Param::option(
            "reverse",
            "EXPR",
            false,
            "conversion back for rows the new app writes, `{}` standing for the new column \
             (required with --using)",
        ),
        Param::option(
            "new-column",
            "NAME",
            false,
            "name of the new column (default `<column>_new`)",
        ),
        Param::option(
            "placeholder",
            "LITERAL",
            false,
            "MySQL/MariaDB: a value of the old type, the old column's default between the \
             contract's trigger drops and its column drop (else derived from the old type read \
             from the schema, or `0` when the new type is a number or a string)",
        ),
    ],
    needs_gate: true,
    build: |a| {
        let column = a.one("COLUMN")?;
        Ok(Box::new(ChangeType {
            table: a.one("TABLE")?,
            new_type: a.one("TYPE")?,
            new_column: a
                .opt("new-column")
                .unwrap_or_else(|| format!("{column}_new")),
            column,
            using: a.opt("using"),
            reverse: a.opt("reverse"),
            placeholder: a.opt("placeholder"),
            carried: None,
            model_literal: None,
        }))
    },
};

#[derive(Debug)]
struct ChangeType {
    table: String,
    column: String,
    new_type: String,
    new_column: String,
    using: Option<String>,
    reverse: Option<String>,
    placeholder: Option<String>,
    /// What the new column keeps, from the schema model.
    carried: Option<Carried>,
    /// MySQL: the placeholder the model allows (none needed: `Some(None)`).
    model_literal: Option<Option<&'static str>>,
}

impl ChangeType {
    fn synced<'a>(&'a self, convert: &'a str) -> Synced<'a> {
        Synced {
            table: &self.table,
            old: &self.column,
            new: &self.new_column,
            new_type: &self.new_type,
            convert,
            reverse: self.reverse.as_deref().unwrap_or("{}"),
            carried: self.carried.as_ref(),
        }
    }
}

impl Op for ChangeType {
    fn identifiers(&self) -> Vec<&str> {
        vec![&self.table, &self.column, &self.new_column]
    }

    fn types(&self) -> Vec<&str> {
        vec![&self.new_type]
    }

    fn check(&self) -> Result<()> {
        if self.using.is_some() && self.reverse.is_none() {
            return Err(Error::Config(
                "change-type with --using also needs --reverse EXPR ({} = the new column): rows the new app writes must reach the old column correctly".into(),
            ));
        }
        Ok(())
    }

    fn learn(&mut self, cx: &mut Context) -> Result<()> {
        let Some(table) = cx.table_or_note(
            &self.table,
            "the new column keeps none of the old one's constraints; check the file",
        ) else {
            return Ok(());
        };
        let old = cx.column(table, &self.column)?;
        if table.column_written(&self.new_column).is_some() {
            return Err(Error::Config(format!(
                "{} already has a column {}: name the new one with --new-column NAME",
                table.name, self.new_column
            )));
        }
        if table.name.schema.is_none() {
            self.table.clone_from(&table.name.name);
        }
        self.column.clone_from(&old.name);
        let kind = Kind::Retype {
            new_type: &self.new_type,
            converted: self.using.is_some(),
        };
        self.carried = Some(carry::carried(cx, table, old, &self.new_column, kind)?);
        self.model_literal = Some(if old.nullable || old.default.is_some() {
            None
        } else {
            sync::known_literal(&old.type_written)
        });
        Ok(())
    }

    fn postgres(&self, cx: &Cx) -> Result<Sections> {
        let convert = self
            .using
            .clone()
            .unwrap_or_else(|| format!("CAST({{}} AS {})", self.new_type));
        Ok(sync::postgres(cx, &self.synced(&convert)))
    }

    fn mysql(&self, cx: &Cx) -> Result<Sections> {
        let new_type = &self.new_type;
        let needs = self.carried.as_ref().is_none_or(|c| c.old_needs_value);
        let literal = match (&self.placeholder, self.model_literal) {
            (Some(p), _) => Some(p.as_str()),
            (None, Some(known)) => known,
            (None, None) => sync::default_literal(new_type).map(|_| "0"),
        };
        if needs && literal.is_none() {
            return Err(Error::Config(format!(
                "change-type to {new_type} on MySQL/MariaDB needs --placeholder LITERAL: any value of the \
                 column's current type (its default for the moment between the contract's trigger drops and \
                 its column drop)"
            )));
        }
        let convert = self.using.as_deref().unwrap_or("{}");
        Ok(sync::mysql(
            cx,
            &self.synced(convert),
            literal.filter(|_| needs),
        ))
    }
}

#[cfg(test)]
mod tests {
    use crate::generate::testing::{both, render};
    use crate::Dialect;

    #[test]
    fn casts_by_default() {
        let args = [("TABLE", "users"), ("COLUMN", "points"), ("TYPE", "bigint")];
        let (pg, my) = both("change-type", &args);
        insta::assert_snapshot!("postgres", pg);
        insta::assert_snapshot!("mysql", my);
    }

    #[test]
    fn converts_both_ways_with_using_and_reverse() {
        let args = [
            ("TABLE", "orders"),
            ("COLUMN", "amount"),
            ("TYPE", "numeric(12,2)"),
            ("using", "{}/100.0"),
            ("reverse", "CAST({}*100 AS int)"),
            ("new-column", "amount_dec"),
        ];
        let (pg, my) = both("change-type", &args);
        insta::assert_snapshot!("using_postgres", pg);
        insta::assert_snapshot!("using_mysql", my);
    }

    #[test]
    fn refuses_using_without_reverse_and_asks_mysql_for_a_placeholder() {
        let using = [
            ("TABLE", "t"),
            ("COLUMN", "c"),
            ("TYPE", "bigint"),
            ("using", "{} * 100"),
        ];
        let err = render("change-type", &using, Dialect::Postgres).unwrap_err();
        assert!(err.to_string().contains("--reverse"), "{err}");
        let datetime = [("TABLE", "t"), ("COLUMN", "c"), ("TYPE", "datetime")];
        let err = render("change-type", &datetime, Dialect::Mysql).unwrap_err();
        assert!(err.to_string().contains("--placeholder"), "{err}");
    }
}
