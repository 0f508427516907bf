//! Token helpers shared by the PostgreSQL and MySQL/MariaDB lock rules: the target of an
//! `ALTER TABLE`, its top-level clauses, paren depth, spans and byte ranges of token runs,
//! and the framing of a rewrite that must run outside a transaction.

use super::support::scan::skip_modifiers;
use crate::lint::{StatementContext, Tokens, TransactionMode};

/// `CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] name ON [ONLY] table`: the index key
/// and the table key.
#[must_use]
pub fn created_index(t: &Tokens) -> Option<(String, String)> {
    let mut i = if t.is_word(1, "UNIQUE") { 2 } else { 1 };
    if !t.is_word(0, "CREATE") || !t.is_word(i, "INDEX") {
        return None;
    }
    i += 1;
    if t.is_word(i, "CONCURRENTLY") {
        i += 1;
    }
    let (index, after) = t.name_at(skip_modifiers(t, i))?;
    if !t.is_word(after, "ON") {
        return None;
    }
    let (table, _) = t.name_at(skip_modifiers(t, after + 1))?;
    Some((index, table))
}

/// The table an index (a key) was created on earlier in this file, when it was.
#[must_use]
pub fn table_of_index<'a>(ctx: &StatementContext<'a>, index: &str) -> Option<&'a str> {
    ctx.file.created_indexes.get(index).map(String::as_str)
}

/// A rewrite that must run outside a transaction: with sqlx's `-- no-transaction` line when
/// the runner wraps files in one, a lock timeout when the runner is not bellows, and an allow
/// line for `unparsed-statement` when the parser cannot read it.
#[must_use]
pub fn run_alone(ctx: &StatementContext<'_>, sql: &str, parsable: bool, what: &str) -> String {
    let mut out = String::new();
    if ctx.options.transaction_mode == TransactionMode::Always {
        out.push_str("-- no-transaction\n");
    }
    if ctx.options.transaction_mode != TransactionMode::Auto && !ctx.file.lock_timeout_set {
        // Another runner sets no lock timeout of its own (bellows does).
        out.push_str("SET lock_timeout = '2s';\n");
    }
    if !parsable && !super::unparsed_statement::covered(ctx.dialect(), sql) {
        out.push_str(&format!(
            "-- bellows:allow unparsed-statement the SQL parser does not read {what}; checked on tokens\n"
        ));
    }
    out.push_str(sql.trim_end());
    out.push(';');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::tokenizer::Tokenizer;

    fn toks(sql: &str) -> Tokens {
        let raw = Tokenizer::new(&PostgreSqlDialect {}, sql)
            .tokenize_with_location()
            .unwrap();
        Tokens::from_raw(&raw)
    }

    #[test]
    fn finds_alter_targets_clauses_and_indexes() {
        let t = toks("ALTER TABLE IF EXISTS ONLY s.t ADD a numeric(10, 2), ADD b int");
        let target = crate::lint::rules::support::alter::alter_table(&t).unwrap();
        assert_eq!(
            (target.table.as_str(), target.name, target.after),
            ("t", 5..8, 8)
        );
        assert_eq!(crate::lint::rules::support::scan::clauses(&t, 8).len(), 2);
        let t = toks("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS \"I\" ON ONLY x.y (a)");
        assert_eq!(created_index(&t), Some(("I".into(), "y".into())));
        assert_eq!(created_index(&toks("CREATE INDEX ON t (a)")), None);
    }
}
