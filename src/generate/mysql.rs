//! MySQL and MariaDB recipes: online ALTERs asserted with `ALGORITHM`/`LOCK` (the server
//! refuses instead of silently copying the table), triggers per event.

use super::{object_name, substitute, Op, Recipe, Section};
use crate::{Error, Result};

/// The sections of a recipe, in file order.
pub fn sections(r: &Recipe) -> Result<Vec<Section>> {
    Ok(match &r.op {
        Op::RenameColumn { table, old, new, column_type } => {
            let mut sections = sync_column(r, table, old, new, column_type, "{}", "{}");
            default_for_old_column(r, &mut sections, table, old, column_type);
            sections
        }
        Op::ChangeType { table, column, new_type, new_column, using, reverse } => {
            sync_column(r, table, column, new_column, new_type, using.as_deref().unwrap_or("{}"), reverse.as_deref().unwrap_or("{}"))
        }
        Op::AddNotNull { table, column, default, column_type } => {
            let column_type = column_type.as_deref().ok_or_else(|| {
                Error::Config("add-not-null on MySQL/MariaDB needs --type: the column is redefined with MODIFY".into())
            })?;
            add_not_null(r, table, column, column_type, default.as_deref())
        }
        Op::AddForeignKey { table, column, ref_table, ref_column } => {
            let (t, index, fk) = (r.q(table), r.q(&object_name(&[table, column, "idx"])), r.q(&object_name(&[table, column, "fkey"])));
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
        Op::DropColumn { table, column } => vec![(
            r.contract_marker(),
            "Runs once no running app version reads or writes the column.".into(),
            vec![format!("ALTER TABLE {} DROP COLUMN {}, ALGORITHM=INPLACE, LOCK=NONE", r.q(table), r.q(column))],
        )],
        Op::RenameTable { .. } => {
            return Err(Error::Refused(
                "rename-table is not generated for MySQL/MariaDB: the table cannot be renamed and a view with the old name \
                 created in one atomic step, so the running app would see errors in between; keep the old name, or rename \
                 during a maintenance window"
                    .into(),
            ))
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

/// MySQL checks a NOT NULL column without a default before BEFORE INSERT triggers run, so
/// the new app's inserts (which omit the old column) would be refused: give the old column a
/// default in the expand phase (metadata only; the insert trigger overwrites it from the new
/// column, so it never reaches a row) and drop it in the down section.
fn default_for_old_column(
    r: &Recipe,
    sections: &mut [Section],
    table: &str,
    old: &str,
    column_type: &str,
) {
    let Some(literal) = default_literal(column_type) else {
        return;
    };
    let (t, o) = (r.q(table), r.q(old));
    for (marker, comment, statements) in sections.iter_mut() {
        if marker == "expand" {
            statements.insert(
                1,
                format!("ALTER TABLE {t} ALTER COLUMN {o} SET DEFAULT {literal}"),
            );
            comment.push_str(
                "\nThe old column gets a default: the server checks NOT NULL before triggers run.",
            );
        } else if marker == "down" {
            statements.push(format!("ALTER TABLE {t} ALTER COLUMN {o} DROP DEFAULT"));
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
        (
            format!("backfill table={table} key={}", r.key),
            "Copies existing rows in short batches; the predicate skips rows already done.".into(),
            vec![format!("UPDATE {t} SET {n} = {} WHERE {n} IS NULL AND {o} IS NOT NULL", substitute(convert, &o))],
        ),
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

fn add_not_null(
    r: &Recipe,
    table: &str,
    column: &str,
    column_type: &str,
    default: Option<&str>,
) -> Vec<Section> {
    let (t, c) = (r.q(table), r.q(column));
    let default_clause = default.map(|d| format!(" DEFAULT {d}")).unwrap_or_default();
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
        (
            "down".into(),
            "Undo the expand phase.".into(),
            default.map(|_| format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT")).into_iter().collect(),
        ),
    ]
}
