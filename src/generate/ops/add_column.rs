//! add-column: a new column, expand only. The old app never names it, so it must be nullable
//! or have a default: a `NOT NULL` type without `--default` is refused before anything is
//! written (the old app's inserts would fail).

use crate::generate::op::{Op, OpSpec, Param, Section, Sections};
use crate::generate::quote::Cx;
use crate::{Error, Result};

/// The declaration.
pub(crate) static SPEC: OpSpec = OpSpec {
    name: "add-column",
    params: &[
        Param::positional("TABLE", "the table"),
        Param::positional("COLUMN", "the new column"),
        Param::positional("TYPE", "its type, as SQL (`text`, `integer NOT NULL`)"),
        Param::option(
            "default",
            "EXPR",
            false,
            "its default: rows that exist and the old app's inserts get it (a constant, so \
             the table is not rewritten)",
        ),
    ],
    needs_gate: false,
    build: |a| {
        Ok(Box::new(AddColumn {
            table: a.one("TABLE")?,
            column: a.one("COLUMN")?,
            column_type: a.one("TYPE")?,
            default: a.opt("default"),
        }))
    },
};

#[derive(Debug)]
struct AddColumn {
    table: String,
    column: String,
    column_type: String,
    default: Option<String>,
}

impl AddColumn {
    /// `<column> <type> [DEFAULT <expr>]`, quoted for the dialect.
    fn definition(&self, cx: &Cx) -> String {
        let mut def = format!("{} {}", cx.q(&self.column), self.column_type.trim());
        if let Some(d) = &self.default {
            def.push_str(&format!(" DEFAULT {d}"));
        }
        def
    }

    fn sections(expand: String, change: &str, drop: String) -> Sections {
        Sections {
            expand: Section::new(
                format!(
                    "The old app never names the new column, so nothing changes for it ({change})."
                ),
                vec![expand],
            ),
            down: Section::new("Undo the expand phase.", vec![drop]),
            ..Sections::default()
        }
    }
}

/// True when `sql` says `NOT NULL` (any case and spacing).
fn says_not_null(sql: &str) -> bool {
    let words: Vec<String> = sql.split_whitespace().map(str::to_uppercase).collect();
    words.windows(2).any(|w| w[0] == "NOT" && w[1] == "NULL")
}

impl Op for AddColumn {
    fn identifiers(&self) -> Vec<&str> {
        vec![&self.table, &self.column]
    }

    fn check(&self) -> Result<()> {
        if self.column_type.trim().is_empty() {
            return Err(Error::Config("add-column needs the column's TYPE".into()));
        }
        if says_not_null(&self.column_type) && self.default.is_none() {
            return Err(Error::Config(format!(
                "add-column {}.{} is NOT NULL: it needs --default EXPR, or the running app's inserts, which do not name the column, fail (make it NOT NULL later with --op add-not-null)",
                self.table, self.column
            )));
        }
        Ok(())
    }

    fn postgres(&self, cx: &Cx) -> Result<Sections> {
        let t = cx.q(&self.table);
        Ok(AddColumn::sections(
            format!("ALTER TABLE {t} ADD COLUMN {}", self.definition(cx)),
            "a catalog-only change, also with a constant default",
            format!("ALTER TABLE {t} DROP COLUMN {}", cx.q(&self.column)),
        ))
    }

    fn mysql(&self, cx: &Cx) -> Result<Sections> {
        let t = cx.q(&self.table);
        Ok(AddColumn::sections(
            format!(
                "ALTER TABLE {t} ADD COLUMN {}, ALGORITHM=INSTANT",
                self.definition(cx)
            ),
            "instant: the server refuses rather than copy the table",
            format!(
                "ALTER TABLE {t} DROP COLUMN {}, ALGORITHM=INPLACE, LOCK=NONE",
                cx.q(&self.column)
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use crate::generate::testing::{both, render};
    use crate::Dialect;

    #[test]
    fn adds_the_column_in_the_expand() {
        let args = [("TABLE", "users"), ("COLUMN", "nickname"), ("TYPE", "text")];
        let (pg, my) = both("add-column", &args);
        insta::assert_snapshot!("postgres", pg);
        insta::assert_snapshot!("mysql", my);
    }

    #[test]
    fn a_default_comes_with_it() {
        let args = [
            ("TABLE", "users"),
            ("COLUMN", "points"),
            ("TYPE", "integer NOT NULL"),
            ("default", "0"),
        ];
        let (pg, my) = both("add-column", &args);
        insta::assert_snapshot!("default_postgres", pg);
        insta::assert_snapshot!("default_mysql", my);
    }

    #[test]
    fn refuses_not_null_without_a_default() {
        let args = [
            ("TABLE", "users"),
            ("COLUMN", "points"),
            ("TYPE", "integer  not\tnull"),
        ];
        let err = render("add-column", &args, Dialect::Postgres).unwrap_err();
        assert!(err.to_string().contains("needs --default"), "{err}");
    }
}
