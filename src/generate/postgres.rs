//! PostgreSQL recipes.

use super::{copy_backfill, object_name, substitute, Op, Recipe, Section};

/// The sections of a recipe, in file order.
pub fn sections(r: &Recipe) -> Vec<Section> {
    match &r.op {
        Op::RenameColumn { table, old, new, column_type, .. } => sync_column(r, table, old, new, column_type, "{}", "{}"),
        Op::ChangeType { table, column, new_type, new_column, using, reverse, .. } => {
            let convert = using.clone().unwrap_or_else(|| format!("CAST({{}} AS {new_type})"));
            sync_column(r, table, column, new_column, new_type, &convert, reverse.as_deref().unwrap_or("{}"))
        }
        Op::AddNotNull { table, column, default, current_default, .. } => {
            add_not_null(r, table, column, default.as_deref(), current_default.as_deref())
        }
        Op::AddForeignKey { table, column, ref_table, ref_column } => {
            let index = object_name(&[table, column, "idx"]);
            let fk = object_name(&[table, column, "fkey"]);
            vec![
                (
                    "expand".into(),
                    "The supporting index is built without blocking writes; the key is added NOT VALID,\nso it checks new rows at once and existing rows later.".into(),
                    vec![
                        format!("CREATE INDEX CONCURRENTLY {} ON {} ({})", r.q(&index), r.q(table), r.q(column)),
                        format!(
                            "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}) NOT VALID",
                            r.q(table), r.q(&fk), r.q(column), r.q(ref_table), r.q(ref_column)
                        ),
                    ],
                ),
                (
                    r.contract_marker(),
                    "Validation scans the table under a lock that lets reads and writes through.".into(),
                    vec![format!("ALTER TABLE {} VALIDATE CONSTRAINT {}", r.q(table), r.q(&fk))],
                ),
                (
                    "down".into(),
                    "Undo the expand phase.".into(),
                    vec![
                        format!("ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}", r.q(table), r.q(&fk)),
                        format!("DROP INDEX CONCURRENTLY IF EXISTS {}", r.q(&index)),
                    ],
                ),
            ]
        }
        Op::AddUnique { table, columns } => {
            let mut parts = vec![table.as_str()];
            parts.extend(columns.iter().map(String::as_str));
            parts.push("key");
            let name = object_name(&parts);
            let cols = columns.iter().map(|c| r.q(c)).collect::<Vec<_>>().join(", ");
            vec![
                (
                    "expand".into(),
                    "The unique index is built without blocking writes (it fails, and is rebuilt on\nthe next run, if duplicates exist: remove them first).".into(),
                    vec![format!("CREATE UNIQUE INDEX CONCURRENTLY {} ON {} ({cols})", r.q(&name), r.q(table))],
                ),
                (
                    r.contract_marker(),
                    "The constraint takes over the index: a short metadata change.".into(),
                    vec![format!("ALTER TABLE {} ADD CONSTRAINT {} UNIQUE USING INDEX {}", r.q(table), r.q(&name), r.q(&name))],
                ),
                ("down".into(), "Undo the expand phase.".into(), vec![format!("DROP INDEX CONCURRENTLY IF EXISTS {}", r.q(&name))]),
            ]
        }
        Op::AddIndex { table, columns } => {
            let mut parts = vec![table.as_str()];
            parts.extend(columns.iter().map(String::as_str));
            parts.push("idx");
            let name = object_name(&parts);
            let cols = columns.iter().map(|c| r.q(c)).collect::<Vec<_>>().join(", ");
            vec![
                (
                    "expand".into(),
                    "Built without blocking writes; bellows runs it outside a transaction.".into(),
                    vec![format!("CREATE INDEX CONCURRENTLY {} ON {} ({cols})", r.q(&name), r.q(table))],
                ),
                ("down".into(), "Undo the expand phase.".into(), vec![format!("DROP INDEX CONCURRENTLY IF EXISTS {}", r.q(&name))]),
            ]
        }
        Op::DropColumn { table, column, placeholder } => drop_column(r, table, column, placeholder.as_deref()),
        Op::RenameTable { old, new } => vec![
            (
                "expand".into(),
                "The table gets its new name; a view with the old name (simple views accept\nINSERT, UPDATE and DELETE) keeps the running app version working.".into(),
                vec![
                    format!("ALTER TABLE {} RENAME TO {}", r.q(old), r.q(new)),
                    format!("CREATE VIEW {} AS SELECT * FROM {}", r.q(old), r.q(new)),
                ],
            ),
            (r.contract_marker(), "Once no app uses the old name.".into(), vec![format!("DROP VIEW {}", r.q(old))]),
            (
                "down".into(),
                "Undo the expand phase.".into(),
                vec![format!("DROP VIEW {}", r.q(old)), format!("ALTER TABLE {} RENAME TO {}", r.q(new), r.q(old))],
            ),
        ],
    }
}

/// New column `new` kept in step with `old` by a trigger while both app versions run (each
/// side written from the other; `convert` computes the new value, `{}` standing for the old
/// column; `reverse` the old value from the new one, `{}` standing for the new column),
/// backfilled, and `old` dropped in the contract.
fn sync_column(
    r: &Recipe,
    table: &str,
    old: &str,
    new: &str,
    new_type: &str,
    convert: &str,
    reverse: &str,
) -> Vec<Section> {
    let function = object_name(&["bellows", table, old, "to", new]);
    let (t, o, n, f) = (r.q(table), r.q(old), r.q(new), r.q(&function));
    let forward = substitute(convert, &format!("NEW.{o}"));
    let backward = substitute(reverse, &format!("NEW.{n}"));
    let body = format!(
        "CREATE FUNCTION {f}() RETURNS trigger LANGUAGE plpgsql AS $bellows$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.{n} IS NULL THEN
            NEW.{n} := {forward};
        ELSE
            NEW.{o} := {backward};
        END IF;
    ELSIF NEW.{o} IS DISTINCT FROM OLD.{o} THEN
        NEW.{n} := {forward};
    ELSIF NEW.{n} IS DISTINCT FROM OLD.{n} THEN
        NEW.{o} := {backward};
    END IF;
    RETURN NEW;
END
$bellows$"
    );
    vec![
        (
            "expand".into(),
            format!("The new column, kept in step with {old} by a trigger while the old and the new\napp version both run (each side is written from the other)."),
            vec![
                format!("ALTER TABLE {t} ADD COLUMN {n} {new_type}"),
                body,
                format!("CREATE TRIGGER {f} BEFORE INSERT OR UPDATE ON {t} FOR EACH ROW EXECUTE FUNCTION {f}()"),
            ],
        ),
        copy_backfill(r, table, &n, &o, convert),
        (
            r.contract_marker(),
            format!("Once every running app uses {new}: the trigger and the old column go."),
            vec![format!("DROP TRIGGER {f} ON {t}"), format!("DROP FUNCTION {f}()"), format!("ALTER TABLE {t} DROP COLUMN {o}")],
        ),
        (
            "down".into(),
            "Undo the expand phase.".into(),
            vec![
                format!("DROP TRIGGER IF EXISTS {f} ON {t}"),
                format!("DROP FUNCTION IF EXISTS {f}()"),
                format!("ALTER TABLE {t} DROP COLUMN IF EXISTS {n}"),
            ],
        ),
    ]
}

/// Default (expand) → backfill → in the contract, once no app writes NULLs: CHECK NOT
/// VALID, VALIDATE (its own transaction: bellows runs it alone), SET NOT NULL (PostgreSQL
/// 12+ uses the validated CHECK instead of scanning), drop the CHECK. The down section puts
/// back the default the column had (`current`), or drops the recipe's.
fn add_not_null(
    r: &Recipe,
    table: &str,
    column: &str,
    default: Option<&str>,
    current: Option<&str>,
) -> Vec<Section> {
    let check = r.q(&object_name(&[table, column, "not_null"]));
    let (t, c) = (r.q(table), r.q(column));
    let expand = default
        .map(|d| format!("ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {d}"))
        .into_iter()
        .collect();
    let backfill = default
        .map(|d| format!("UPDATE {t} SET {c} = {d} WHERE {c} IS NULL"))
        .into_iter()
        .collect();
    let down = default
        .map(|_| match current {
            Some(cur) => format!("ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {cur}"),
            None => format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT"),
        })
        .into_iter()
        .collect();
    let down_comment = if current.is_some() {
        "Undo the expand phase: the column's previous default comes back."
    } else {
        "Undo the expand phase (the column had no default before: --current-default names one it had)."
    };
    vec![
        ("expand".into(), "New rows get the default from now on (a metadata-only change).".into(), expand),
        (format!("backfill table={table} key={}", r.key), "Fill existing NULLs in short batches.".into(), backfill),
        (
            r.contract_marker(),
            "Once no running app writes NULLs: the CHECK is added without a scan, VALIDATE scans\nwithout blocking writes (bellows gives it a transaction of its own), SET NOT NULL then\nuses the validated CHECK instead of scanning (PostgreSQL 12+), and the CHECK goes.".into(),
            vec![
                format!("ALTER TABLE {t} ADD CONSTRAINT {check} CHECK ({c} IS NOT NULL) NOT VALID"),
                format!("ALTER TABLE {t} VALIDATE CONSTRAINT {check}"),
                format!("ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL"),
                format!("ALTER TABLE {t} DROP CONSTRAINT {check}"),
            ],
        ),
        ("down".into(), down_comment.into(), down),
    ]
}

/// Contract only; with a placeholder, the column first gets it as its default (expand, a
/// catalog-only change), so the new app's inserts, which omit it, pass its NOT NULL.
fn drop_column(r: &Recipe, table: &str, column: &str, placeholder: Option<&str>) -> Vec<Section> {
    let (t, c) = (r.q(table), r.q(column));
    vec![
        (
            "expand".into(),
            "The column is NOT NULL without a default, and the new app no longer writes it: it\ngets a placeholder default (a catalog-only change) so the new app's inserts pass.".into(),
            placeholder.map(|p| format!("ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {p}")).into_iter().collect(),
        ),
        (
            r.contract_marker(),
            "Runs once no running app version reads or writes the column.".into(),
            vec![format!("ALTER TABLE {t} DROP COLUMN {c}")],
        ),
        (
            "down".into(),
            "Undo the expand phase.".into(),
            placeholder.map(|_| format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT")).into_iter().collect(),
        ),
    ]
}
