//! `drop-column`: `ALTER TABLE ... DROP [COLUMN]` outside a contract phase removes a column
//! the app version still running reads or writes. In a gated contract phase it is the
//! expected, safe content and is not reported.

use super::support::alter::alter_existing;
use super::support::file::column_added_earlier;
use super::support::rewrite::CONTRACT;
use crate::lint::{Finding, Rule, ServerVersion, Severity, StatementContext};
use crate::sql::Dialect;

/// Flags column drops in expand phases (and files without markers).
pub struct DropColumn;

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
            let online = match ctx.dialect() {
                Dialect::Postgres => "",
                Dialect::Mysql if ctx.version() >= ServerVersion::new(8, 0, 29) => {
                    ", ALGORITHM=INSTANT"
                }
                Dialect::Mariadb if ctx.version().at_least(10, 4) => ", ALGORITHM=INSTANT",
                _ => ", ALGORITHM=INPLACE, LOCK=NONE",
            };
            let mut finding = Finding::new(
                self.default_severity(),
                format!("dropping column `{column}` of `{}` outside a contract phase breaks the app version still running", alter.table),
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
