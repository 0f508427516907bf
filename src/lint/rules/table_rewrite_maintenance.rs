//! `table-rewrite-maintenance`: `VACUUM FULL`, `CLUSTER` and `REPACK` without `CONCURRENTLY`
//! copy whole PostgreSQL tables under ACCESS EXCLUSIVE. Works on tokens: sqlparser 0.63
//! cannot read `CLUSTER`, `REPACK` or `VACUUM (options)`.

use super::support::scan::{clauses, is_punct};
use super::support::spans::text_of;
use crate::lint::{Finding, Rule, Severity, StatementContext, Tokens, POSTGRES};
use crate::sql::Dialect;

/// Flags maintenance commands that rewrite tables while locking them completely.
pub(crate) struct TableRewriteMaintenance;

impl Rule for TableRewriteMaintenance {
    fn id(&self) -> &'static str {
        "table-rewrite-maintenance"
    }

    fn default_severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "VACUUM FULL, CLUSTER and REPACK rewrite the table under an ACCESS EXCLUSIVE lock."
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let t = ctx.tokens;
        let Some((command, tables_from, analyze)) = command(t) else {
            return;
        };
        let lists: Vec<_> = clauses(t, tables_from)
            .into_iter()
            .filter_map(|c| t.name_at(c.start).map(|(key, end)| (key, c.start..end)))
            .collect();
        if !lists.is_empty() && lists.iter().all(|(key, _)| ctx.is_new_table(key)) {
            return;
        }
        let target = match lists.first() {
            Some((key, _)) if lists.len() == 1 => format!("`{key}`"),
            Some(_) => "each listed table".to_string(),
            None if command == "CLUSTER" => "every table clustered before".to_string(),
            None => "every table in the database".to_string(),
        };
        let mut finding = Finding::new(
            self.default_severity(),
            format!("{command} rewrites {target} under an ACCESS EXCLUSIVE lock"),
            "The table is copied into new files and its indexes rebuilt while ACCESS EXCLUSIVE is \
             held: no read or write of the running app can touch the table until the copy ends, \
             and the copy needs free disk about the size of the table and its indexes. A plain \
             VACUUM (SHARE UPDATE EXCLUSIVE) runs beside the app and makes dead space reusable. To \
             really shrink or reorder a table online, run pg_repack (or REPACK (CONCURRENTLY) on \
             PostgreSQL 19+) outside migrations.",
        );
        if lists.len() == 1 {
            finding = finding.on_table(lists[0].0.clone());
        }
        if command == "VACUUM FULL" {
            // One table per statement: the parser reads `VACUUM t` and `ANALYZE t`, not lists.
            let names: Option<Vec<&str>> = lists.iter().map(|(_, r)| text_of(ctx, r)).collect();
            let names = names.unwrap_or_default();
            let mut rewrite: Vec<String> = if names.is_empty() {
                vec!["VACUUM;".to_string()]
            } else {
                names.iter().map(|n| format!("VACUUM {n};")).collect()
            };
            if analyze {
                rewrite.extend(names.iter().map(|n| format!("ANALYZE {n};")));
            }
            if !lists.is_empty() && names.len() == lists.len() || lists.is_empty() {
                finding = finding.suggest(rewrite.join("\n"));
            }
        }
        if finding.suggestion.is_none() {
            finding = finding.suggest(
                "-- remove it from the migration; to shrink or reorder the table online, run\n\
                 -- pg_repack (or REPACK (CONCURRENTLY) on PostgreSQL 19+) outside migrations",
            );
        }
        out.push(finding);
    }
}

/// The command, the index of the first token after it and its options, and whether a
/// `VACUUM FULL` also analyzes; `None` for statements the rule leaves alone.
fn command(t: &Tokens) -> Option<(&'static str, usize, bool)> {
    let len = t.all().len();
    if t.is_word(0, "VACUUM") {
        let (from, analyze) = vacuum_full(t)?;
        Some(("VACUUM FULL", from, analyze))
    } else if t.is_word(0, "CLUSTER") {
        let from = if t.is_word(1, "VERBOSE") { 2 } else { 1 };
        // `CLUSTER index ON table` (pre-8.4 form) names the table second.
        let from = if t.is_word(from + 1, "ON") {
            from + 2
        } else {
            from
        };
        Some(("CLUSTER", from, false))
    } else if t.is_word(0, "REPACK") && !t.has("CONCURRENTLY") {
        let from = if is_punct(t, 1, "(") {
            (2..len)
                .find(|&i| is_punct(t, i, ")"))
                .map_or(len, |c| c + 1)
        } else {
            1
        };
        Some(("REPACK", from, false))
    } else {
        None
    }
}

/// For a `VACUUM` that is `FULL` (old word form or option list): the index of the first
/// token after its options, and whether it also analyzes.
fn vacuum_full(t: &Tokens) -> Option<(usize, bool)> {
    let len = t.all().len();
    if is_punct(t, 1, "(") {
        let close = (2..len).find(|&i| is_punct(t, i, ")"))?;
        let full = (2..close).any(|i| {
            t.is_word(i, "FULL")
                && !(t.is_word(i + 1, "FALSE") || t.is_word(i + 1, "OFF"))
                && t.get(i + 1).is_none_or(|x| x.text != "0")
        });
        let analyze = (2..close).any(|i| t.is_word(i, "ANALYZE") || t.is_word(i, "ANALYSE"));
        full.then_some((close + 1, analyze))
    } else {
        let words: Vec<usize> = (1..len)
            .take_while(|&i| {
                ["FULL", "FREEZE", "VERBOSE", "ANALYZE", "ANALYSE"]
                    .iter()
                    .any(|w| t.is_word(i, w))
            })
            .collect();
        let analyze = words
            .iter()
            .any(|&i| t.is_word(i, "ANALYZE") || t.is_word(i, "ANALYSE"));
        let full = words.iter().any(|&i| t.is_word(i, "FULL"));
        full.then_some((1 + words.len(), analyze))
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{pg, rules_pg};

    const ID: &str = "table-rewrite-maintenance";

    #[test]
    fn flags_vacuum_full() {
        insta::assert_snapshot!(pg("VACUUM FULL orders;"));
    }

    #[test]
    fn flags_vacuum_full_in_option_form_through_the_token_path() {
        insta::assert_snapshot!(pg("VACUUM (FULL, ANALYZE) orders, order_items;"));
    }

    #[test]
    fn flags_cluster() {
        insta::assert_snapshot!(pg("CLUSTER orders USING orders_created_at_idx;"));
    }

    #[test]
    fn passes_plain_vacuum_and_new_tables() {
        for sql in [
            "VACUUM orders;",
            "VACUUM (FULL false, ANALYZE) orders;",
            "ANALYZE orders;",
            "CREATE TABLE t (a int);\nVACUUM FULL t;",
            "CREATE TABLE t (a int);\nCLUSTER t USING t_pkey;",
            "REPACK (CONCURRENTLY) orders;",
        ] {
            assert!(!rules_pg(sql).contains(&ID), "{sql}");
        }
        assert!(rules_pg("CLUSTER;").contains(&ID));
    }
}
