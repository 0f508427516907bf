//! `mysql-table-rebuild`: MySQL/MariaDB `ALTER TABLE` clauses whose only effect is to rebuild
//! or copy the whole table (`CONVERT TO CHARACTER SET`, `ENGINE=`, `ROW_FORMAT=`,
//! `KEY_BLOCK_SIZE=`, partitioning, `FORCE`) and `OPTIMIZE TABLE`. Works on tokens: the parser
//! reads almost none of these.

use super::support::alter::alter_table;
use super::support::rewrite::online_tool;
use super::support::scan::{clauses, depths, is_punct};
use super::support::spans::text_of;
use crate::lint::{
    directive_table, Finding, Rule, Severity, StatementContext, Tokens, MYSQL_FAMILY,
};
use crate::sql::Dialect;

/// Flags whole-table rebuilds and copies.
pub(crate) struct MysqlTableRebuild;

/// The rebuilding clauses of an `ALTER TABLE`, from `after` (the token after the name); each
/// with true when it copies (blocks writes) rather than rebuilds in place.
fn rebuilds(t: &Tokens, after: usize) -> Vec<(&'static str, bool)> {
    let d = depths(t);
    let len = t.all().len();
    let starts_clause =
        |i: usize| i == after || is_punct(t, i - 1, ",") || (i >= 2 && is_punct(t, i - 2, "="));
    let option = |i: usize| is_punct(t, i + 1, "=") || starts_clause(i);
    let values = t.has("VALUES");
    let mut out = Vec::new();
    for (i, &depth) in d.iter().enumerate().skip(after) {
        if depth != 0 {
            continue;
        }
        let found = if t.is_word(i, "CONVERT") && t.is_word(i + 1, "TO") && starts_clause(i) {
            Some(("CONVERT TO CHARACTER SET", true))
        } else if t.is_word(i, "ENGINE") && option(i) {
            Some(("ENGINE=", false))
        } else if t.is_word(i, "ROW_FORMAT") && option(i) {
            Some(("ROW_FORMAT=", false))
        } else if t.is_word(i, "KEY_BLOCK_SIZE") && option(i) {
            Some(("KEY_BLOCK_SIZE=", false))
        } else if t.is_word(i, "FORCE")
            && starts_clause(i)
            && (i + 1 == len || is_punct(t, i + 1, ","))
        {
            Some(("FORCE", false))
        } else if t.is_word(i, "PARTITION") && t.is_word(i + 1, "BY") {
            Some(("PARTITION BY", true))
        } else if t.is_word(i, "REMOVE") && t.is_word(i + 1, "PARTITIONING") {
            Some(("REMOVE PARTITIONING", true))
        } else if t.is_word(i, "COALESCE") && t.is_word(i + 1, "PARTITION") {
            Some(("COALESCE PARTITION", true))
        } else if t.is_word(i, "REORGANIZE") && t.is_word(i + 1, "PARTITION") && !values {
            Some(("REORGANIZE PARTITION", true))
        } else if t.is_word(i, "ADD")
            && t.is_word(i + 1, "PARTITION")
            && t.is_word(i + 2, "PARTITIONS")
        {
            Some(("ADD PARTITION PARTITIONS", true))
        } else {
            None
        };
        if let Some(f) = found.filter(|f| !out.contains(f)) {
            out.push(f);
        }
    }
    out
}

impl Rule for MysqlTableRebuild {
    fn id(&self) -> &'static str {
        "mysql-table-rebuild"
    }

    fn default_severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "Charset conversion, ENGINE=, ROW_FORMAT=, partitioning, FORCE or OPTIMIZE rebuild the whole table."
    }

    fn dialects(&self) -> &'static [Dialect] {
        MYSQL_FAMILY
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let t = ctx.tokens;
        let (tables, found, alter) = if let Some(target) = alter_table(t) {
            let alter = text_of(ctx, &(target.after..t.all().len())).map(str::to_string);
            let shown = target.shown(ctx);
            (
                vec![(target.table, shown)],
                rebuilds(t, target.after),
                alter,
            )
        } else if t.is_word(0, "OPTIMIZE") {
            let Some(at) = (1..3).find(|&i| t.is_word(i, "TABLE") || t.is_word(i, "TABLES")) else {
                return;
            };
            let tables = clauses(t, at + 1)
                .into_iter()
                .filter_map(|c| {
                    let (k, end) = t.name_at(c.start)?;
                    let shown =
                        text_of(ctx, &(c.start..end)).map_or_else(|| k.clone(), directive_table);
                    Some((k, shown))
                })
                .collect();
            (
                tables,
                vec![("OPTIMIZE TABLE", false)],
                Some("ENGINE=InnoDB".to_string()),
            )
        } else {
            return;
        };
        if found.is_empty() || tables.is_empty() || tables.iter().all(|(k, _)| ctx.is_new_table(k))
        {
            return;
        }
        let copies = found.iter().any(|(_, copy)| *copy);
        let what: Vec<&str> = found.iter().map(|(w, _)| *w).collect();
        let how = if copies {
            "needs ALGORITHM=COPY: every row is copied into a new table while writes are blocked \
             (reads continue), then an exclusive metadata lock swaps the tables"
        } else {
            "rebuilds the table (in place where the engine allows it, with a copy when ENGINE= \
             changes the engine): the whole table is read and rewritten"
        };
        let mut finding = Finding::new(
            self.default_severity(),
            format!("{} rebuilds all of `{}`", what.join(", "), tables[0].1),
            format!(
                "This {how}. On a large table that means hours, free disk for a second copy, and \
                 replicas that apply the change only after the primary finishes, lagging for as \
                 long; a blocked write of the running app waits until it times out. A character \
                 set conversion can also change comparisons and index key widths the app relies \
                 on. Run the change with an online schema change tool (gh-ost, \
                 pt-online-schema-change), which copies in small chunks and swaps with a short lock."
            ),
        );
        if tables.len() == 1 {
            finding = finding.on_table(tables[0].0.clone());
        }
        if let Some(alter) = alter {
            let each = tables.iter().filter(|(k, _)| !ctx.is_new_table(k));
            let tools: Vec<String> = each.map(|(_, shown)| online_tool(shown, &alter)).collect();
            finding = finding.suggest(tools.join("\n"));
        }
        out.push(finding);
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{at, mysql, report_with};
    use crate::lint::LintOptions;
    use crate::sql::Dialect;

    const ID: &str = "mysql-table-rebuild";

    fn found(dialect: Dialect, sql: &str) -> bool {
        report_with(LintOptions::new(dialect), "migration.sql", sql)
            .diagnostics()
            .any(|d| d.rule == ID)
    }

    #[test]
    fn flags_a_character_set_conversion() {
        insta::assert_snapshot!(mysql(
            "ALTER TABLE Comments CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_ai_ci;"
        ));
    }

    #[test]
    fn flags_in_place_rebuilds() {
        insta::assert_snapshot!(at(
            Dialect::Mariadb,
            "10.11",
            "ALTER TABLE events ENGINE=InnoDB, ROW_FORMAT=COMPRESSED KEY_BLOCK_SIZE=8;"
        ));
        insta::assert_snapshot!(mysql("OPTIMIZE TABLE events;"));
    }

    #[test]
    fn flags_partitioning_changes() {
        insta::assert_snapshot!(mysql(
            "ALTER TABLE events PARTITION BY HASH (id) PARTITIONS 8;"
        ));
    }

    #[test]
    fn passes_metadata_changes_lookalikes_and_new_tables() {
        for sql in [
            "ALTER TABLE comments DEFAULT CHARACTER SET utf8mb4;",
            "ALTER TABLE comments ADD COLUMN engine VARCHAR(10), ADD COLUMN force INT;",
            "ALTER TABLE events ADD PARTITION (PARTITION p2030 VALUES LESS THAN (2031));",
            "CREATE TABLE t (a INT);\nALTER TABLE t CONVERT TO CHARACTER SET utf8mb4;",
        ] {
            assert!(!found(Dialect::Mysql, sql), "{sql}");
        }
        assert!(!found(
            Dialect::Mariadb,
            "CREATE TABLE t (a INT);\nALTER TABLE t FORCE;"
        ));
    }
}
