//! What the runner must know about a statement before it runs it: whether it refuses to run
//! inside a transaction, whether it is transaction control, and which index a concurrent
//! build creates (so an INVALID leftover can be found and rebuilt).

use super::Dialect;

/// The facts about one statement that decide how the runner executes it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct StatementKind {
    /// Must run alone, outside any transaction (`CREATE INDEX CONCURRENTLY`, `VACUUM`, ...).
    pub no_transaction: bool,
    /// `BEGIN`, `COMMIT`, `ROLLBACK`, `START TRANSACTION`...: bellows owns transactions.
    pub transaction_control: bool,
    /// `CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] <name>`: the index name.
    pub concurrent_index: Option<String>,
    /// Data definition (takes schema locks), as opposed to DML or session settings.
    pub ddl: bool,
    /// `ALTER TABLE ... VALIDATE CONSTRAINT` (PostgreSQL): it scans the table, so bellows
    /// gives it a transaction of its own — no stronger lock taken by a neighbouring
    /// statement is held during the scan.
    pub own_transaction: bool,
}

/// Classify a statement by its leading keywords. Never fails: unknown statements are
/// treated as ordinary transactional DDL.
#[must_use]
pub(crate) fn classify(sql: &str, dialect: Dialect) -> StatementKind {
    let words = leading_words(sql, 12);
    let w = |i: usize| words.get(i).map_or("", String::as_str);
    let has = |word: &str| words.iter().any(|x| x == word);
    let mut kind = StatementKind {
        transaction_control: matches!(w(0), "BEGIN" | "COMMIT" | "ROLLBACK" | "END" | "SAVEPOINT")
            || (w(0) == "START" && w(1) == "TRANSACTION"),
        ddl: matches!(
            w(0),
            "CREATE"
                | "ALTER"
                | "DROP"
                | "RENAME"
                | "TRUNCATE"
                | "COMMENT"
                | "GRANT"
                | "REVOKE"
                | "REINDEX"
                | "CLUSTER"
                | "VACUUM"
                | "LOCK"
        ),
        ..StatementKind::default()
    };
    if w(0) == "BEGIN" && dialect.is_mysql_family() && w(1) != "WORK" && words.len() > 2 {
        // A MySQL `BEGIN ... END` outside a routine is not valid anyway; keep it simple.
        kind.transaction_control = true;
    }
    if dialect != Dialect::Postgres {
        return kind;
    }
    let concurrently = has("CONCURRENTLY");
    kind.own_transaction = w(0) == "ALTER"
        && words
            .windows(2)
            .any(|p| p[0] == "VALIDATE" && p[1] == "CONSTRAINT");
    kind.no_transaction = match w(0) {
        "CREATE" | "DROP" if concurrently && has("INDEX") => true,
        "REINDEX" if concurrently => true,
        "ALTER" if concurrently && has("DETACH") => true,
        "VACUUM" => true,
        "CREATE" | "DROP" if matches!(w(1), "DATABASE" | "TABLESPACE") => true,
        "ALTER" if w(1) == "SYSTEM" => true,
        "ALTER" if w(1) == "TYPE" && has("ADD") && has("VALUE") => true,
        _ => false,
    };
    if w(0) == "CREATE" && concurrently {
        kind.concurrent_index = concurrent_index_name(sql);
    }
    kind
}

/// The index name of `CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] name ON ...`.
fn concurrent_index_name(sql: &str) -> Option<String> {
    let mut rest = raw_words(sql).skip_while(|t| !t.eq_ignore_ascii_case("CONCURRENTLY"));
    rest.next()?;
    let mut name = rest.next()?;
    if name.eq_ignore_ascii_case("IF") {
        rest.next(); // NOT
        rest.next(); // EXISTS
        name = rest.next()?;
    }
    if name.eq_ignore_ascii_case("ON") {
        return None;
    }
    Some(unquote(name))
}

fn unquote(ident: &str) -> String {
    match ident.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => ident.to_ascii_lowercase(),
    }
}

/// The first `limit` keywords/identifiers of a statement, upper-cased, skipping comments,
/// string literals and punctuation.
#[must_use]
pub(crate) fn leading_words(sql: &str, limit: usize) -> Vec<String> {
    raw_words(sql)
        .filter(|w| !w.starts_with('"') && !w.starts_with('`'))
        .take(limit)
        .map(|w| w.to_ascii_uppercase())
        .collect()
}

/// Words and quoted identifiers in order; comments and string literals skipped. Lazy, so
/// [`leading_words`] reads no further into a long statement than the words it wants.
fn raw_words(sql: &str) -> impl Iterator<Item = &str> {
    let bytes = sql.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            let b = bytes[i];
            if bytes[i..].starts_with(b"--") || b == b'#' {
                i = sql[i..].find('\n').map_or(bytes.len(), |n| i + n);
            } else if bytes[i..].starts_with(b"/*") {
                i = sql[i..].find("*/").map_or(bytes.len(), |n| i + n + 2);
            } else if b == b'\'' {
                i = sql[i + 1..].find('\'').map_or(bytes.len(), |n| i + n + 2);
            } else if b == b'"' || b == b'`' {
                let start = i;
                i = sql[i + 1..]
                    .find(b as char)
                    .map_or(bytes.len(), |n| i + n + 2);
                return Some(&sql[start..i]);
            } else if b.is_ascii_alphabetic() || b == b'_' {
                let start = i;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'$')
                {
                    i += 1;
                }
                return Some(&sql[start..i]);
            } else {
                i += 1;
            }
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrent_index_builds_run_alone() {
        let k = classify(
            "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS \"Users_Email\" ON users (email)",
            Dialect::Postgres,
        );
        assert!(k.no_transaction);
        assert_eq!(k.concurrent_index.as_deref(), Some("Users_Email"));
        let k = classify(
            "create index concurrently users_x_idx on users (x)",
            Dialect::Postgres,
        );
        assert_eq!(k.concurrent_index.as_deref(), Some("users_x_idx"));
        assert!(classify("DROP INDEX CONCURRENTLY i", Dialect::Postgres).no_transaction);
        assert!(!classify("CREATE INDEX i ON t (a)", Dialect::Postgres).no_transaction);
    }

    #[test]
    fn transaction_control_is_recognised() {
        assert!(classify("BEGIN", Dialect::Postgres).transaction_control);
        assert!(classify("start transaction", Dialect::Mysql).transaction_control);
        assert!(!classify("ALTER TABLE t ADD COLUMN c int", Dialect::Mysql).transaction_control);
    }

    #[test]
    fn leading_words_skip_comments_and_strings() {
        assert_eq!(
            leading_words("/* x */ -- y\n alter 'q' table", 5),
            vec!["ALTER", "TABLE"]
        );
    }
}
