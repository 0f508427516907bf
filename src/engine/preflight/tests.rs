//! Which conditions each kind of contract statement depends on.

use super::*;
use crate::sql::split;

fn of(sql: &str, dialect: Dialect) -> Vec<Condition> {
    conditions(&split(sql, dialect, 1).unwrap(), dialect)
        .into_iter()
        .map(|n| n.condition)
        .collect()
}

#[test]
fn postgres_add_not_null_recipe() {
    let sql = "ALTER TABLE \"users\" ADD CONSTRAINT \"users_name_not_null\" CHECK (\"name\" IS NOT NULL) NOT VALID;\n\
               ALTER TABLE \"users\" VALIDATE CONSTRAINT \"users_name_not_null\";\n\
               ALTER TABLE \"users\" ALTER COLUMN \"name\" SET NOT NULL;";
    assert_eq!(
        of(sql, Dialect::Postgres),
        vec![
            Condition::Check {
                table: "\"users\"".into(),
                expr: "\"name\" IS NOT NULL".into()
            },
            Condition::Validated {
                table: "\"users\"".into(),
                constraint: "users_name_not_null".into()
            },
            Condition::NotNull {
                table: "\"users\"".into(),
                column: "\"name\"".into()
            },
        ]
    );
}

#[test]
fn mysql_not_null_foreign_key_and_unique() {
    let sql = "ALTER TABLE `users` MODIFY COLUMN `name` varchar(100) NOT NULL DEFAULT '?', ALGORITHM=INPLACE, LOCK=NONE;\n\
               ALTER TABLE `users` ADD CONSTRAINT `fk` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`);\n\
               ALTER TABLE t ADD UNIQUE INDEX k (a, b);\n\
               ALTER TABLE t CHANGE a b int NOT NULL;";
    assert_eq!(
        of(sql, Dialect::Mariadb),
        vec![
            Condition::NotNull {
                table: "`users`".into(),
                column: "`name`".into()
            },
            Condition::ForeignKey {
                table: "`users`".into(),
                columns: vec!["`account_id`".into()],
                referenced: "`accounts`".into(),
                referenced_columns: vec!["`id`".into()],
            },
            Condition::Unique {
                table: "t".into(),
                columns: vec!["a".into(), "b".into()],
            },
            Condition::NotNull {
                table: "t".into(),
                column: "a".into()
            },
        ]
    );
}

#[test]
fn unquoted_constraint_names_fold_to_lower_case_and_others_add_nothing() {
    assert_eq!(
        of("ALTER TABLE t VALIDATE CONSTRAINT Fk_A;", Dialect::Postgres),
        vec![Condition::Validated {
            table: "t".into(),
            constraint: "fk_a".into()
        }]
    );
    assert!(of(
        "ALTER TABLE t DROP COLUMN a;\nDROP INDEX i;",
        Dialect::Postgres
    )
    .is_empty());
    assert_eq!(
        of(
            "CREATE UNIQUE INDEX CONCURRENTLY i ON t (email);",
            Dialect::Postgres
        ),
        vec![Condition::Unique {
            table: "t".into(),
            columns: vec!["email".into()]
        }]
    );
}
