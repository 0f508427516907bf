//! `lock-table`: an explicit PostgreSQL `LOCK [TABLE]` in ACCESS EXCLUSIVE (the default) or
//! EXCLUSIVE mode, which locks the app out until the transaction ends. Works on tokens.

use super::support::scan::{clauses, skip_modifiers};
use crate::lint::{Finding, Rule, Severity, StatementContext, POSTGRES};
use crate::sql::Dialect;

/// Flags explicit table locks that block the app's writes or reads.
pub(crate) struct LockTable;

impl Rule for LockTable {
    fn id(&self) -> &'static str {
        "lock-table"
    }

    fn default_severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "LOCK TABLE in ACCESS EXCLUSIVE or EXCLUSIVE mode locks the app out until the transaction ends."
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let t = ctx.tokens;
        if !t.is_word(0, "LOCK") {
            return;
        }
        let from = skip_modifiers(t, if t.is_word(1, "TABLE") { 2 } else { 1 });
        let mode_at = t.find_seq(from, &["IN"]);
        let mode = match mode_at {
            None => "ACCESS EXCLUSIVE",
            Some(i) if t.is_word(i + 1, "ACCESS") && t.is_word(i + 2, "EXCLUSIVE") => {
                "ACCESS EXCLUSIVE"
            }
            Some(i) if t.is_word(i + 1, "EXCLUSIVE") => "EXCLUSIVE",
            Some(_) => return,
        };
        let tables: Vec<String> = clauses(t, from)
            .into_iter()
            .filter(|c| mode_at.is_none_or(|m| c.start < m))
            .filter_map(|c| t.name_at(skip_modifiers(t, c.start)).map(|(key, _)| key))
            .collect();
        if tables.is_empty() || tables.iter().all(|k| ctx.is_new_table(k)) {
            return;
        }
        let blocked = if mode == "EXCLUSIVE" {
            "every INSERT, UPDATE, DELETE and SELECT ... FOR UPDATE waits (plain SELECT still runs)"
        } else {
            "every query on it, plain SELECT included, waits"
        };
        let mut finding = Finding::new(
            self.default_severity(),
            format!("LOCK TABLE `{}` takes {mode}: {blocked} until the transaction ends", tables[0]),
            "An explicit lock is held to the end of the transaction, which under bellows is the end \
             of the phase: everything else the phase does runs with the app locked out, and while \
             the LOCK waits for its lock every later query on the table queues behind it. There \
             is no safe equivalent: remove the statement. DDL takes the lock it needs by itself, \
             as briefly as it can, under bellows' lock timeout; to keep a data fix consistent with \
             concurrent writers, lock rows instead, in a batched backfill.",
        )
        .suggest(
            "-- remove the LOCK TABLE: each DDL statement takes the lock it needs, briefly, under\n\
             -- bellows' lock timeout; a data fix that must not race writers belongs in a\n\
             -- `-- bellows:backfill` section, which locks the rows of one batch at a time",
        );
        if tables.len() == 1 {
            finding = finding.on_table(tables[0].clone());
        }
        out.push(finding);
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{pg, rules_pg};

    const ID: &str = "lock-table";

    #[test]
    fn flags_access_exclusive() {
        insta::assert_snapshot!(pg(
        "LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE;\nALTER TABLE accounts ADD COLUMN region text;"
    ));
    }

    #[test]
    fn flags_exclusive_and_the_default_mode() {
        insta::assert_snapshot!(pg(
            "LOCK accounts, ledger;\nLOCK TABLE ONLY ledger IN EXCLUSIVE MODE NOWAIT;"
        ));
    }

    #[test]
    fn passes_weaker_modes_and_new_tables() {
        for sql in [
            "LOCK TABLE accounts IN SHARE MODE;",
            "LOCK TABLE accounts IN ROW EXCLUSIVE MODE;",
            "LOCK TABLE accounts IN SHARE ROW EXCLUSIVE MODE;",
            "CREATE TABLE t (a int);\nLOCK TABLE t IN ACCESS EXCLUSIVE MODE;",
        ] {
            assert!(!rules_pg(sql).contains(&ID), "{sql}");
        }
    }
}
