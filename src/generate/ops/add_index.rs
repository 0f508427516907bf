//! add-index: an index built without blocking writes (PostgreSQL: CONCURRENTLY, outside a
//! transaction; MySQL/MariaDB: in place with LOCK=NONE asserted).

use crate::generate::op::{Op, OpSpec, Param, Section, Sections};
use crate::generate::quote::{index_name, Cx};
use crate::Result;

/// The declaration.
pub(crate) static SPEC: OpSpec = OpSpec {
    name: "add-index",
    params: &[
        Param::positional("TABLE", "the table"),
        Param::many("COLUMNS", "the indexed columns, in order"),
    ],
    needs_gate: false,
    build: |a| {
        Ok(Box::new(AddIndex {
            table: a.one("TABLE")?,
            columns: a.many("COLUMNS")?,
        }))
    },
};

#[derive(Debug)]
struct AddIndex {
    table: String,
    columns: Vec<String>,
}

impl Op for AddIndex {
    fn identifiers(&self) -> Vec<&str> {
        std::iter::once(&self.table)
            .chain(&self.columns)
            .map(String::as_str)
            .collect()
    }

    fn postgres(&self, cx: &Cx) -> Result<Sections> {
        let name = cx.q(&index_name(&self.table, &self.columns, "idx"));
        let (t, cols) = (cx.q(&self.table), cx.list(&self.columns));
        Ok(Sections {
            expand: Section::new(
                "Built without blocking writes; bellows runs it outside a transaction.",
                vec![format!("CREATE INDEX CONCURRENTLY {name} ON {t} ({cols})")],
            ),
            down: Section::new(
                "Undo the expand phase.",
                vec![format!("DROP INDEX CONCURRENTLY IF EXISTS {name}")],
            ),
            ..Sections::default()
        })
    }

    fn mysql(&self, cx: &Cx) -> Result<Sections> {
        Ok(mysql_index(cx, &self.table, &self.columns, false))
    }
}

/// MySQL/MariaDB: an index (`unique` or not) added and dropped in place, LOCK=NONE asserted
/// (add-unique shares it: the server has no separate unique constraint to take over).
pub(crate) fn mysql_index(cx: &Cx, table: &str, columns: &[String], unique: bool) -> Sections {
    let name = cx.q(&index_name(
        table,
        columns,
        if unique { "key" } else { "idx" },
    ));
    let kind = if unique { "UNIQUE INDEX" } else { "INDEX" };
    let (t, cols) = (cx.q(table), cx.list(columns));
    Sections {
        expand: Section::new(
            "Built online: reads and writes go on; the server refuses rather than copy the table.",
            vec![format!(
                "ALTER TABLE {t} ADD {kind} {name} ({cols}), ALGORITHM=INPLACE, LOCK=NONE"
            )],
        ),
        down: Section::new(
            "Undo the expand phase.",
            vec![format!(
                "ALTER TABLE {t} DROP INDEX {name}, ALGORITHM=INPLACE, LOCK=NONE"
            )],
        ),
        ..Sections::default()
    }
}

#[cfg(test)]
mod tests {
    use crate::generate::testing::both;

    #[test]
    fn builds_the_index_online() {
        let args = [
            ("TABLE", "users"),
            ("COLUMNS", "name"),
            ("COLUMNS", "points"),
        ];
        let (pg, my) = both("add-index", &args);
        insta::assert_snapshot!("postgres", pg);
        insta::assert_snapshot!("mysql", my);
    }
}
