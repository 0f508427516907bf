//! What the statements after the current one in its phase do, worked out once per phase
//! from the tokens the linter already has, so a rule asks in constant time (a rule that
//! tokenized every later statement made a file of many findings quadratic, issue 14).

use super::state_tables::created_table;
use super::Tokens;
use std::collections::HashMap;

/// The facts of one phase: for each, the index of the last statement that has it.
#[derive(Debug, Default)]
pub(crate) struct PhaseAhead<'t> {
    /// The phase's statements' tokens, in order.
    statements: Vec<&'t Tokens>,
    /// View key → the last statement of the phase that creates a view of that name.
    views: HashMap<String, usize>,
    /// Table key → the last statement of the phase that creates a table of that name.
    tables: HashMap<String, usize>,
    /// The last statement that ends a transaction (`COMMIT`, `END`, `ABORT`, `ROLLBACK`
    /// but not `ROLLBACK TO`).
    last_close: Option<usize>,
}

impl<'t> PhaseAhead<'t> {
    /// The facts of a phase's statements, given their tokens in order.
    pub(crate) fn of(statements: impl Iterator<Item = &'t Tokens>) -> PhaseAhead<'t> {
        let mut ahead = PhaseAhead {
            statements: statements.collect(),
            ..PhaseAhead::default()
        };
        for (n, t) in ahead.statements.iter().enumerate() {
            if let Some(view) = created_view(t) {
                ahead.views.insert(view, n);
            }
            if let Some((table, _)) = created_table(t) {
                ahead.tables.insert(table, n);
            }
            let closes = ["COMMIT", "END", "ABORT"].iter().any(|w| t.is_word(0, w))
                || (t.is_word(0, "ROLLBACK") && !t.is_word(1, "TO"));
            if closes {
                ahead.last_close = Some(n);
            }
        }
        ahead
    }

    /// The view from statement `at` on: what comes after it.
    pub(crate) fn after(&self, at: usize) -> Later<'_, 't> {
        Later { ahead: self, at }
    }
}

/// What the statements after one statement of a phase do (see [`PhaseAhead`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Later<'a, 't> {
    ahead: &'a PhaseAhead<'t>,
    at: usize,
}

impl<'t> Later<'_, 't> {
    /// The tokens of the later statements of the phase, in order (for a rule that reads
    /// them one by one: stop early, or it costs time for each later statement).
    pub(crate) fn statements(&self) -> impl Iterator<Item = &'t Tokens> + '_ {
        self.ahead.statements.iter().skip(self.at + 1).copied()
    }

    /// True when a later statement of the phase creates a view named `key`.
    #[must_use]
    pub(crate) fn creates_view(&self, key: &str) -> bool {
        self.ahead.views.get(key).is_some_and(|&n| n > self.at)
    }

    /// True when a later statement of the phase creates a table named `key`.
    #[must_use]
    pub(crate) fn creates_table(&self, key: &str) -> bool {
        self.ahead.tables.get(key).is_some_and(|&n| n > self.at)
    }

    /// True when a later statement of the phase ends a transaction.
    #[must_use]
    pub(crate) fn closes_transaction(&self) -> bool {
        self.ahead.last_close.is_some_and(|n| n > self.at)
    }
}

/// The view a `CREATE [OR REPLACE] [TEMP] [MATERIALIZED] VIEW [IF NOT EXISTS] name` creates.
fn created_view(t: &Tokens) -> Option<String> {
    if !t.is_word(0, "CREATE") {
        return None;
    }
    let i = (1..8).find(|&i| t.is_word(i, "VIEW"))?;
    let at = if t.is_word(i + 1, "IF") { i + 4 } else { i + 1 };
    t.name_at(at).map(|(name, _)| name)
}
