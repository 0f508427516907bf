//! `mysql-blocking-index`: a `FULLTEXT` or `SPATIAL` index added to an existing table is
//! built without concurrent DML (`LOCK=NONE` is refused), and the first `FULLTEXT` index
//! rebuilds the table. Works on tokens.

use super::support::alter::alter_table;
use super::support::rewrite::online_tool;
use super::support::scan::skip_modifiers;
use super::support::spans::{span_of, text_of};
use crate::lint::{Finding, Rule, Severity, StatementContext, Tokens, MYSQL_FAMILY};
use crate::sql::Dialect;
use std::ops::Range;

/// Flags full-text and spatial indexes built on existing tables.
pub(crate) struct MysqlBlockingIndex;

/// One blocking index of the statement: its kind, the tokens to point at, and the `ALTER`
/// clause that adds it (as an online schema change tool takes it).
struct Blocking {
    kind: &'static str,
    at: Range<usize>,
    alter: Range<usize>,
}

/// `FULLTEXT` or `SPATIAL` at token `i`.
fn kind_at(t: &Tokens, i: usize) -> Option<&'static str> {
    if t.is_word(i, "FULLTEXT") {
        Some("FULLTEXT")
    } else if t.is_word(i, "SPATIAL") {
        Some("SPATIAL")
    } else {
        None
    }
}

/// The table key, its name as written, and the blocking indexes of an `ALTER TABLE` or a
/// `CREATE FULLTEXT|SPATIAL INDEX name ON table`.
fn blocking(ctx: &StatementContext<'_>) -> Option<(String, String, Vec<Blocking>)> {
    let t = ctx.tokens;
    if let Some(alter) = alter_table(t) {
        let found = alter
            .clauses
            .iter()
            .filter(|c| c.is_word(0, "ADD"))
            .filter_map(|c| {
                let k = if c.is_word(1, "CONSTRAINT") { 3 } else { 1 };
                kind_at(t, c.start + k).map(|kind| Blocking {
                    kind,
                    at: c.range(),
                    alter: c.range(),
                })
            })
            .collect();
        return Some((alter.table.clone(), alter.written_name(ctx), found));
    }
    let kind = kind_at(t, 1).filter(|_| t.is_word(0, "CREATE") && t.is_word(2, "INDEX"))?;
    let on = t.find_seq(3, &["ON"])?;
    let at = skip_modifiers(t, on + 1);
    let (table, end) = t.name_at(at)?;
    let written = text_of(ctx, &(at..end)).map_or_else(|| table.clone(), str::to_string);
    let columns_end = (end..t.all().len())
        .find(|&i| t.get(i).is_some_and(|x| x.text == ")"))
        .map_or(end, |i| i + 1);
    Some((
        table,
        written,
        vec![Blocking {
            kind,
            at: 0..on,
            alter: end..columns_end,
        }],
    ))
}

impl Rule for MysqlBlockingIndex {
    fn id(&self) -> &'static str {
        "mysql-blocking-index"
    }

    fn default_severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "A FULLTEXT or SPATIAL index is built without concurrent writes (the first FULLTEXT one rebuilds the table)."
    }

    fn dialects(&self) -> &'static [Dialect] {
        MYSQL_FAMILY
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let Some((table, written, found)) = blocking(ctx) else {
            return;
        };
        if found.is_empty() || ctx.is_new_table(&table) {
            return;
        }
        let shown = written.replace('`', "");
        let t = ctx.tokens;
        for b in found {
            let alter = match text_of(ctx, &b.alter) {
                Some(text) if b.at.start == 0 => {
                    // CREATE ... INDEX name ON t (cols): the ALTER form is ADD <kind> INDEX name (cols).
                    let name = text_of(ctx, &(3..b.at.end)).unwrap_or("");
                    format!("ADD {} INDEX {name} {text}", b.kind)
                }
                Some(text) => text.to_string(),
                None => continue,
            };
            let mut finding = Finding::new(
                self.default_severity(),
                format!("adding a {} index to `{shown}` blocks writes while it is built", b.kind),
                "MySQL and MariaDB build FULLTEXT and SPATIAL indexes in place but without \
                 concurrent DML: reads continue, every INSERT, UPDATE and DELETE of the running app \
                 waits for the whole build, and LOCK=NONE is refused, so no assertion helps. The \
                 first FULLTEXT index of a table without an FTS_DOC_ID column also rebuilds the \
                 table. Build it with an online schema change tool, which builds it on a shadow \
                 copy while writes continue, or move full-text search to a search engine.",
            )
            .on_table(table.clone())
            .suggest(online_tool(&shown, &alter));
            if let Some(span) = span_of(t, &b.at) {
                finding = finding.at(span);
            }
            out.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{at, mysql, rules_in};
    use crate::sql::Dialect;

    #[test]
    fn flags_fulltext_in_an_alter() {
        insta::assert_snapshot!(mysql(
            "ALTER TABLE Articles ADD FULLTEXT INDEX articles_body_ft (title, body);"
        ));
    }

    #[test]
    fn flags_create_spatial_index_on_mariadb() {
        insta::assert_snapshot!(at(
            Dialect::Mariadb,
            "10.11",
            "CREATE SPATIAL INDEX shops_geo ON shops (location);"
        ));
    }

    #[test]
    fn passes_btree_indexes_and_new_tables() {
        for sql in [
            "ALTER TABLE articles ADD INDEX articles_title (title);",
            "CREATE INDEX articles_title ON articles (title);",
            "CREATE TABLE a (id int, body text);\nALTER TABLE a ADD FULLTEXT INDEX a_ft (body);",
            "CREATE TABLE a (id int, body text, FULLTEXT KEY a_ft (body));",
        ] {
            assert!(
                !rules_in(Dialect::Mysql, sql).contains(&"mysql-blocking-index"),
                "{sql}"
            );
        }
    }
}
