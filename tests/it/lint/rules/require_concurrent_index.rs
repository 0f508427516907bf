//! `require-concurrent-index`.

use crate::lint::support::{at, pg, rules_pg};
use bellows::Dialect;

#[test]
fn flags_a_plain_index_on_an_existing_table() {
    insta::assert_snapshot!(pg("CREATE INDEX users_email_idx ON users (email);"));
}

#[test]
fn flags_a_unique_index_spanning_lines() {
    insta::assert_snapshot!(pg("-- bellows:expand\nCREATE UNIQUE INDEX users_email_key\n    ON public.users (lower(email));\n"));
}

#[test]
fn token_path_flags_what_the_parser_cannot_read() {
    // sqlparser 0.63 does not read `ON ONLY`; the token path still flags the missing
    // CONCURRENTLY, next to the unparsed-statement warning.
    insta::assert_snapshot!(pg("CREATE INDEX i ON ONLY measurements USING brin (ts) WITH (pages_per_range = 32) TABLESPACE fast WHERE $$weird$$;"));
}

#[test]
fn passes_concurrently_and_new_tables() {
    assert!(rules_pg("CREATE INDEX CONCURRENTLY users_email_idx ON users (email);").is_empty());
    assert!(
        rules_pg("CREATE TABLE t (id bigint, a text);\nCREATE INDEX t_a_idx ON t (a);").is_empty()
    );
    assert!(
        rules_pg("CREATE TABLE IF NOT EXISTS \"T\" (a int);\nCREATE INDEX ON \"T\" (a);")
            .is_empty()
    );
}

#[test]
fn suppressed_with_a_reason() {
    assert!(rules_pg("-- bellows:allow require-concurrent-index table is empty at this point\nCREATE INDEX i ON t (a);").is_empty());
    assert!(rules_pg(
        "CREATE INDEX i ON t (a); -- bellows:allow require-concurrent-index tiny lookup table"
    )
    .is_empty());
}

#[test]
fn warns_about_the_pg14_concurrent_build_bug() {
    insta::assert_snapshot!(at(
        Dialect::Postgres,
        "14.2",
        "CREATE INDEX CONCURRENTLY i ON t (a);"
    ));
    assert!(at(
        Dialect::Postgres,
        "14.4",
        "CREATE INDEX CONCURRENTLY i ON t (a);"
    )
    .starts_with("clean"));
}
