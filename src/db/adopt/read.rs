//! The queries: which history tables exist, and their rows, per tool and dialect.

use super::{Covers, History, HistoryEntry, Tool};
use crate::db::{Backend, Row, SqlValue};
use crate::{Dialect, Result};

/// The tools whose history table is in the current schema (database, on MySQL/MariaDB).
///
/// # Errors
/// Database errors.
pub(crate) async fn detect(db: &mut dyn Backend) -> Result<Vec<Tool>> {
    let mut found = Vec::new();
    for tool in Tool::ALL {
        if found.iter().any(|t: &Tool| t.table() == tool.table()) {
            continue;
        }
        if !table_exists(db, tool.table()).await? {
            continue;
        }
        let tool = match tool.table() {
            "schema_migrations" => schema_migrations_tool(db).await?,
            _ => tool,
        };
        found.push(tool);
    }
    Ok(found)
}

/// Which tool wrote `schema_migrations`: golang-migrate keeps a `dirty` column, Rails keeps
/// `ar_internal_metadata` beside it, dbmate neither.
async fn schema_migrations_tool(db: &mut dyn Backend) -> Result<Tool> {
    if column_exists(db, "schema_migrations", "dirty").await? {
        Ok(Tool::GolangMigrate)
    } else if table_exists(db, "ar_internal_metadata").await? {
        Ok(Tool::Rails)
    } else {
        Ok(Tool::Dbmate)
    }
}

fn schema_expr(d: Dialect) -> &'static str {
    if d.is_mysql_family() {
        "DATABASE()"
    } else {
        "current_schema()"
    }
}

async fn table_exists(db: &mut dyn Backend, table: &str) -> Result<bool> {
    let d = db.dialect();
    let sql = format!(
        "SELECT {} FROM information_schema.tables WHERE table_schema = {} AND table_name = {}",
        d.cast_to_text("COUNT(*)"),
        schema_expr(d),
        d.placeholder(1)
    );
    let rows = db.query(&sql, &[SqlValue::Text(table.into())]).await?;
    Ok(Row::scalar(&rows).is_some_and(|n| n != "0"))
}

async fn column_exists(db: &mut dyn Backend, table: &str, column: &str) -> Result<bool> {
    let d = db.dialect();
    let sql = format!(
        "SELECT {} FROM information_schema.columns WHERE table_schema = {} AND table_name = {} AND column_name = {}",
        d.cast_to_text("COUNT(*)"),
        schema_expr(d),
        d.placeholder(1),
        d.placeholder(2)
    );
    let binds = [SqlValue::Text(table.into()), SqlValue::Text(column.into())];
    let rows = db.query(&sql, &binds).await?;
    Ok(Row::scalar(&rows).is_some_and(|n| n != "0"))
}

/// `CASE WHEN col THEN '1' ELSE '0' END`: a boolean as text on both dialects.
fn flag(col: &str) -> String {
    format!("CASE WHEN {col} THEN '1' ELSE '0' END")
}

/// The rows of `tool`'s history table.
///
/// # Errors
/// Database errors (a table that is not the tool's shape fails here).
pub(crate) async fn read(db: &mut dyn Backend, tool: Tool) -> Result<History> {
    let d = db.dialect();
    let t = |e: &str| d.cast_to_text(e);
    let sql = match tool {
        Tool::Sqlx => {
            let hex = if d.is_mysql_family() {
                "LOWER(HEX(checksum))"
            } else {
                "encode(checksum, 'hex')"
            };
            format!(
                "SELECT {}, {}, {hex}, {}, {} FROM _sqlx_migrations ORDER BY version",
                t("version"),
                t("description"),
                t("installed_on"),
                flag("success")
            )
        }
        Tool::Dbmate | Tool::Rails => format!(
            "SELECT {}, NULL, NULL, NULL, '1' FROM schema_migrations ORDER BY version",
            t("version")
        ),
        Tool::GolangMigrate => format!(
            "SELECT {}, NULL, NULL, NULL, {} FROM schema_migrations",
            t("version"),
            flag("NOT dirty")
        ),
        Tool::Refinery => format!(
            "SELECT {}, {}, {}, {}, '1' FROM refinery_schema_history ORDER BY version",
            t("version"),
            t("name"),
            t("checksum"),
            t("applied_on")
        ),
        Tool::Flyway => format!(
            "SELECT {}, {}, {}, {}, {}, {} FROM flyway_schema_history ORDER BY installed_rank",
            t("version"),
            t("description"),
            t("checksum"),
            t("installed_on"),
            flag("success"),
            t("type")
        ),
    };
    let rows = db.query(&sql, &[]).await?;
    let entries = if tool == Tool::Flyway {
        flyway_entries(&rows)
    } else {
        let covers = if tool == Tool::GolangMigrate {
            Covers::Through
        } else {
            Covers::This
        };
        rows.iter().map(|r| entry(r, covers)).collect()
    };
    Ok(History { tool, entries })
}

fn entry(row: &Row, covers: Covers) -> HistoryEntry {
    HistoryEntry {
        version: row.text(0).trim().to_string(),
        name: row.opt_text(1).map(str::to_string),
        checksum: row.opt_text(2).map(str::to_string),
        applied_at: row.opt_text(3).map(str::to_string),
        succeeded: row.opt_text(4) == Some("1"),
        covers,
    }
}

/// Flyway's rows in rank order: repeatable migrations (no version) and its schema-creation
/// marker are not versions; a baseline covers every version up to it; a `DELETE` (repair)
/// or `UNDO_SQL` row takes its version back.
fn flyway_entries(rows: &[Row]) -> Vec<HistoryEntry> {
    let mut entries: Vec<HistoryEntry> = Vec::new();
    for row in rows {
        let kind = row.text(5).to_ascii_uppercase();
        if row.opt_text(0).is_none() || kind == "SCHEMA" {
            continue;
        }
        let covers = if kind.contains("BASELINE") {
            Covers::Baseline
        } else {
            Covers::This
        };
        let e = entry(row, covers);
        if kind == "DELETE" || kind.starts_with("UNDO") {
            entries.retain(|x| x.version != e.version);
            continue;
        }
        entries.push(e);
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cols: &[Option<&str>]) -> Row {
        Row(cols.iter().map(|c| c.map(str::to_string)).collect())
    }

    #[test]
    fn flyway_rows_become_versions() {
        let rows = [
            row(&[
                Some("0"),
                Some("<< Flyway Schema Creation >>"),
                None,
                None,
                Some("1"),
                Some("SCHEMA"),
            ]),
            row(&[
                Some("1"),
                Some("base"),
                None,
                None,
                Some("1"),
                Some("BASELINE"),
            ]),
            row(&[
                Some("2"),
                Some("users"),
                Some("-12"),
                None,
                Some("1"),
                Some("SQL"),
            ]),
            row(&[None, Some("views"), Some("7"), None, Some("1"), Some("SQL")]),
            row(&[
                Some("3"),
                Some("gone"),
                Some("5"),
                None,
                Some("1"),
                Some("SQL"),
            ]),
            row(&[
                Some("3"),
                Some("gone"),
                None,
                None,
                Some("1"),
                Some("DELETE"),
            ]),
        ];
        let e = flyway_entries(&rows);
        let versions: Vec<_> = e.iter().map(|e| (e.version.as_str(), e.covers)).collect();
        assert_eq!(versions, [("1", Covers::Baseline), ("2", Covers::This)]);
        assert_eq!(e[1].checksum.as_deref(), Some("-12"));
    }

    #[test]
    fn tool_names_parse() {
        assert_eq!("golang-migrate".parse::<Tool>(), Ok(Tool::GolangMigrate));
        assert_eq!("SQLX".parse::<Tool>(), Ok(Tool::Sqlx));
        let e = "goose".parse::<Tool>().unwrap_err();
        assert!(e.contains("one of: sqlx"), "{e}");
    }
}
