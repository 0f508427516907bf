//! `add-required-column`.

use crate::lint::support::{check_with, mysql, pg, rules_in, rules_pg};
use bellows::lint::LintOptions;
use bellows::Dialect;

#[test]
fn flags_not_null_without_default_on_postgres() {
    insta::assert_snapshot!(pg("ALTER TABLE users ADD COLUMN age integer NOT NULL;"));
}

#[test]
fn flags_not_null_without_default_on_mysql() {
    insta::assert_snapshot!(mysql(
        "ALTER TABLE users ADD COLUMN plan varchar(20) NOT NULL;"
    ));
}

#[test]
fn passes_defaults_nullable_columns_and_new_tables() {
    assert!(rules_pg("ALTER TABLE users ADD COLUMN age integer NOT NULL DEFAULT 0;").is_empty());
    assert!(rules_pg("ALTER TABLE users ADD COLUMN age integer;").is_empty());
    assert!(
        rules_pg("CREATE TABLE t (id bigint);\nALTER TABLE t ADD COLUMN a int NOT NULL;")
            .is_empty()
    );
    assert!(rules_in(
        Dialect::Mysql,
        "ALTER TABLE users ADD COLUMN plan varchar(20) NOT NULL DEFAULT 'free';"
    )
    .is_empty());
}

#[test]
fn token_path_flags_mariadb_if_not_exists() {
    let sql =
        "ALTER TABLE users ADD COLUMN IF NOT EXISTS plan varchar(20) NOT NULL, ALGORITHM=NOCOPY;";
    let mariadb = check_with(LintOptions::new(Dialect::Mariadb), sql);
    insta::assert_snapshot!(mariadb);
    let fine =
        "ALTER TABLE users ADD COLUMN IF NOT EXISTS plan varchar(20) NOT NULL DEFAULT 'free';";
    assert!(!rules_in(Dialect::Mariadb, fine).contains(&"add-required-column"));
}
