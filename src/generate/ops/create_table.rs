//! create-table: a new table, expand only. No running app names it, so creating it blocks
//! nothing; the down section drops it again (with whatever the new app wrote into it).

use crate::generate::op::{Op, OpSpec, Param, Section, Sections};
use crate::generate::quote::Cx;
use crate::{Error, Result};

/// The declaration.
pub(crate) static SPEC: OpSpec = OpSpec {
    name: "create-table",
    params: &[
        Param::positional("TABLE", "the new table"),
        Param::many(
            "COLUMNS",
            "its columns as NAME:TYPE (`id:bigint`, `'note:text NOT NULL'`), in order",
        ),
        Param::option(
            "primary-key",
            "COLUMNS",
            false,
            "the primary key's columns, comma-separated (default: the first column)",
        ),
    ],
    needs_gate: false,
    build: |a| {
        let columns = a
            .many("COLUMNS")?
            .iter()
            .map(|c| column(c))
            .collect::<Result<Vec<_>>>()?;
        let key = match a.opt("primary-key") {
            Some(list) => list.split(',').map(|c| c.trim().to_string()).collect(),
            None => vec![columns[0].0.clone()],
        };
        Ok(Box::new(CreateTable {
            table: a.one("TABLE")?,
            columns,
            key,
        }))
    },
};

/// `NAME:TYPE` as (name, type).
fn column(arg: &str) -> Result<(String, String)> {
    match arg.split_once(':') {
        Some((name, ty)) if !ty.trim().is_empty() => {
            Ok((name.trim().to_string(), ty.trim().to_string()))
        }
        _ => Err(Error::Config(format!(
            "create-table column `{arg}`: write it as NAME:TYPE (`id:bigint`)"
        ))),
    }
}

#[derive(Debug)]
struct CreateTable {
    table: String,
    /// (name, type as SQL).
    columns: Vec<(String, String)>,
    key: Vec<String>,
}

impl CreateTable {
    fn sections(&self, cx: &Cx) -> Sections {
        let t = cx.q(&self.table);
        let mut body: Vec<String> = self
            .columns
            .iter()
            .map(|(name, ty)| format!("    {} {ty}", cx.q(name)))
            .collect();
        body.push(format!("    PRIMARY KEY ({})", cx.list(&self.key)));
        Sections {
            expand: Section::new(
                "A new table: no running app names it, so creating it blocks nothing.",
                vec![format!("CREATE TABLE {t} (\n{}\n)", body.join(",\n"))],
            ),
            down: Section::new(
                "Undo the expand phase (what the new app wrote into the table goes with it).",
                vec![format!("DROP TABLE {t}")],
            ),
            ..Sections::default()
        }
    }
}

impl Op for CreateTable {
    fn identifiers(&self) -> Vec<&str> {
        std::iter::once(&self.table)
            .chain(self.columns.iter().map(|(name, _)| name))
            .chain(&self.key)
            .map(String::as_str)
            .collect()
    }

    fn check(&self) -> Result<()> {
        for (i, (name, _)) in self.columns.iter().enumerate() {
            if self.columns[..i].iter().any(|(other, _)| other == name) {
                return Err(Error::Config(format!(
                    "create-table: column {name} is named twice"
                )));
            }
        }
        if let Some(k) = self
            .key
            .iter()
            .find(|k| !self.columns.iter().any(|(name, _)| name == *k))
        {
            return Err(Error::Config(format!(
                "create-table --primary-key {k}: no such column among the table's columns"
            )));
        }
        Ok(())
    }

    fn postgres(&self, cx: &Cx) -> Result<Sections> {
        Ok(self.sections(cx))
    }

    fn mysql(&self, cx: &Cx) -> Result<Sections> {
        Ok(self.sections(cx))
    }
}

#[cfg(test)]
mod tests {
    use crate::generate::testing::{both, render};
    use crate::Dialect;

    #[test]
    fn creates_the_table_in_the_expand() {
        let args = [
            ("TABLE", "audit_log"),
            ("COLUMNS", "id:bigint"),
            ("COLUMNS", "at:timestamp NOT NULL"),
            ("COLUMNS", "note:varchar(200)"),
        ];
        let (pg, my) = both("create-table", &args);
        insta::assert_snapshot!("postgres", pg);
        insta::assert_snapshot!("mysql", my);
    }

    #[test]
    fn takes_a_composite_primary_key() {
        let args = [
            ("TABLE", "tags"),
            ("COLUMNS", "item:bigint"),
            ("COLUMNS", "tag:varchar(50)"),
            ("primary-key", "item, tag"),
        ];
        let (pg, _) = both("create-table", &args);
        assert!(pg.contains(r#"PRIMARY KEY ("item", "tag")"#), "{pg}");
    }

    #[test]
    fn refuses_what_it_cannot_write() {
        for (args, says) in [
            (vec![("TABLE", "t"), ("COLUMNS", "id")], "NAME:TYPE"),
            (
                vec![("TABLE", "t"), ("COLUMNS", "id:int"), ("COLUMNS", "id:int")],
                "named twice",
            ),
            (
                vec![("TABLE", "t"), ("COLUMNS", "id:int"), ("primary-key", "x")],
                "no such column",
            ),
        ] {
            let err = render("create-table", &args, Dialect::Postgres).unwrap_err();
            assert!(err.to_string().contains(says), "{err}");
        }
    }
}
