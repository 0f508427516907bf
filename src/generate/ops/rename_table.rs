//! rename-table: a view gives the name the table does not have yet (MySQL/MariaDB) or any
//! more (PostgreSQL) to the app version that uses it while both run.

use crate::generate::op::{Op, OpSpec, Param, Section, Sections};
use crate::generate::quote::{object_name, Cx};
use crate::Result;

/// The declaration.
pub(crate) static SPEC: OpSpec = OpSpec {
    name: "rename-table",
    params: &[
        Param::positional("OLD", "the table's current name"),
        Param::positional("NEW", "the table's new name"),
    ],
    needs_gate: true,
    build: |a| {
        Ok(Box::new(RenameTable {
            old: a.one("OLD")?,
            new: a.one("NEW")?,
        }))
    },
};

#[derive(Debug)]
struct RenameTable {
    old: String,
    new: String,
}

impl Op for RenameTable {
    fn identifiers(&self) -> Vec<&str> {
        vec![&self.old, &self.new]
    }

    /// The table is renamed in the expand; a view keeps the old name.
    fn postgres(&self, cx: &Cx) -> Result<Sections> {
        let (o, n) = (cx.q(&self.old), cx.q(&self.new));
        Ok(Sections {
            expand: Section::new(
                "The table gets its new name; a view with the old name (simple views accept\nINSERT, UPDATE and DELETE) keeps the running app version working.",
                vec![
                    format!("ALTER TABLE {o} RENAME TO {n}"),
                    format!("CREATE VIEW {o} AS SELECT * FROM {n}"),
                ],
            ),
            backfill: None,
            contract: Section::new(
                "Once no app uses the old name.",
                vec![format!("DROP VIEW {o}")],
            ),
            down: Section::new(
                "Undo the expand phase.",
                vec![format!("DROP VIEW {o}"), format!("ALTER TABLE {n} RENAME TO {o}")],
            ),
        })
    }

    /// A view gives the new name in the expand; the contract renames the table, moving the
    /// view aside in the same atomic RENAME TABLE.
    fn mysql(&self, cx: &Cx) -> Result<Sections> {
        let (old, new) = (&self.old, &self.new);
        let (o, n) = (cx.q(old), cx.q(new));
        let parked = cx.q(&object_name(&["bellows", old, "to", new, "view"]));
        Ok(Sections {
            expand: Section::new(
                format!("A view with the new name (simple views accept INSERT, UPDATE and DELETE) lets the\nnew app version use {new} while the table keeps its old name for the running one."),
                vec![format!("CREATE VIEW {n} AS SELECT * FROM {o}")],
            ),
            backfill: None,
            contract: Section::new(
                format!("Once no app uses {old}: one RENAME TABLE moves the view aside and gives the table\nits new name, atomically (no query finds {new} missing); then the view goes."),
                vec![
                    format!("RENAME TABLE {n} TO {parked}, {o} TO {n}"),
                    format!("DROP VIEW IF EXISTS {parked}"),
                ],
            ),
            down: Section::new(
                "Undo the expand phase.",
                vec![format!("DROP VIEW IF EXISTS {n}")],
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::generate::testing::both;

    #[test]
    fn a_view_stands_in_for_the_other_name() {
        let (pg, my) = both("rename-table", &[("OLD", "accounts"), ("NEW", "tenants")]);
        insta::assert_snapshot!("postgres", pg);
        insta::assert_snapshot!("mysql", my);
    }
}
