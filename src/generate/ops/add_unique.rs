//! add-unique: a unique index built online in the expand; on PostgreSQL the contract turns
//! it into a constraint (a metadata change), on MySQL/MariaDB the index is the constraint.

use crate::generate::op::{Op, OpSpec, Param, Section, Sections};
use crate::generate::ops::add_index::mysql_index;
use crate::generate::quote::{index_name, Cx};
use crate::Result;

/// The declaration.
pub(crate) static SPEC: OpSpec = OpSpec {
    name: "add-unique",
    params: &[
        Param::positional("TABLE", "the table"),
        Param::many("COLUMNS", "the columns that must be unique together"),
    ],
    needs_gate: false,
    build: |a| {
        Ok(Box::new(AddUnique {
            table: a.one("TABLE")?,
            columns: a.many("COLUMNS")?,
        }))
    },
};

#[derive(Debug)]
struct AddUnique {
    table: String,
    columns: Vec<String>,
}

impl Op for AddUnique {
    fn identifiers(&self) -> Vec<&str> {
        std::iter::once(&self.table)
            .chain(&self.columns)
            .map(String::as_str)
            .collect()
    }

    fn postgres(&self, cx: &Cx) -> Result<Sections> {
        let name = cx.q(&index_name(&self.table, &self.columns, "key"));
        let (t, cols) = (cx.q(&self.table), cx.list(&self.columns));
        Ok(Sections {
            expand: Section::new(
                "The unique index is built without blocking writes (it fails, and is rebuilt on\nthe next run, if duplicates exist: remove them first).",
                vec![format!("CREATE UNIQUE INDEX CONCURRENTLY {name} ON {t} ({cols})")],
            ),
            backfill: None,
            contract: Section::new(
                "The constraint takes over the index: a short metadata change.",
                vec![format!("ALTER TABLE {t} ADD CONSTRAINT {name} UNIQUE USING INDEX {name}")],
            ),
            down: Section::new(
                "Undo the expand phase.",
                vec![format!("DROP INDEX CONCURRENTLY IF EXISTS {name}")],
            ),
        })
    }

    fn mysql(&self, cx: &Cx) -> Result<Sections> {
        Ok(mysql_index(cx, &self.table, &self.columns, true))
    }
}

#[cfg(test)]
mod tests {
    use crate::generate::testing::both;

    #[test]
    fn builds_the_unique_index_online() {
        let args = [
            ("TABLE", "users"),
            ("COLUMNS", "a"),
            ("COLUMNS", "b"),
            ("COLUMNS", "c"),
        ];
        let (pg, my) = both("add-unique", &args);
        insta::assert_snapshot!("postgres", pg);
        insta::assert_snapshot!("mysql", my);
    }
}
