//! add-foreign-key: the supporting index built online in the expand; the key itself added
//! without checking existing rows under a long lock (PostgreSQL: NOT VALID, then VALIDATE in
//! the contract; MySQL/MariaDB: in place with foreign_key_checks off, in the contract).

use crate::generate::context::Context;
use crate::generate::op::{Op, OpSpec, Param, Section, Sections};
use crate::generate::quote::{object_name, Cx};
use crate::Result;

/// The declaration.
pub(crate) static SPEC: OpSpec = OpSpec {
    name: "add-foreign-key",
    params: &[
        Param::positional("TABLE", "the referencing table"),
        Param::positional("COLUMN", "the referencing column"),
        Param::positional("REF_TABLE", "the referenced table"),
        Param::positional("REF_COLUMN", "the referenced column"),
    ],
    needs_gate: false,
    build: |a| {
        Ok(Box::new(AddForeignKey {
            table: a.one("TABLE")?,
            column: a.one("COLUMN")?,
            ref_table: a.one("REF_TABLE")?,
            ref_column: a.one("REF_COLUMN")?,
            names: None,
        }))
    },
};

#[derive(Debug)]
struct AddForeignKey {
    table: String,
    column: String,
    ref_table: String,
    ref_column: String,
    /// From the model: names free in the schema (index, key).
    names: Option<(String, String)>,
}

impl AddForeignKey {
    /// The quoted index and constraint names.
    fn names(&self, cx: &Cx) -> (String, String) {
        if let Some((index, key)) = &self.names {
            return (cx.q(index), cx.q(key));
        }
        (
            cx.q(&object_name(&[&self.table, &self.column, "idx"])),
            cx.q(&object_name(&[&self.table, &self.column, "fkey"])),
        )
    }
}

impl Op for AddForeignKey {
    fn identifiers(&self) -> Vec<&str> {
        vec![&self.table, &self.column, &self.ref_table, &self.ref_column]
    }

    /// From the model: an index and a key name no object of the schema has.
    fn learn(&mut self, cx: &mut Context) -> Result<()> {
        if cx
            .table_or_note(&self.table, "names are not checked against the schema")
            .is_none()
        {
            return Ok(());
        }
        let index = cx.free_name(&object_name(&[&self.table, &self.column, "idx"]));
        let key = cx.free_name(&object_name(&[&self.table, &self.column, "fkey"]));
        self.names = Some((index, key));
        Ok(())
    }

    fn postgres(&self, cx: &Cx) -> Result<Sections> {
        let (index, fk) = self.names(cx);
        let (t, c) = (cx.q(&self.table), cx.q(&self.column));
        let (rt, rc) = (cx.q(&self.ref_table), cx.q(&self.ref_column));
        Ok(Sections {
            expand: Section::new(
                "The supporting index is built without blocking writes; the key is added NOT VALID,\nso it checks new rows at once and existing rows later.",
                vec![
                    format!("CREATE INDEX CONCURRENTLY {index} ON {t} ({c})"),
                    format!("ALTER TABLE {t} ADD CONSTRAINT {fk} FOREIGN KEY ({c}) REFERENCES {rt} ({rc}) NOT VALID"),
                ],
            ),
            backfill: None,
            contract: Section::new(
                "Validation scans the table under a lock that lets reads and writes through.",
                vec![format!("ALTER TABLE {t} VALIDATE CONSTRAINT {fk}")],
            ),
            down: Section::new(
                "Undo the expand phase.",
                vec![
                    format!("ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {fk}"),
                    format!("DROP INDEX CONCURRENTLY IF EXISTS {index}"),
                ],
            ),
        })
    }

    fn mysql(&self, cx: &Cx) -> Result<Sections> {
        let (index, fk) = self.names(cx);
        let (t, c) = (cx.q(&self.table), cx.q(&self.column));
        let (rt, rc) = (cx.q(&self.ref_table), cx.q(&self.ref_column));
        Ok(Sections {
            expand: Section::new(
                "The supporting index, built online.",
                vec![format!("ALTER TABLE {t} ADD INDEX {index} ({c}), ALGORITHM=INPLACE, LOCK=NONE")],
            ),
            backfill: None,
            contract: Section::new(
                "With foreign_key_checks off the key is added in place, without copying the table;\nexisting rows are not checked, so make sure none are orphaned before this runs.",
                vec![
                    "SET foreign_key_checks = 0".into(),
                    format!("ALTER TABLE {t} ADD CONSTRAINT {fk} FOREIGN KEY ({c}) REFERENCES {rt} ({rc}), ALGORITHM=INPLACE, LOCK=NONE"),
                    "SET foreign_key_checks = 1".into(),
                ],
            ),
            down: Section::new(
                "Undo the expand phase.",
                vec![format!("ALTER TABLE {t} DROP INDEX {index}, ALGORITHM=INPLACE, LOCK=NONE")],
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::generate::testing::both;

    #[test]
    fn indexes_then_adds_the_key_unchecked() {
        let args = [
            ("TABLE", "users"),
            ("COLUMN", "account_id"),
            ("REF_TABLE", "accounts"),
            ("REF_COLUMN", "id"),
        ];
        let (pg, my) = both("add-foreign-key", &args);
        insta::assert_snapshot!("postgres", pg);
        insta::assert_snapshot!("mysql", my);
    }
}
