//! MySQL and MariaDB recipes: online ALTERs asserted with `ALGORITHM`/`LOCK` (the server
//! refuses instead of silently copying the table), triggers per event.

use super::{copy_backfill, object_name, substitute, Op, Recipe, Section};
use crate::{Error, Result};

/// The sections of a recipe, in file order.
pub fn sections(r: &Recipe) -> Result<Vec<Section>> {
    Ok(match &r.op {
        Op::RenameColumn {
            table,
            old,
            new,
            column_type,
            placeholder,
        } => {
            let literal = placeholder.as_deref().or_else(|| default_literal(column_type)).ok_or_else(|| {
                Error::Config(format!(
                    "rename-column on MySQL/MariaDB needs --placeholder LITERAL for a column of type {column_type}: \
                     any value of that type (the old column's default for the moment between the contract's \
                     trigger drops and its column drop)"
                ))
            })?;
            let mut sections = sync_column(r, table, old, new, column_type, "{}", "{}");
            placeholder_before_contract(r, &mut sections, table, old, literal);
            sections
        }
        Op::ChangeType {
            table,
            column,
            new_type,
            new_column,
            using,
            reverse,
            placeholder,
        } => {
            let literal = placeholder.as_deref().or_else(|| default_literal(new_type).map(|_| "0")).ok_or_else(|| {
                Error::Config(format!(
                    "change-type to {new_type} on MySQL/MariaDB needs --placeholder LITERAL: any value of the \
                     column's current type (its default for the moment between the contract's trigger drops and \
                     its column drop)"
                ))
            })?;
            let mut sections = sync_column(
                r,
                table,
                column,
                new_column,
                new_type,
                using.as_deref().unwrap_or("{}"),
                reverse.as_deref().unwrap_or("{}"),
            );
            placeholder_before_contract(r, &mut sections, table, column, literal);
            sections
        }
        Op::AddNotNull {
            table,
            column,
            default,
            column_type,
            current_default,
        } => {
            let column_type = column_type.as_deref().ok_or_else(|| {
                Error::Config("add-not-null on MySQL/MariaDB needs --type: the column is redefined with MODIFY".into())
            })?;
            add_not_null(
                r,
                table,
                column,
                column_type,
                default.as_deref(),
                current_default.as_deref(),
            )
        }
        Op::AddForeignKey {
            table,
            column,
            ref_table,
            ref_column,
        } => {
            let (t, index, fk) = (
                r.q(table),
                r.q(&object_name(&[table, column, "idx"])),
                r.q(&object_name(&[table, column, "fkey"])),
            );
            vec![
                (
                    "expand".into(),
                    "The supporting index, built online.".into(),
                    vec![format!("ALTER TABLE {t} ADD INDEX {index} ({}), ALGORITHM=INPLACE, LOCK=NONE", r.q(column))],
                ),
                (
                    r.contract_marker(),
                    "With foreign_key_checks off the key is added in place, without copying the table;\nexisting rows are not checked, so make sure none are orphaned before this runs.".into(),
                    vec![
                        "SET foreign_key_checks = 0".into(),
                        format!(
                            "ALTER TABLE {t} ADD CONSTRAINT {fk} FOREIGN KEY ({}) REFERENCES {} ({}), ALGORITHM=INPLACE, LOCK=NONE",
                            r.q(column),
                            r.q(ref_table),
                            r.q(ref_column)
                        ),
                        "SET foreign_key_checks = 1".into(),
                    ],
                ),
                ("down".into(), "Undo the expand phase.".into(), vec![format!("ALTER TABLE {t} DROP INDEX {index}, ALGORITHM=INPLACE, LOCK=NONE")]),
            ]
        }
        Op::AddUnique { table, columns } => index_recipe(r, table, columns, true),
        Op::AddIndex { table, columns } => index_recipe(r, table, columns, false),
        Op::DropColumn {
            table,
            column,
            placeholder,
        } => {
            let (t, c) = (r.q(table), r.q(column));
            vec![
                (
                    "expand".into(),
                    "The column is NOT NULL without a default, and the new app no longer writes it: it\ngets a placeholder default (metadata only) so the new app's inserts pass.".into(),
                    placeholder.iter().map(|p| format!("ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {p}")).collect(),
                ),
                (
                    r.contract_marker(),
                    "Runs once no running app version reads or writes the column.".into(),
                    vec![format!("ALTER TABLE {t} DROP COLUMN {c}, ALGORITHM=INPLACE, LOCK=NONE")],
                ),
                (
                    "down".into(),
                    "Undo the expand phase.".into(),
                    placeholder.iter().map(|_| format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT")).collect(),
                ),
            ]
        }
        Op::RenameTable { old, new } => {
            let (o, n, parked) = (
                r.q(old),
                r.q(new),
                r.q(&object_name(&["bellows", old, "to", new, "view"])),
            );
            vec![
                (
                    "expand".into(),
                    format!(
                        "A view with the new name (simple views accept INSERT, UPDATE and DELETE) lets the\nnew app version use {new} while the table keeps its old name for the running one."
                    ),
                    vec![format!("CREATE VIEW {n} AS SELECT * FROM {o}")],
                ),
                (
                    r.contract_marker(),
                    format!(
                        "Once no app uses {old}: one RENAME TABLE moves the view aside and gives the table\nits new name, atomically (no query finds {new} missing); then the view goes."
                    ),
                    vec![format!("RENAME TABLE {n} TO {parked}, {o} TO {n}"), format!("DROP VIEW IF EXISTS {parked}")],
                ),
                ("down".into(), "Undo the expand phase.".into(), vec![format!("DROP VIEW IF EXISTS {n}")]),
            ]
        }
    })
}

fn index_recipe(r: &Recipe, table: &str, columns: &[String], unique: bool) -> Vec<Section> {
    let mut parts = vec![table];
    parts.extend(columns.iter().map(String::as_str));
    parts.push(if unique { "key" } else { "idx" });
    let name = r.q(&object_name(&parts));
    let cols = columns
        .iter()
        .map(|c| r.q(c))
        .collect::<Vec<_>>()
        .join(", ");
    let kind = if unique { "UNIQUE INDEX" } else { "INDEX" };
    let t = r.q(table);
    vec![
        (
            "expand".into(),
            "Built online: reads and writes go on; the server refuses rather than copy the table."
                .into(),
            vec![format!(
                "ALTER TABLE {t} ADD {kind} {name} ({cols}), ALGORITHM=INPLACE, LOCK=NONE"
            )],
        ),
        (
            "down".into(),
            "Undo the expand phase.".into(),
            vec![format!(
                "ALTER TABLE {t} DROP INDEX {name}, ALGORITHM=INPLACE, LOCK=NONE"
            )],
        ),
    ]
}

/// A literal default for a column of `column_type`, for the families that take one.
fn default_literal(column_type: &str) -> Option<&'static str> {
    let t = column_type.to_ascii_lowercase();
    if t.contains("char") || t.starts_with("enum") || t.starts_with("set") {
        Some("''")
    } else if [
        "int", "decimal", "numeric", "float", "double", "real", "bit",
    ]
    .iter()
    .any(|k| t.contains(k))
    {
        Some("0")
    } else {
        None
    }
}

/// The contract drops the triggers, then the old column (separate statements: MySQL DDL is
/// not transactional). In between, the new app's inserts omit the old column with no trigger
/// to fill it, and a NOT NULL column without a default would refuse them (error 1364): the
/// contract first gives the old column a placeholder default (metadata only). While the
/// triggers exist it is not needed (the server checks NOT NULL after BEFORE triggers), and
/// the rows that get it lose the column a moment later.
fn placeholder_before_contract(
    r: &Recipe,
    sections: &mut [Section],
    table: &str,
    old: &str,
    literal: &str,
) {
    let (t, o) = (r.q(table), r.q(old));
    for (marker, comment, statements) in sections.iter_mut() {
        if marker.starts_with("contract") {
            statements.insert(
                0,
                format!("ALTER TABLE {t} ALTER COLUMN {o} SET DEFAULT {literal}"),
            );
            comment.push_str(&format!(
                "\n{old} first gets a placeholder default: between the trigger drops and the column drop,\nthe new app's inserts omit it with no trigger to fill it."
            ));
        }
    }
}

/// New column kept in step with the old one by triggers (see the PostgreSQL twin); the
/// update trigger is created first, so no row can change between the two unseen.
fn sync_column(
    r: &Recipe,
    table: &str,
    old: &str,
    new: &str,
    new_type: &str,
    convert: &str,
    reverse: &str,
) -> Vec<Section> {
    let base = object_name(&["bellows", table, old, "to", new]);
    let (ins, upd) = (
        r.q(&format!("{}_ins", &base[..base.len().min(59)])),
        r.q(&format!("{}_upd", &base[..base.len().min(59)])),
    );
    let (t, o, n) = (r.q(table), r.q(old), r.q(new));
    let forward = substitute(convert, &format!("NEW.{o}"));
    let backward = substitute(reverse, &format!("NEW.{n}"));
    let update_trigger = format!(
        "CREATE TRIGGER {upd} BEFORE UPDATE ON {t} FOR EACH ROW\nBEGIN\n    IF NOT (NEW.{o} <=> OLD.{o}) THEN\n        SET NEW.{n} = {forward};\n    ELSEIF NOT (NEW.{n} <=> OLD.{n}) THEN\n        SET NEW.{o} = {backward};\n    END IF;\nEND"
    );
    vec![
        (
            "expand".into(),
            format!("The new column, kept in step with {old} by triggers while the old and the new\napp version both run (each side is written from the other)."),
            vec![
                format!("ALTER TABLE {t} ADD COLUMN {n} {new_type}, ALGORITHM=INSTANT"),
                update_trigger,
                format!(
                    "CREATE TRIGGER {ins} BEFORE INSERT ON {t} FOR EACH ROW\nBEGIN\n    IF NEW.{n} IS NULL THEN\n        SET NEW.{n} = {forward};\n    ELSE\n        SET NEW.{o} = {backward};\n    END IF;\nEND"
                ),
            ],
        ),
        copy_backfill(r, table, &n, &o, convert),
        (
            r.contract_marker(),
            format!("Once every running app uses {new}: the triggers and the old column go."),
            vec![format!("DROP TRIGGER {ins}"), format!("DROP TRIGGER {upd}"), format!("ALTER TABLE {t} DROP COLUMN {o}, ALGORITHM=INPLACE, LOCK=NONE")],
        ),
        (
            "down".into(),
            "Undo the expand phase.".into(),
            vec![
                format!("DROP TRIGGER IF EXISTS {ins}"),
                format!("DROP TRIGGER IF EXISTS {upd}"),
                format!("ALTER TABLE {t} DROP COLUMN {n}, ALGORITHM=INPLACE, LOCK=NONE"),
            ],
        ),
    ]
}

/// See the PostgreSQL twin; the contract is one online `MODIFY`, which restates the default
/// (the new one, else the one the column has).
fn add_not_null(
    r: &Recipe,
    table: &str,
    column: &str,
    column_type: &str,
    default: Option<&str>,
    current: Option<&str>,
) -> Vec<Section> {
    let (t, c) = (r.q(table), r.q(column));
    let default_clause = default
        .or(current)
        .map(|d| format!(" DEFAULT {d}"))
        .unwrap_or_default();
    let down = default.map(|_| match current {
        Some(cur) => format!("ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {cur}"),
        None => format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT"),
    });
    let down_comment = if current.is_some() {
        "Undo the expand phase: the column's previous default comes back."
    } else {
        "Undo the expand phase (the column had no default before: --current-default names one it had)."
    };
    vec![
        (
            "expand".into(),
            "New rows get the default from now on (a metadata-only change).".into(),
            default.map(|d| format!("ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {d}")).into_iter().collect(),
        ),
        (
            format!("backfill table={table} key={}", r.key),
            "Fill existing NULLs in short batches.".into(),
            default.map(|d| format!("UPDATE {t} SET {c} = {d} WHERE {c} IS NULL")).into_iter().collect(),
        ),
        (
            r.contract_marker(),
            "Rebuilt in place while reads and writes go on; fails (and changes nothing) if a NULL is left.".into(),
            vec![format!("ALTER TABLE {t} MODIFY COLUMN {c} {column_type} NOT NULL{default_clause}, ALGORITHM=INPLACE, LOCK=NONE")],
        ),
        ("down".into(), down_comment.into(), down.into_iter().collect()),
    ]
}
