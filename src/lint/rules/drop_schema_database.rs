//! `drop-schema-database`: `DROP SCHEMA` / `DROP DATABASE` removes every object in it, for
//! every app version, in any phase. Only a schema created earlier in the same file is
//! exempt.

use super::support::file::schema_created_earlier;
use crate::lint::{Finding, Rule, Severity, StatementContext};

/// Flags dropping a schema or database from a migration.
pub(crate) struct DropSchemaDatabase;

impl Rule for DropSchemaDatabase {
    fn id(&self) -> &'static str {
        "drop-schema-database"
    }

    fn default_severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "DROP SCHEMA / DROP DATABASE removes every table in it for every app version."
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let t = ctx.tokens;
        let kind = if t.is_word(1, "SCHEMA") {
            "schema"
        } else if t.is_word(1, "DATABASE") {
            "database"
        } else {
            return;
        };
        if !t.is_word(0, "DROP") {
            return;
        }
        let at = if t.is_word(2, "IF") && t.is_word(3, "EXISTS") {
            4
        } else {
            2
        };
        let Some((name, _)) = t.name_at(at) else {
            return;
        };
        if schema_created_earlier(ctx, &name) {
            return;
        }
        let cascade = if t.has("CASCADE") {
            " With CASCADE it silently takes every table, view and function in it along."
        } else {
            ""
        };
        out.push(
            Finding::new(
                self.default_severity(),
                format!("DROP {} `{name}` removes every object in it, for every app version", kind.to_ascii_uppercase()),
                format!(
                    "On PostgreSQL it takes ACCESS EXCLUSIVE on every table it drops (DROP DATABASE \
                     cannot run in a transaction and fails while anyone is connected); on MySQL / \
                     MariaDB it takes exclusive metadata locks on every table, then deletes the \
                     files. Old and new app versions alike lose all of it, and there is no \
                     expand/contract form of this: it belongs in an operator's runbook.{cascade}"
                ),
            )
            .suggest(format!(
                "-- drop the tables of {name} one by one, each in a gated contract phase\n\
                 -- (DROP TABLE {name}.<table>; see drop-table), then remove the empty\n\
                 -- {kind} by hand, outside the migrations"
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{mysql, pg, rules_pg};

    #[test]
    fn flags_drop_schema_even_in_a_contract_phase() {
        insta::assert_snapshot!(pg(
            "-- bellows:contract requires-app=\">=3.0.0\"\nDROP SCHEMA reporting CASCADE;\n"
        ));
    }

    #[test]
    fn flags_drop_database() {
        insta::assert_snapshot!(mysql("DROP DATABASE IF EXISTS analytics;"));
        insta::assert_snapshot!(pg("DROP DATABASE analytics WITH (FORCE);"));
    }

    #[test]
    fn passes_a_schema_created_in_the_same_file_and_other_drops() {
        let none = |sql: &str| !rules_pg(sql).contains(&"drop-schema-database");
        assert!(none(
            "CREATE SCHEMA IF NOT EXISTS staging;\nDROP SCHEMA staging CASCADE;"
        ));
        assert!(none("DROP TABLE reporting.daily_totals;"));
        assert!(
            !mysql("CREATE DATABASE tmp_import;\nDROP DATABASE tmp_import;")
                .contains("[drop-schema-database]")
        );
    }
}
