//! The tables a file makes, followed through its statements (issue 14): created (tables and
//! materialized views), renamed (a new table stays new under its new name; the name a table
//! was renamed to is remembered), and filled with rows (`CREATE TABLE ... AS SELECT`,
//! `INSERT INTO ... SELECT`), which an empty new table is not.

use super::rules::support::alter::alter_table;
use super::rules::support::scan::skip_modifiers;
use super::{FileState, Tokens};

impl FileState {
    /// Record what a statement did to the file's tables.
    pub(crate) fn record_tables(&mut self, t: &Tokens) {
        if let Some((table, after)) = created_table(t) {
            let copies = t.has("SELECT")
                || (t.is_word(after, "AS")
                    && (t.is_word(after + 1, "TABLE") || t.is_word(after + 1, "VALUES")));
            if copies && t.find_seq(after, &["WITH", "NO", "DATA"]).is_none() {
                self.filled_tables.insert(table.clone());
            }
            self.created_tables.insert(table);
            return;
        }
        if t.starts_with(&["INSERT"]) && t.has("SELECT") {
            let at = if t.is_word(1, "INTO") { 2 } else { 1 };
            if let Some((table, _)) = t.name_at(at) {
                if self.created_tables.contains(&table) {
                    self.filled_tables.insert(table);
                }
            }
            return;
        }
        for (old, new) in renames(t) {
            if self.created_tables.remove(&old) {
                self.created_tables.insert(new.clone());
            }
            if self.filled_tables.remove(&old) {
                self.filled_tables.insert(new.clone());
            }
            self.renamed_to.insert(new);
        }
    }
}

/// The table (or materialized view) a `CREATE [TEMP|UNLOGGED|...] TABLE [IF NOT EXISTS]
/// name` / `CREATE MATERIALIZED VIEW [IF NOT EXISTS] name` creates, and the index after
/// its name.
pub(crate) fn created_table(t: &Tokens) -> Option<(String, usize)> {
    if !t.starts_with(&["CREATE"]) {
        return None;
    }
    let kind = (1..5).find(|&i| {
        t.is_word(i, "TABLE") || (t.is_word(i, "VIEW") && t.is_word(i - 1, "MATERIALIZED"))
    })?;
    let modifier = |i: usize| {
        [
            "GLOBAL",
            "LOCAL",
            "TEMP",
            "TEMPORARY",
            "UNLOGGED",
            "OR",
            "REPLACE",
            "MATERIALIZED",
        ]
        .iter()
        .any(|w| t.is_word(i, w))
    };
    if !(1..kind).all(modifier) {
        return None;
    }
    t.name_at(skip_modifiers(t, kind + 1))
}

/// The table renames of a statement, (old key, new key): PostgreSQL's and MySQL's
/// `ALTER TABLE a RENAME [TO|AS] b` and MySQL's `RENAME TABLE a TO b, c TO d`.
fn renames(t: &Tokens) -> Vec<(String, String)> {
    let mut found = Vec::new();
    if t.starts_with(&["RENAME", "TABLE"]) {
        let mut i = 2;
        while let Some((old, after_old)) = t.name_at(i) {
            let Some((new, after_new)) = t
                .name_at(after_old + 1)
                .filter(|_| t.is_word(after_old, "TO"))
            else {
                break;
            };
            found.push((old, new));
            if t.get(after_new).is_none_or(|tok| tok.text != ",") {
                break;
            }
            i = after_new + 1;
        }
    } else if let Some(alter) = alter_table(t) {
        for c in &alter.clauses {
            if c.is_word(0, "RENAME") && (c.is_word(1, "TO") || c.is_word(1, "AS")) {
                if let Some((new, _)) = t.name_at(c.start + 2) {
                    found.push((alter.table.clone(), new));
                }
            }
        }
    }
    found
}
