//! `truncate`: `TRUNCATE` empties tables under the strongest lock, for every app version at
//! once, in any phase. Tables created earlier in the same file are exempt.

use super::support::rewrite::BACKFILL_KEY;
use super::support::spans::text_of;
use crate::lint::{directive_table, Finding, Rule, Severity, StatementContext};

/// Flags `TRUNCATE` of existing tables.
pub(crate) struct Truncate;

impl Rule for Truncate {
    fn id(&self) -> &'static str {
        "truncate"
    }

    fn default_severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "TRUNCATE takes an ACCESS EXCLUSIVE lock and empties the table for every app version."
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let t = ctx.tokens;
        if !t.is_word(0, "TRUNCATE") {
            return;
        }
        let mut i = if t.is_word(1, "TABLE") { 2 } else { 1 };
        if t.is_word(i, "IF") && t.is_word(i + 1, "EXISTS") {
            i += 2;
        }
        let mut names = Vec::new();
        loop {
            if t.is_word(i, "ONLY") {
                i += 1;
            }
            let Some((key, next)) = t.name_at(i) else {
                break;
            };
            if !ctx.is_new_table(&key) {
                names.push((
                    key.clone(),
                    text_of(ctx, &(i..next)).map_or(key, str::to_string),
                ));
            }
            let next = if t.get(next).is_some_and(|tok| tok.text == "*") {
                next + 1
            } else {
                next
            };
            if t.get(next).is_some_and(|tok| tok.text == ",") {
                i = next + 1;
            } else {
                break;
            }
        }
        let Some((first, _)) = names.first().cloned() else {
            return;
        };
        let cascade = t.has("CASCADE");
        let list: Vec<_> = names
            .iter()
            .map(|(_, written)| format!("`{}`", directive_table(written)))
            .collect();
        let message = if cascade {
            format!("TRUNCATE ... CASCADE of {} also empties every table that references it by foreign key", list.join(", "))
        } else {
            format!(
                "TRUNCATE of {} locks the table and empties it for every app version",
                list.join(", ")
            )
        };
        let suggestion = names
            .iter()
            .map(|(_, written)| {
                format!(
                    "-- bellows:backfill table={} key={BACKFILL_KEY}\n\
                     DELETE FROM {written} WHERE true;",
                    directive_table(written)
                )
            })
            .collect::<Vec<_>>()
            .join("\n\n");
        out.push(
            Finding::new(
                self.default_severity(),
                message,
                "On PostgreSQL TRUNCATE holds ACCESS EXCLUSIVE on each table (and with CASCADE on \
                 each referencing table, which the migration does not name) until the transaction \
                 ends: every read and write blocks. On MySQL / MariaDB it is DDL that drops and \
                 recreates the table under an exclusive metadata lock and commits implicitly. \
                 Either way the running app loses data it may still read. Delete in key-ordered \
                 batches instead (add a WHERE to keep the rows you need), or drop a table nobody \
                 uses any more in a gated contract phase.",
            )
            .suggest(format!("{suggestion}\n"))
            .on_table(first),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{mysql, pg, rules_pg};

    #[test]
    fn flags_truncate_cascade_in_every_phase() {
        insta::assert_snapshot!(pg(
            "-- bellows:contract requires-app=\">=2.4.0\"\nTRUNCATE audit_log CASCADE;\n"
        ));
    }

    #[test]
    fn flags_each_existing_table_of_a_list() {
        insta::assert_snapshot!(pg("CREATE TABLE staging (id bigint);\nTRUNCATE TABLE ONLY staging, sessions RESTART IDENTITY;"));
        insta::assert_snapshot!(mysql("TRUNCATE TABLE `cache_entries`;"));
    }

    #[test]
    fn passes_tables_created_in_the_same_file() {
        let none = |sql: &str| !rules_pg(sql).contains(&"truncate");
        assert!(none(
            "CREATE TABLE import_buffer (id bigint);\nTRUNCATE import_buffer;"
        ));
        assert!(none(
            "CREATE UNLOGGED TABLE a (id int);\nCREATE TABLE b (id int);\nTRUNCATE a, b;"
        ));
        assert!(none(
            "-- bellows:backfill table=audit_log key=id\nDELETE FROM audit_log WHERE true;"
        ));
    }
}
