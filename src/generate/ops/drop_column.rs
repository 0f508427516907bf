//! drop-column: contract only, once no running app reads the column; a NOT NULL column
//! without a default first gets a placeholder default (expand), so the new app's inserts,
//! which omit it, pass.

use crate::generate::context::Context;
use crate::generate::op::{Op, OpSpec, Param, Section, Sections};
use crate::generate::quote::Cx;
use crate::{Error, Result};

/// The declaration.
pub(crate) static SPEC: OpSpec = OpSpec {
    name: "drop-column",
    params: &[
        Param::positional("TABLE", "the table"),
        Param::positional("COLUMN", "the column"),
        Param::option(
            "placeholder",
            "LITERAL",
            false,
            "a value of the column's type, its default while the new app (which no longer \
             writes it) runs — needed when the column is NOT NULL without a default",
        ),
    ],
    needs_gate: true,
    build: |a| {
        Ok(Box::new(DropColumn {
            table: a.one("TABLE")?,
            column: a.one("COLUMN")?,
            placeholder: a.opt("placeholder"),
        }))
    },
};

#[derive(Debug)]
struct DropColumn {
    table: String,
    column: String,
    placeholder: Option<String>,
}

impl DropColumn {
    /// Both dialects: the placeholder default set (expand) and dropped (down), around the
    /// contract's `drop` statement; `change` names what setting the default costs.
    fn sections(&self, cx: &Cx, change: &str, drop: String) -> Sections {
        let (t, c) = (cx.q(&self.table), cx.q(&self.column));
        Sections {
            expand: Section::new(
                format!("The column is NOT NULL without a default, and the new app no longer writes it: it\ngets a placeholder default ({change}) so the new app's inserts pass."),
                self.placeholder
                    .iter()
                    .map(|p| cx.set_default(&t, &c, p))
                    .collect(),
            ),
            backfill: None,
            contract: Section::new(
                "Runs once no running app version reads or writes the column.",
                vec![drop],
            ),
            down: Section::new(
                "Undo the expand phase.",
                self.placeholder
                    .iter()
                    .map(|_| format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT"))
                    .collect(),
            ),
        }
    }
}

impl Op for DropColumn {
    fn identifiers(&self) -> Vec<&str> {
        vec![&self.table, &self.column]
    }

    /// From the model: a placeholder for a NOT NULL column without a default (the new
    /// app's inserts omit it), or a request for one.
    fn learn(&mut self, cx: &mut Context) -> Result<()> {
        if self.placeholder.is_some() {
            return Ok(());
        }
        let what = "whether the column needs a placeholder default is not known; check the file";
        let Some(table) = cx.table_or_note(&self.table, what) else {
            return Ok(());
        };
        let column = cx.column(table, &self.column)?;
        if column.nullable || column.default.is_some() {
            return Ok(());
        }
        let t = column.type_written.to_ascii_lowercase();
        let literal = if t.contains("text") {
            Some("''")
        } else if t.starts_with("bool") {
            Some("false")
        } else {
            crate::generate::sync::known_literal(&t)
        };
        self.placeholder = Some(literal.map(str::to_string).ok_or_else(|| {
            Error::Config(format!(
                "{}.{} is NOT NULL without a default, and the new app's inserts omit it: pass --placeholder LITERAL (a value of type {})",
                table.name, column.name, column.type_written
            ))
        })?);
        Ok(())
    }

    fn postgres(&self, cx: &Cx) -> Result<Sections> {
        let (t, c) = (cx.q(&self.table), cx.q(&self.column));
        Ok(self.sections(
            cx,
            "a catalog-only change",
            format!("ALTER TABLE {t} DROP COLUMN {c}"),
        ))
    }

    fn mysql(&self, cx: &Cx) -> Result<Sections> {
        let (t, c) = (cx.q(&self.table), cx.q(&self.column));
        Ok(self.sections(
            cx,
            "metadata only",
            format!("ALTER TABLE {t} DROP COLUMN {c}, ALGORITHM=INPLACE, LOCK=NONE"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use crate::generate::testing::both;

    #[test]
    fn drops_in_the_contract() {
        let (pg, my) = both("drop-column", &[("TABLE", "users"), ("COLUMN", "points")]);
        insta::assert_snapshot!("postgres", pg);
        insta::assert_snapshot!("mysql", my);
    }

    #[test]
    fn a_placeholder_default_covers_the_new_app() {
        let args = [
            ("TABLE", "users"),
            ("COLUMN", "name"),
            ("placeholder", "''"),
        ];
        let (pg, my) = both("drop-column", &args);
        insta::assert_snapshot!("placeholder_postgres", pg);
        insta::assert_snapshot!("placeholder_mysql", my);
    }
}
