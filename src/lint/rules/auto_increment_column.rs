//! `auto-increment-column`: adding a serial, identity or `AUTO_INCREMENT` column to an
//! existing table fills every row from a sequence: a full rewrite under ACCESS EXCLUSIVE on
//! PostgreSQL, a table copy on MySQL.

use super::support::alter::alter_existing;
use super::support::columns::{is_auto_increment, parsed_added_columns};
use super::support::rewrite::{ident, online_tool};
use super::support::spans::text_of;
use crate::lint::{Finding, Rule, Severity, StatementContext};

/// Flags auto-numbered columns added to existing tables.
pub(crate) struct AutoIncrementColumn;

impl Rule for AutoIncrementColumn {
    fn id(&self) -> &'static str {
        "auto-increment-column"
    }

    fn default_severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "ADD COLUMN serial / GENERATED ... AS IDENTITY / AUTO_INCREMENT on an existing table rewrites it."
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let Some(alter) = alter_existing(ctx) else {
            return;
        };
        let table = &alter.table;
        for def in parsed_added_columns(&alter) {
            if !is_auto_increment(def) {
                continue;
            }
            let column = ident(&def.name);
            let mut finding = Finding::new(
                self.default_severity(),
                format!("adding auto-numbered column `{column}` to `{}` rewrites every row", alter.shown(ctx)),
                "Every existing row gets a value from the sequence when the column is added: \
                 PostgreSQL rewrites the table under ACCESS EXCLUSIVE and MySQL copies it, blocking \
                 the app for the whole table. Add a plain nullable column, give it the sequence as \
                 default for new rows, and number the existing rows in a backfill.",
            )
            .on_table(table.clone());
            if ctx.dialect().is_mysql_family() {
                // No sequence to fill rows in batches: the column comes with its key, in a copy.
                let clauses = text_of(ctx, &(alter.after..ctx.tokens.all().len()));
                finding = finding.suggest(online_tool(
                    &alter.written_name(ctx),
                    clauses.unwrap_or_default(),
                ));
            } else {
                let t = alter.parsed_name();
                let seq = format!("{table}_{}_seq", column.trim_matches('"'));
                finding = finding.suggest(format!(
                    "-- bellows:expand\nALTER TABLE {t} ADD COLUMN {column} bigint;\nCREATE SEQUENCE {seq} OWNED BY {t}.{column};\n\
                     ALTER TABLE {t} ALTER COLUMN {column} SET DEFAULT nextval('{seq}');\n\n\
                     -- bellows:backfill table={table}\nUPDATE {t} SET {column} = nextval('{seq}') WHERE {column} IS NULL;"
                ));
            }
            out.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{mysql, pg, rules_pg};

    #[test]
    fn flags_serial_and_identity_on_postgres() {
        insta::assert_snapshot!(pg("ALTER TABLE events ADD COLUMN seq bigserial;"));
        assert!(
            rules_pg("ALTER TABLE events ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY;")
                .contains(&"auto-increment-column")
        );
    }

    #[test]
    fn flags_auto_increment_on_mysql() {
        insta::assert_snapshot!(mysql(
            "ALTER TABLE events ADD COLUMN n bigint AUTO_INCREMENT, ADD UNIQUE KEY (n);"
        ));
    }

    #[test]
    fn passes_plain_columns_and_new_tables() {
        assert!(rules_pg("ALTER TABLE events ADD COLUMN n bigint;").is_empty());
        assert!(
            rules_pg("CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN id bigserial;").is_empty()
        );
    }
}
