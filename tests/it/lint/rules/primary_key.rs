//! `primary-key`.

use crate::lint::support::{mysql, pg, rules_in, rules_pg};
use bellows::Dialect;

#[test]
fn flags_add_primary_key_on_postgres() {
    insta::assert_snapshot!(pg("ALTER TABLE events ADD PRIMARY KEY (id);"));
}

#[test]
fn flags_dropping_the_primary_key_alone_on_mysql() {
    insta::assert_snapshot!(mysql("ALTER TABLE events DROP PRIMARY KEY;"));
}

#[test]
fn passes_using_index_and_new_tables() {
    assert!(rules_pg(
        "ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY USING INDEX events_pkey;"
    )
    .is_empty());
    assert!(
        rules_pg("CREATE TABLE t (id bigint NOT NULL);\nALTER TABLE t ADD PRIMARY KEY (id);")
            .is_empty()
    );
    assert!(rules_in(
        Dialect::Mysql,
        "CREATE TABLE t (id bigint NOT NULL);\nALTER TABLE t ADD PRIMARY KEY (id);"
    )
    .is_empty());
}
