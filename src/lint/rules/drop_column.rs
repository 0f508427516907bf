//! `drop-column`: `ALTER TABLE ... DROP [COLUMN]` outside a contract phase removes a column
//! the app version still running reads or writes. In a gated contract phase it is the
//! expected, safe content and is not reported.

use super::support::alter::alter_existing;
use super::support::file::column_added_earlier;
use super::support::mysql::Server;
use super::support::rewrite::CONTRACT;
use crate::lint::{Finding, Rule, Severity, StatementContext};
use crate::sql::Dialect;

/// Flags column drops in expand phases (and files without markers).
pub(crate) struct DropColumn;

/// Words after `DROP` that name something other than a column.
const NOT_A_COLUMN: &[&str] = &[
    "CONSTRAINT",
    "INDEX",
    "KEY",
    "PRIMARY",
    "FOREIGN",
    "CHECK",
    "DEFAULT",
    "PARTITION",
    "PERIOD",
    "SYSTEM",
];

impl Rule for DropColumn {
    fn id(&self) -> &'static str {
        "drop-column"
    }

    fn default_severity(&self) -> Severity {
        Severity::Warning
    }

    fn summary(&self) -> &'static str {
        "DROP COLUMN outside a contract phase breaks the app version still running."
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        if ctx.breaking_changes_expected() {
            return;
        }
        let Some(alter) = alter_existing(ctx) else {
            return;
        };
        for c in &alter.clauses {
            if !c.is_word(0, "DROP") {
                continue;
            }
            let mut k = 1;
            let keyword = c.is_word(k, "COLUMN");
            if keyword {
                k += 1;
            }
            if c.is_word(k, "IF") && c.is_word(k + 1, "EXISTS") {
                k += 2;
            }
            if !keyword && NOT_A_COLUMN.iter().any(|w| c.is_word(k, w)) {
                continue;
            }
            let Some((column, _)) = c.ident(k) else {
                continue;
            };
            if column_added_earlier(ctx, &alter.table, &column) {
                continue;
            }
            let table = alter.written_name(ctx);
            // INSTANT drops: MySQL 8.0.29+, MariaDB 10.4+ (a 10.x version is MariaDB's).
            let online = match ctx.dialect() {
                Dialect::Postgres => "",
                _ => Server::online(Server::of(ctx).instant_anywhere()),
            };
            let mut finding = Finding::new(
                self.default_severity(),
                format!("dropping column `{column}` of `{}` outside a contract phase breaks the app version still running", alter.shown(ctx)),
                "The drop itself is quick (catalog-only under a brief ACCESS EXCLUSIVE lock on \
                 PostgreSQL, instant on MySQL 8.0.29+ / MariaDB 10.4+), but from the moment it \
                 commits every query of the running app version that names the column fails: \
                 SELECTs, INSERTs, UPDATEs and ORM models that list all columns. Indexes and \
                 constraints on the column go with it.",
            )
            .suggest(format!(
                "-- once no running app version reads or writes `{column}` (gate on it with requires-app):\n\
                 {CONTRACT}\nALTER TABLE {table} DROP COLUMN {col}{online};",
                col = c.text(ctx, k, k + 1),
            ))
            .on_table(alter.table.clone());
            if let Some(span) = c.span() {
                finding = finding.at(span);
            }
            out.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{at, mysql, pg, rules_pg};
    use crate::sql::Dialect;

    #[test]
    fn flags_a_drop_in_a_file_without_markers() {
        insta::assert_snapshot!(pg("ALTER TABLE users DROP COLUMN legacy_flags;"));
    }

    #[test]
    fn flags_each_dropped_column_in_an_expand_phase() {
        insta::assert_snapshot!(pg("-- bellows:expand\nALTER TABLE public.users\n  DROP COLUMN a,\n  DROP CONSTRAINT users_a_check,\n  DROP IF EXISTS b CASCADE;\n"));
    }

    #[test]
    fn flags_mysql_drops_with_the_online_algorithm_of_the_version() {
        insta::assert_snapshot!(mysql("ALTER TABLE `Users` DROP `Old`, ALGORITHM=INPLACE;"));
        insta::assert_snapshot!(at(
            Dialect::Mysql,
            "8.0.20",
            "ALTER TABLE users DROP COLUMN old;"
        ));
    }

    #[test]
    fn instant_only_where_the_server_drops_instantly() {
        let rewrite = |d: Dialect, v: &str| {
            let mut o = crate::lint::LintOptions::new(d);
            o.server_version = Some(v.parse().unwrap());
            crate::lint::testing::report_with(o, "m.sql", "ALTER TABLE t DROP COLUMN c;")
                .diagnostics()
                .find_map(|x| x.suggestion.clone())
                .unwrap_or_default()
        };
        for (d, v, instant) in [
            (Dialect::Mysql, "8.0.28", false),
            (Dialect::Mysql, "8.0.29", true),
            (Dialect::Mysql, "5.7", false),
            (Dialect::Mariadb, "10.3", false),
            (Dialect::Mariadb, "10.4", true),
            (Dialect::Mysql, "10.3", false),
        ] {
            assert_eq!(
                rewrite(d, v).contains("ALGORITHM=INSTANT"),
                instant,
                "{d} {v}"
            );
        }
    }

    #[test]
    fn token_path_flags_a_drop_the_parser_cannot_read() {
        // MariaDB's ADD COLUMN IF NOT EXISTS is not read by sqlparser 0.63; the drop next to it
        // is still found.
        insta::assert_snapshot!(at(
            Dialect::Mariadb,
            "10.11",
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS x int, DROP COLUMN y;"
        ));
    }

    #[test]
    fn passes_contract_phases_new_tables_and_other_drops() {
        let none = |sql: &str| !rules_pg(sql).contains(&"drop-column");
        assert!(none(
        "-- bellows:contract requires-app=\">=2.4.0\"\nALTER TABLE users DROP COLUMN legacy_flags;"
    ));
        assert!(none("-- bellows:expand\nALTER TABLE users ADD COLUMN e text;\n-- bellows:contract\nALTER TABLE users DROP COLUMN email;"));
        assert!(none(
            "CREATE TABLE scratch (id bigint, tmp text);\nALTER TABLE scratch DROP COLUMN tmp;"
        ));
        assert!(none("ALTER TABLE users DROP CONSTRAINT users_email_key;"));
        assert!(none("ALTER TABLE users ADD COLUMN tmp_flag boolean;\nUPDATE users SET tmp_flag = true WHERE id = 1;\nALTER TABLE users DROP COLUMN tmp_flag;"));
        assert!(none("-- bellows:expand\nALTER TABLE users ADD COLUMN e text;\n-- bellows:down\nALTER TABLE users DROP COLUMN e;"));
        assert!(none(
            "-- bellows:allow drop-column never shipped\nALTER TABLE users DROP COLUMN e;"
        ));
        assert!(none("ALTER TABLE users ALTER COLUMN email DROP DEFAULT;"));
        assert!(!mysql(
            "ALTER TABLE users DROP INDEX users_email, DROP FOREIGN KEY fk, DROP PRIMARY KEY;"
        )
        .contains("[drop-column]"));
    }
}
