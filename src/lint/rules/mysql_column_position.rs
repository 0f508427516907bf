//! `mysql-column-position`: `ADD COLUMN ... FIRST | AFTER col` is not instant before MySQL
//! 8.0.29 / MariaDB 10.4, and moving a column with `MODIFY` / `CHANGE ... FIRST | AFTER`
//! rebuilds the table. Works on tokens.

use super::support::alter::{alter_existing, asserts};
use super::support::columns::add_column_at;
use super::support::mysql::{asserts_algorithm, Server};
use super::support::scan::{depths, Clause};
use super::support::spans::{bytes_of, span_of, text_of};
use crate::lint::{Finding, Rule, Severity, StatementContext, MYSQL_FAMILY};
use crate::sql::Dialect;
use std::ops::Range;

/// Flags columns added or moved at a position.
pub(crate) struct MysqlColumnPosition;

/// Words after `ADD` that start something other than a column.
const NOT_A_COLUMN: &[&str] = &[
    "CONSTRAINT",
    "CHECK",
    "PRIMARY",
    "UNIQUE",
    "FOREIGN",
    "INDEX",
    "KEY",
    "FULLTEXT",
    "SPATIAL",
    "PARTITION",
];

/// A positioned column clause: added (else moved), the token of the column's name, the
/// position tokens (`FIRST` or `AFTER x`).
struct Positioned {
    added: bool,
    name: usize,
    position: Range<usize>,
    clause: Range<usize>,
}

/// The `FIRST` / `AFTER x` of a clause whose column name is at clause index `name`.
fn position_in(c: &Clause<'_>, d: &[usize], name: usize) -> Option<Range<usize>> {
    let base = d[c.start];
    (c.start + name + 1..c.end)
        .filter(|&i| d[i] == base)
        .find_map(|i| {
            if c.t.is_word(i, "FIRST") {
                Some(i..i + 1)
            } else if c.t.is_word(i, "AFTER") && i + 1 < c.end {
                Some(i..i + 2)
            } else {
                None
            }
        })
}

fn positioned(c: &Clause<'_>, d: &[usize]) -> Option<Positioned> {
    let (added, name) = if let Some(k) = add_column_at(c) {
        if NOT_A_COLUMN.iter().any(|w| c.is_word(k, w)) || c.get(k).is_some_and(|x| x.text == "(") {
            return None;
        }
        (true, k)
    } else if c.is_word(0, "MODIFY") || c.is_word(0, "CHANGE") {
        (false, if c.is_word(1, "COLUMN") { 2 } else { 1 })
    } else {
        return None;
    };
    c.get(name)?;
    // CHANGE old new ...: the new name (which may be the word `first`) is not a position.
    let after_names = if c.is_word(0, "CHANGE") {
        name + 1
    } else {
        name
    };
    let position = position_in(c, d, after_names)?;
    Some(Positioned {
        added,
        name: c.start + name,
        position,
        clause: c.range(),
    })
}

impl Rule for MysqlColumnPosition {
    fn id(&self) -> &'static str {
        "mysql-column-position"
    }

    fn default_severity(&self) -> Severity {
        Severity::Warning
    }

    fn summary(&self) -> &'static str {
        "ADD COLUMN ... FIRST/AFTER is not instant before MySQL 8.0.29 / MariaDB 10.4; moving a column rebuilds the table."
    }

    fn dialects(&self) -> &'static [Dialect] {
        MYSQL_FAMILY
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let Some(alter) = alter_existing(ctx) else {
            return;
        };
        let t = ctx.tokens;
        let d = depths(t);
        let found: Vec<Positioned> = alter
            .clauses
            .iter()
            .filter_map(|c| positioned(c, &d))
            .collect();
        let server = Server::of(ctx);
        let instant = asserts(t, "ALGORITHM", "INSTANT");
        let flagged: Vec<&Positioned> = found
            .iter()
            .filter(|p| !(instant && server.instant_anywhere() && (p.added || server.mariadb)))
            .collect();
        if flagged.is_empty() {
            return;
        }
        let rewrite = self.rewrite(ctx, &found, server);
        let table = alter.written_name(ctx).replace('`', "");
        for p in flagged {
            let column = text_of(ctx, &(p.name..p.name + 1))
                .unwrap_or_default()
                .replace('`', "");
            let (message, why) = if p.added && !server.instant_anywhere() {
                (
                    format!("adding `{column}` to `{table}` at a position is not instant on {}: the table is rebuilt", server.name()),
                    "Before MySQL 8.0.29 and MariaDB 10.4 only a column added at the end is instant; \
                     FIRST or AFTER makes the server rebuild the table in place: concurrent writes \
                     continue, but the whole table is read and written, needs disk for a second \
                     copy, and replicas lag for as long.",
                )
            } else if p.added {
                (
                    format!("adding `{column}` to `{table}` at a position without ALGORITHM=INSTANT may rebuild the table"),
                    "MySQL 8.0.29+ and MariaDB 10.4+ can add a column at any position instantly, but \
                     without ALGORITHM=INSTANT the server silently rebuilds the table when it cannot \
                     (a FULLTEXT index, ROW_FORMAT=COMPRESSED, too many instant changes).",
                )
            } else {
                (
                    format!("moving column `{column}` of `{table}` rebuilds the table"),
                    "MySQL rebuilds the table to reorder columns on every version (MariaDB 10.4+ can \
                     do it instantly when ALGORITHM=INSTANT is asserted): the whole table is read and \
                     written, and replicas lag for as long.",
                )
            };
            let mut finding = Finding::new(
                self.default_severity(),
                message,
                format!(
                    "{why} Positions also leak into the app: `SELECT *` and `INSERT ... VALUES` \
                     without a column list in the running version see a different column order. \
                     Add the column at the end; column order does not matter to queries that name \
                     their columns."
                ),
            )
            .on_table(alter.table.clone());
            if let Some(r) = &rewrite {
                finding = finding.suggest(r.clone());
            }
            if let Some(span) = span_of(t, &p.clause) {
                finding = finding.at(span);
            }
            out.push(finding);
        }
    }
}

impl MysqlColumnPosition {
    /// The statement without its positions, asserting the online algorithm it then allows.
    fn rewrite(
        &self,
        ctx: &StatementContext<'_>,
        found: &[Positioned],
        server: Server,
    ) -> Option<String> {
        let mut sql = ctx.sql.trim_end().to_string();
        for p in found.iter().rev() {
            let start = bytes_of(ctx, &(p.position.start - 1..p.position.start))?.end;
            let end = bytes_of(ctx, &p.position)?.end;
            sql.replace_range(start..end, "");
        }
        if !asserts_algorithm(ctx.tokens) {
            let instant = found.iter().all(|p| p.added) && server.instant_add_last();
            sql.push_str(Server::online(instant));
        }
        sql.push(';');
        Some(sql)
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{at, mysql, rules_in};
    use crate::sql::Dialect;

    #[test]
    fn flags_add_column_after_on_mysql_8_0_28() {
        insta::assert_snapshot!(at(
            Dialect::Mysql,
            "8.0.28",
            "ALTER TABLE Users ADD COLUMN middle_name VARCHAR(64) NULL AFTER first_name;"
        ));
    }

    #[test]
    fn flags_a_move_and_an_unasserted_position_on_8_4() {
        insta::assert_snapshot!(mysql(
            "ALTER TABLE users MODIFY COLUMN email VARCHAR(255) NULL FIRST;"
        ));
        insta::assert_snapshot!(mysql(
            "ALTER TABLE users ADD COLUMN nick VARCHAR(64) NULL AFTER name;"
        ));
    }

    #[test]
    fn passes_trailing_columns_asserted_instant_positions_and_new_tables() {
        for sql in [
            "ALTER TABLE users ADD COLUMN nick VARCHAR(64) NULL;",
            "ALTER TABLE users ADD COLUMN nick VARCHAR(64) NULL AFTER name, ALGORITHM=INSTANT;",
            "ALTER TABLE users ADD COLUMN `first` int;",
            "ALTER TABLE users CHANGE a first int NULL, ALGORITHM=INPLACE, LOCK=NONE;",
            "ALTER TABLE users ADD INDEX i (a), ALGORITHM=INPLACE;",
            "CREATE TABLE u (a int);\nALTER TABLE u ADD COLUMN b int FIRST;",
        ] {
            assert!(
                !rules_in(Dialect::Mysql, sql).contains(&"mysql-column-position"),
                "{sql}"
            );
        }
        let asserted = "ALTER TABLE users ADD COLUMN nick int AFTER name, ALGORITHM=INSTANT;";
        assert!(at(Dialect::Mysql, "8.0.20", asserted).contains("mysql-column-position"));
        assert!(!at(Dialect::Mariadb, "10.6", asserted).contains("mysql-column-position"));
    }
}
