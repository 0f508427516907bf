//! Keeping [`FileState`] up to date while the engine walks a file's statements in order:
//! which transaction each statement runs in, and what earlier statements created or set.

use super::rules::support::file::{added_columns, created_index, created_schema};
use super::rules::support::scan::skip_modifiers;
use super::{FileState, NotNullCheck, NotValidConstraint, Tokens, TransactionMode};
use crate::sql::Dialect;

impl FileState {
    /// Called before the rules see a statement: decide which transaction it runs in.
    /// `new_phase` is true for the first statement of a phase; `runs_alone` for statements
    /// that refuse a transaction (`CREATE INDEX CONCURRENTLY`, `VACUUM`, ...).
    pub(crate) fn enter(
        &mut self,
        tokens: &Tokens,
        new_phase: bool,
        runs_alone: bool,
        mode: TransactionMode,
        dialect: Dialect,
    ) {
        let begins = is_begin(tokens);
        let shared = if begins {
            false
        } else if self.in_explicit_transaction {
            true
        } else {
            match mode {
                TransactionMode::Always => !self.no_transaction_file,
                TransactionMode::Auto => dialect == Dialect::Postgres && !runs_alone && !new_phase,
                TransactionMode::Never => false,
            }
        };
        if !shared || self.after_boundary {
            self.txn += 1;
        }
        self.after_boundary = runs_alone && !self.in_explicit_transaction;
    }

    /// Called after the rules saw a statement: record what it did.
    pub(crate) fn record(&mut self, tokens: &Tokens) {
        self.record_tables(tokens);
        if tokens.starts_with(&["CREATE", "TYPE"]) {
            if let Some((name, _)) = tokens.name_at(2) {
                self.created_types.insert(name);
            }
        }
        if tokens.starts_with(&["SET"]) && sets_utc(tokens) {
            self.time_zone_utc = true;
        }
        if is_begin(tokens) {
            self.in_explicit_transaction = true;
        } else if is_end(tokens) {
            self.in_explicit_transaction = false;
            self.after_boundary = true;
        } else if let Some((index, table)) = created_index(tokens) {
            self.created_indexes.insert(index, table);
        } else if let Some(schema) = created_schema(tokens) {
            self.created_schemas.insert(schema);
        } else if tokens.starts_with(&["SET"]) {
            self.record_foreign_key_checks(tokens);
            if let Some(i) = (0..4).find(|&i| {
                tokens.is_word(i, "LOCK_TIMEOUT") || tokens.is_word(i, "LOCK_WAIT_TIMEOUT")
            }) {
                let value = tokens.all().get(i + 2).map(|t| t.text.as_str());
                self.lock_timeout_set = !matches!(value, Some("0" | "0s" | "0ms"));
            }
        } else if tokens.starts_with(&["ALTER", "TABLE"]) {
            self.record_constraints(tokens);
            self.added_columns.extend(added_columns(tokens));
        }
    }

    /// MySQL's `SET [SESSION] foreign_key_checks = 0|1|OFF|ON`.
    fn record_foreign_key_checks(&mut self, tokens: &Tokens) {
        let named = (1..4).any(|i| {
            tokens
                .get(i)
                .is_some_and(|t| t.text.to_ascii_uppercase().ends_with("FOREIGN_KEY_CHECKS"))
        });
        if let (true, Some(value)) = (named, tokens.all().last()) {
            let value = value.text.to_ascii_lowercase();
            self.foreign_key_checks_off = matches!(value.as_str(), "0" | "off" | "false");
        }
    }
}

impl FileState {
    /// `ADD CONSTRAINT ... NOT VALID`, `CHECK (col IS NOT NULL)` and `VALIDATE CONSTRAINT`.
    fn record_constraints(&mut self, t: &Tokens) {
        let Some((table, _)) = t.name_at(skip_modifiers(t, 2)) else {
            return;
        };
        let not_valid = t.find_seq(0, &["NOT", "VALID"]).is_some();
        if let Some(at) = t.find_seq(0, &["VALIDATE", "CONSTRAINT"]) {
            if let Some((name, _)) = t.name_at(at + 2) {
                for c in &mut self.not_null_checks {
                    if c.table == table && c.name == name {
                        c.validated = true;
                    }
                }
            }
        }
        let Some(at) = t.find_seq(0, &["ADD", "CONSTRAINT"]) else {
            return;
        };
        let Some((name, after)) = t.name_at(at + 2) else {
            return;
        };
        if not_valid {
            let txn = self.txn;
            self.not_valid.push(NotValidConstraint {
                table: table.clone(),
                name: name.clone(),
                txn,
            });
        }
        let is_punct = |i: usize, p: &str| t.get(i).is_some_and(|x| x.text == p);
        if t.is_word(after, "CHECK") && is_punct(after + 1, "(") {
            if let Some((column, end)) = t.name_at(after + 2) {
                if t.is_word(end, "IS")
                    && t.is_word(end + 1, "NOT")
                    && t.is_word(end + 2, "NULL")
                    && is_punct(end + 3, ")")
                {
                    self.not_null_checks.push(NotNullCheck {
                        table,
                        name,
                        column,
                        validated: !not_valid,
                    });
                }
            }
        }
    }
}

/// `BEGIN` / `START TRANSACTION` (not a `BEGIN ... END` block).
pub(crate) fn is_begin(t: &Tokens) -> bool {
    (t.starts_with(&["BEGIN"]) && t.all().len() <= 3) || t.starts_with(&["START", "TRANSACTION"])
}

fn is_end(t: &Tokens) -> bool {
    ["COMMIT", "ROLLBACK", "END", "ABORT"]
        .iter()
        .any(|w| t.starts_with(&[w]))
        && !t.has("TO")
}

/// `SET [SESSION | LOCAL] TimeZone = 'UTC'` or `SET TIME ZONE 'UTC'` (or an alias of UTC).
fn sets_utc(t: &Tokens) -> bool {
    let zone = (1..4)
        .any(|i| t.is_word(i, "TIMEZONE") || (t.is_word(i, "TIME") && t.is_word(i + 1, "ZONE")));
    zone && t.all().iter().any(|x| {
        x.kind == super::TokKind::Literal
            && ["UTC", "ETC/UTC", "UTC0", "Z", "GMT"]
                .contains(&x.text.to_ascii_uppercase().as_str())
    })
}
