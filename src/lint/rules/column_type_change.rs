//! `column-type-change`: `ALTER COLUMN ... TYPE` (PostgreSQL) or `MODIFY`/`CHANGE` (MySQL,
//! MariaDB) to a type that is not binary-compatible rewrites or copies the table under a
//! lock that blocks the app.

use super::support::alter::{alter_existing, asserts, AlterTable};
use super::support::recipes::{change_type, time_zone_is_utc};
use super::support::rewrite::ident;
use super::support::types::{type_change, TypeChange};
use crate::lint::{Finding, Rule, Severity, StatementContext};
use crate::schema::Column;
use sqlparser::ast::{AlterColumnOperation, AlterTableOperation, ColumnOption, DataType, Ident};

/// Flags column type changes on existing tables.
pub(crate) struct ColumnTypeChange;

const RECIPE: &str = "add a new column of the new type, keep both in sync with a trigger, \
backfill it, switch reads to it, and drop the old column in a contract phase";

impl Rule for ColumnTypeChange {
    fn id(&self) -> &'static str {
        "column-type-change"
    }

    fn default_severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "A column type change that rewrites (PostgreSQL) or copies (MySQL) the table."
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let Some(alter) = alter_existing(ctx) else {
            return;
        };
        let (table, ops) = (&alter.table, alter.operations());
        let mysql = ctx.dialect().is_mysql_family();
        if mysql
            && (asserts(ctx.tokens, "ALGORITHM", "INSTANT")
                || asserts(ctx.tokens, "ALGORITHM", "INPLACE")
                || asserts(ctx.tokens, "LOCK", "NONE"))
        {
            // The server refuses the statement rather than copy the table.
            return;
        }
        for (i, op) in ops.iter().enumerate() {
            let Some(change) = Change::of(op, ctx, &alter) else {
                continue;
            };
            let column = ident(change.column);
            let data_type = change.data_type;
            if let Some(old) = change.known {
                if let Some(mut finding) = self.known(ctx, &alter.shown(ctx), &column, old, &change)
                {
                    if !mysql && finding.suggestion.is_none() {
                        finding = finding.suggest(change_type(
                            &alter.written_name(ctx),
                            change.column,
                            change.data_type,
                            change.using,
                        ));
                    }
                    out.push(finding.on_table(table.clone()).at_some(alter.op_span(i)));
                }
                continue;
            }
            let widening = !mysql && is_unbounded_or_varchar(data_type);
            let finding = if mysql {
                Finding::new(
                    self.default_severity(),
                    format!("changing `{}`.`{column}` to {data_type} can copy the whole table", alter.shown(ctx)),
                    format!(
                        "MySQL and MariaDB copy the table (ALGORITHM=COPY, writes blocked) for most type \
                         changes; only growing a VARCHAR within the same length-byte range and appending \
                         ENUM/SET members are in place. Assert `ALGORITHM=INPLACE, LOCK=NONE` so the \
                         server refuses instead of copying; otherwise {RECIPE}."
                    ),
                )
                .suggest(format!("{}, ALGORITHM=INPLACE, LOCK=NONE;", ctx.sql.trim_end()))
            } else if widening {
                Finding::new(
                    Severity::Warning,
                    format!("changing `{}`.`{column}` to {data_type} is instant only when it widens a varchar", alter.shown(ctx)),
                    format!(
                        "From varchar(n) to a longer varchar or to text PostgreSQL changes only the \
                         catalog; from any other type it rewrites the table under ACCESS EXCLUSIVE. \
                         If the old type was varchar, allow this with a reason; otherwise {RECIPE}."
                    ),
                )
                .suggest(format!(
                    "-- bellows:allow column-type-change it widens a varchar: catalog only, no rewrite\n{};\n\
                     -- (from any other type, use the new-column recipe: `bellows new --op change-type`)",
                    ctx.sql.trim_end()
                ))
            } else {
                Finding::new(
                    self.default_severity(),
                    format!("changing `{}`.`{column}` to {data_type} rewrites the table under an ACCESS EXCLUSIVE lock", alter.shown(ctx)),
                    format!(
                        "PostgreSQL rewrites every row and rebuilds every index of the table while \
                         holding ACCESS EXCLUSIVE: reads and writes wait for the whole rewrite, and the \
                         app version still running may not understand the new type. Instead, {RECIPE}."
                    ),
                )
                .suggest(change_type(&alter.written_name(ctx), change.column, change.data_type, change.using))
            };
            out.push(finding.on_table(table.clone()).at_some(alter.op_span(i)));
        }
    }
}

impl ColumnTypeChange {
    /// The finding for a column whose old type the folder's model knows: none when nothing
    /// is rewritten or copied, else advice naming the old type.
    fn known(
        &self,
        ctx: &StatementContext<'_>,
        table: &str,
        column: &str,
        old: &Column,
        change: &Change<'_>,
    ) -> Option<Finding> {
        let dialect = ctx.dialect();
        let new = change.data_type.to_string();
        let kept = !dialect.is_mysql_family() || (old.nullable == change.nullable && change.plain);
        let why = match type_change(&old.type_normalized, &new, dialect) {
            TypeChange::Same | TypeChange::Cheap(_) if kept && !change.using => return None,
            TypeChange::Rewrite(why) => why,
            TypeChange::TimeZone if ctx.version().at_least(12, 0) && !change.using => {
                return (!time_zone_is_utc(ctx)).then(|| {
                    Finding::new(
                        Severity::Warning,
                        format!("changing `{table}`.`{column}` from {} to {new} rewrites the table unless the session time zone is UTC", old.type_written),
                        "From PostgreSQL 12, timestamp to timestamptz changes only the catalog when \
                         the session TimeZone is UTC (the stored values already mean UTC instants); \
                         in any other time zone PostgreSQL rewrites every row and rebuilds the \
                         indexes under ACCESS EXCLUSIVE, reading the old values in that zone. Set \
                         the time zone to UTC before the statement.",
                    )
                    .suggest(format!("SET TimeZone = 'UTC';\n{};", ctx.sql.trim_end()))
                });
            }
            TypeChange::TimeZone => format!(
                "{} to {new} rewrites every row before PostgreSQL 12",
                old.type_written
            ),
            _ if dialect.is_mysql_family() => format!(
                "changing {} or the column's options makes MySQL and MariaDB rebuild or copy the table",
                if old.nullable == change.nullable { "the type" } else { "NULL to NOT NULL or back" }
            ),
            _ => "a USING expression makes PostgreSQL rewrite every row".to_string(),
        };
        let from = &old.type_written;
        let finding = if dialect.is_mysql_family() {
            Finding::new(
                self.default_severity(),
                format!(
                    "changing `{table}`.`{column}` from {from} to {new} can copy the whole table"
                ),
                format!(
                    "{why}. Assert `ALGORITHM=INPLACE, LOCK=NONE` so the server refuses instead of \
                     copying; otherwise {RECIPE}."
                ),
            )
            .suggest(format!(
                "{}, ALGORITHM=INPLACE, LOCK=NONE;",
                ctx.sql.trim_end()
            ))
        } else {
            Finding::new(
                self.default_severity(),
                format!("changing `{table}`.`{column}` from {from} to {new} rewrites the table under an ACCESS EXCLUSIVE lock"),
                format!(
                    "{why}, while holding ACCESS EXCLUSIVE: reads and writes wait for the whole \
                     rewrite, and the app version still running may not understand the new type. \
                     Instead, {RECIPE}."
                ),
            )
        };
        Some(finding)
    }
}

/// One column type change of the statement.
struct Change<'a> {
    /// The column (its new name for `CHANGE`).
    column: &'a Ident,
    data_type: &'a DataType,
    /// The column as the folder's model had it before.
    known: Option<&'a Column>,
    /// NULL allowed after the change (MySQL: no `NOT NULL` in the new definition).
    nullable: bool,
    /// MySQL: the new definition has no option but NULL, NOT NULL, DEFAULT and COMMENT.
    plain: bool,
    /// PostgreSQL: a `USING` expression.
    using: bool,
}

impl<'a> Change<'a> {
    fn of(
        op: &'a AlterTableOperation,
        ctx: &StatementContext<'a>,
        alter: &AlterTable<'a>,
    ) -> Option<Change<'a>> {
        let (column, old, data_type, options, using) = match op {
            AlterTableOperation::AlterColumn {
                column_name,
                op:
                    AlterColumnOperation::SetDataType {
                        data_type, using, ..
                    },
            } => (
                column_name,
                column_name,
                data_type,
                &[][..],
                using.is_some(),
            ),
            AlterTableOperation::ModifyColumn {
                col_name,
                data_type,
                options,
                ..
            } => (col_name, col_name, data_type, options.as_slice(), false),
            AlterTableOperation::ChangeColumn {
                old_name,
                new_name,
                data_type,
                options,
                ..
            } => (new_name, old_name, data_type, options.as_slice(), false),
            _ => return None,
        };
        let known = alter.known_column(ctx, old).map(|(_, c)| c);
        let not_null = options.contains(&ColumnOption::NotNull);
        // MODIFY/CHANGE ... NOT NULL of a column that allowed NULL is set-not-null's, unless
        // the type known before changes too (then both are reported, each with its reason).
        let same_type = |c: &Column| {
            let new = data_type.to_string();
            matches!(
                type_change(&c.type_normalized, &new, ctx.dialect()),
                TypeChange::Same
            )
        };
        if not_null && known.is_none_or(|c| c.nullable && same_type(c)) {
            return None;
        }
        let plain = options.iter().all(|o| {
            matches!(
                o,
                ColumnOption::Null
                    | ColumnOption::NotNull
                    | ColumnOption::Default(_)
                    | ColumnOption::Comment(_)
            )
        });
        Some(Change {
            column,
            data_type,
            known,
            nullable: !not_null,
            plain,
            using,
        })
    }
}

fn is_unbounded_or_varchar(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Text | DataType::Varchar(_) | DataType::CharacterVarying(_)
    )
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{mysql, pg, rules_in, rules_pg};
    use crate::sql::Dialect;

    #[test]
    fn flags_a_rewriting_type_change_on_postgres() {
        insta::assert_snapshot!(pg("ALTER TABLE users ALTER COLUMN id TYPE bigint;"));
    }

    #[test]
    fn warns_on_a_varchar_target_that_may_only_widen() {
        insta::assert_snapshot!(pg("ALTER TABLE users ALTER COLUMN name TYPE varchar(200);"));
    }

    #[test]
    fn flags_modify_on_mysql_without_an_algorithm_assertion() {
        insta::assert_snapshot!(mysql("ALTER TABLE users MODIFY name varchar(300);"));
    }

    #[test]
    fn passes_new_tables_and_asserted_online_changes() {
        assert!(
            rules_pg("CREATE TABLE t (a int);\nALTER TABLE t ALTER COLUMN a TYPE bigint;")
                .is_empty()
        );
        assert!(rules_in(
            Dialect::Mysql,
            "ALTER TABLE users MODIFY name varchar(300), ALGORITHM=INPLACE, LOCK=NONE;"
        )
        .is_empty());
    }
}

#[cfg(test)]
mod folder_tests {
    use crate::lint::testing::{folder_check, folder_rules};
    use crate::sql::Dialect::{Mariadb, Mysql, Postgres};

    const PG_USERS: &str =
        "CREATE TABLE users (id int PRIMARY KEY, token uuid, name varchar(50), n int);";
    const MY_USERS: &str =
        "CREATE TABLE users (id int PRIMARY KEY, name VARCHAR(40), n INT NOT NULL);";

    #[test]
    fn restating_the_type_an_earlier_file_gave_is_not_a_change() {
        let again = "ALTER TABLE users ALTER COLUMN token TYPE uuid;";
        assert!(folder_rules(Postgres, &[PG_USERS, again]).is_empty());
        assert_eq!(folder_rules(Postgres, &[again]), ["column-type-change"]);
        let t = "ALTER TABLE users ALTER COLUMN token TYPE text;";
        assert_eq!(
            folder_rules(Postgres, &[PG_USERS, t]),
            ["column-type-change"]
        );
        for d in [Mysql, Mariadb] {
            let same = "ALTER TABLE users MODIFY name varchar(40);";
            assert!(folder_rules(d, &[MY_USERS, same]).is_empty());
            assert_eq!(folder_rules(d, &[same]), ["column-type-change"]);
        }
    }

    #[test]
    fn postgres_varchar_widening_is_metadata_only() {
        for to in ["varchar(80)", "text", "varchar"] {
            let sql = format!("ALTER TABLE users ALTER COLUMN name TYPE {to};");
            assert!(folder_rules(Postgres, &[PG_USERS, &sql]).is_empty(), "{to}");
        }
        let shrink = "ALTER TABLE users ALTER COLUMN name TYPE varchar(20);";
        assert_eq!(
            folder_rules(Postgres, &[PG_USERS, shrink]),
            ["column-type-change"]
        );
    }

    #[test]
    fn timestamp_to_timestamptz_is_a_rewrite_only_outside_utc_on_12_plus() {
        const EVENTS: &str = "CREATE TABLE events (id int PRIMARY KEY, at timestamp);";
        let change = "ALTER TABLE events ALTER COLUMN at TYPE timestamptz;";
        insta::assert_snapshot!(folder_check(Postgres, &[EVENTS, change]));
        let utc = format!("SET TimeZone = 'UTC';\n{change}");
        assert!(folder_rules(Postgres, &[EVENTS, &utc]).is_empty());
        let mut o = crate::lint::LintOptions::new(Postgres);
        o.server_version = Some("11".parse().unwrap());
        let old = crate::lint::testing::folder_report(o, &[], false, &[EVENTS, &utc]);
        let messages: Vec<_> = old.diagnostics().map(|d| d.message.clone()).collect();
        assert!(
            messages[0].contains("rewrites the table under"),
            "{messages:?}"
        );
    }

    #[test]
    fn flags_int_to_bigint_naming_the_old_type() {
        insta::assert_snapshot!(folder_check(
            Postgres,
            &[PG_USERS, "ALTER TABLE users ALTER COLUMN n TYPE bigint;"]
        ));
    }

    #[test]
    fn mysql_varchar_growth_within_its_length_byte_class_is_in_place() {
        let grow = "ALTER TABLE users MODIFY name VARCHAR(60);";
        assert!(folder_rules(Mysql, &[MY_USERS, grow]).is_empty());
        insta::assert_snapshot!(folder_check(
            Mysql,
            &[MY_USERS, "ALTER TABLE users MODIFY name VARCHAR(300);"]
        ));
    }

    #[test]
    fn mysql_type_change_of_a_not_null_column_is_still_flagged() {
        let sql = "ALTER TABLE users MODIFY n BIGINT NOT NULL;";
        assert_eq!(
            folder_rules(Mariadb, &[MY_USERS, sql]),
            ["column-type-change"]
        );
    }
}
