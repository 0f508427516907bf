//! `require-concurrent-reindex`.

use crate::lint::support::{at, pg, rules_pg};
use bellows::Dialect;

const ID: &str = "require-concurrent-reindex";

#[test]
fn flags_reindex_index_through_the_token_path() {
    insta::assert_snapshot!(pg("REINDEX INDEX users_email_idx;"));
}

#[test]
fn flags_reindex_table_with_options() {
    insta::assert_snapshot!(pg("REINDEX (VERBOSE) TABLE public.orders;"));
}

#[test]
fn on_postgres_11_explains_the_manual_rebuild_without_suggesting_concurrently() {
    insta::assert_snapshot!(at(Dialect::Postgres, "11", "REINDEX TABLE orders;"));
}

#[test]
fn passes_concurrently_system_and_new_tables() {
    for sql in [
        "REINDEX INDEX CONCURRENTLY users_email_idx;",
        "REINDEX (CONCURRENTLY, VERBOSE) TABLE orders;",
        "REINDEX SYSTEM;",
        "CREATE TABLE t (a int);\nREINDEX TABLE t;",
        "CREATE TABLE t (a int);\nCREATE INDEX t_a ON t (a);\nREINDEX INDEX t_a;",
    ] {
        assert!(!rules_pg(sql).contains(&ID), "{sql}");
    }
}

#[test]
fn warns_about_the_pg14_concurrent_build_bug() {
    insta::assert_snapshot!(at(
        Dialect::Postgres,
        "14.3",
        "REINDEX INDEX CONCURRENTLY users_email_idx;"
    ));
    let fixed = at(
        Dialect::Postgres,
        "14.4",
        "REINDEX INDEX CONCURRENTLY users_email_idx;",
    );
    assert!(!fixed.contains("require-concurrent-reindex"));
}
