//! The schema model from MySQL/MariaDB's `information_schema`, for the connection's
//! database (or the one the requested tables name).

use super::{list, Building};
use crate::db::{Backend, Row, SqlValue};
use crate::schema::replay::Replay;
use crate::schema::{
    normalize_type, Check, Column, ForeignKey, Index, Key, Schema, Table, TableName, Trigger, View,
};
use crate::{Dialect, Result};

/// Every query binds the database (NULL: the connection's) and a filter of table names
/// (NULL: all; else `chr(31)name chr(31)name chr(31)`, compared loosely, then exactly in Rust).
const IN: &str = "table_schema = COALESCE(CAST(? AS CHAR), DATABASE()) AND (CAST(? AS CHAR) IS NULL OR LOCATE(CONCAT(CHAR(31), table_name, CHAR(31)), CAST(? AS CHAR)) > 0)";

fn sql(select: &str, from: &str, extra: &str) -> String {
    format!("SELECT {select} FROM information_schema.{from} WHERE {IN} {extra}")
}

pub(super) async fn read(db: &mut dyn Backend, tables: Option<&[TableName]>) -> Result<Schema> {
    let dialect = db.dialect();
    let folding = super::folding(db).await?;
    let schema_name = tables.and_then(|ts| ts.iter().find_map(|t| t.schema.clone()));
    let filter = tables.map(|ts| {
        let names: String = ts.iter().map(|t| format!("{}\u{1f}", t.name)).collect();
        format!("\u{1f}{names}")
    });
    let binds = [
        SqlValue::opt_text(schema_name.clone()),
        SqlValue::opt_text(filter.clone()),
        SqlValue::opt_text(filter),
    ];
    let mut q = async |sql: &str| db.query(sql, &binds).await;
    let mut b = Building::new();
    let mut collations = std::collections::HashMap::new();
    for r in q(&sql("CAST(table_name AS CHAR), CAST(table_collation AS CHAR)", "tables", "AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'bellows\\_%' ORDER BY create_time, table_name")).await? {
        let name = TableName { schema: schema_name.clone(), name: r.text(0) };
        collations.insert(r.text(0), r.text(1));
        b.add(r.text(0), Table::new(name, folding));
    }
    let columns = "CAST(table_name AS CHAR), CAST(column_name AS CHAR), CAST(column_type AS CHAR), CAST(is_nullable AS CHAR), \
                   CAST(column_default AS CHAR), CAST(extra AS CHAR), CAST(collation_name AS CHAR), CAST(generation_expression AS CHAR)";
    for r in q(&sql(
        columns,
        "columns",
        "ORDER BY table_name, ordinal_position",
    ))
    .await?
    {
        let Some(t) = b.get(&r.text(0)) else { continue };
        t.columns
            .push(column(&r, dialect, collations.get(&r.text(0))));
    }
    let stats = "CAST(table_name AS CHAR), CAST(index_name AS CHAR), CAST(non_unique AS CHAR), \
                 CAST(CASE WHEN sub_part IS NULL THEN COALESCE(column_name, '(expression)') ELSE CONCAT(column_name, '(', sub_part, ')') END AS CHAR)";
    for r in q(&sql(
        stats,
        "statistics",
        "ORDER BY table_name, index_name, seq_in_index",
    ))
    .await?
    {
        let Some(t) = b.get(&r.text(0)) else { continue };
        index_part(t, &r);
    }
    read_constraints(&mut q, &mut b, dialect, schema_name.as_deref()).await?;
    // The filter compares view names, not the tables they use: read every view, keep those
    // that use a table of the model.
    let every = [
        SqlValue::opt_text(schema_name),
        SqlValue::Null,
        SqlValue::Null,
    ];
    let views = db
        .query(
            &sql(
                "CAST(table_name AS CHAR), CAST(view_definition AS CHAR)",
                "views",
                "",
            ),
            &every,
        )
        .await?;
    let mut replay = Replay::over(b.finish(Schema::new(dialect, folding)));
    let found: Vec<View> = views
        .iter()
        .map(|r| View {
            name: TableName::new(&r.text(0)),
            uses: crate::schema::replay::view_uses(&r.text(1), &replay),
        })
        .filter(|v| !v.uses.is_empty())
        .collect();
    replay.schema_mut().views = found;
    Ok(replay.finish())
}

fn column(r: &Row, dialect: Dialect, table_collation: Option<&String>) -> Column {
    let written = r.text(2);
    let extra = r.text(5).to_ascii_lowercase();
    let generated = extra
        .contains("generated")
        .then(|| r.text(7))
        .filter(|g| !g.is_empty());
    let default = r
        .opt_text(4)
        .filter(|d| *d != "NULL" && generated.is_none())
        .map(str::to_string);
    Column {
        name: r.text(1),
        type_normalized: normalize_type(&written, dialect),
        type_written: written,
        nullable: r.opt_text(3) == Some("YES"),
        default,
        identity: extra
            .contains("auto_increment")
            .then(|| "auto_increment".to_string()),
        generated,
        collation: r
            .opt_text(6)
            .filter(|c| Some(&c.to_string()) != table_collation)
            .map(str::to_string),
    }
}

/// One key part of an index (rows come in index, then part order).
fn index_part(t: &mut Table, r: &Row) {
    let (index, part) = (r.text(1), r.text(3));
    if index == "PRIMARY" {
        t.primary_key
            .get_or_insert_with(|| Key {
                name: Some(index),
                columns: Vec::new(),
            })
            .columns
            .push(part);
        return;
    }
    if let Some(i) = t
        .indexes
        .iter_mut()
        .find(|i| i.name.as_deref() == Some(index.as_str()))
    {
        i.columns.push(part);
        return;
    }
    t.indexes.push(Index {
        name: Some(index),
        columns: vec![part],
        unique: r.opt_text(2) == Some("0"),
        constraint: false,
        predicate: None,
        valid: true,
    });
}

async fn read_constraints(
    q: &mut impl AsyncFnMut(&str) -> Result<Vec<Row>>,
    b: &mut Building,
    dialect: Dialect,
    schema_name: Option<&str>,
) -> Result<()> {
    let checks = if dialect == Dialect::Mariadb {
        sql(
            "CAST(table_name AS CHAR), CAST(constraint_name AS CHAR), CAST(check_clause AS CHAR)",
            "check_constraints",
            "",
        )
        .replace("table_schema", "constraint_schema")
    } else {
        "SELECT CAST(tc.table_name AS CHAR), CAST(tc.constraint_name AS CHAR), CAST(cc.check_clause AS CHAR) FROM information_schema.table_constraints tc \
         JOIN information_schema.check_constraints cc ON cc.constraint_schema = tc.constraint_schema AND cc.constraint_name = tc.constraint_name \
         WHERE tc.constraint_type = 'CHECK' AND tc.".to_string() + IN
    };
    for r in q(&checks).await? {
        let Some(t) = b.get(&r.text(0)) else { continue };
        let expr = r.text(2);
        let columns = t
            .columns
            .iter()
            .filter(|c| words(&expr).iter().any(|w| w.eq_ignore_ascii_case(&c.name)))
            .map(|c| c.name.clone())
            .collect();
        t.checks.push(Check {
            name: Some(r.text(1)),
            expr,
            columns,
            validated: true,
        });
    }
    let fks = "CAST(table_name AS CHAR), CAST(constraint_name AS CHAR), CAST(GROUP_CONCAT(column_name ORDER BY ordinal_position SEPARATOR '\u{1f}') AS CHAR), \
               CAST(MAX(referenced_table_schema) AS CHAR), CAST(MAX(referenced_table_name) AS CHAR), \
               CAST(GROUP_CONCAT(referenced_column_name ORDER BY ordinal_position SEPARATOR '\u{1f}') AS CHAR), CAST(MAX(referenced_table_schema) = DATABASE() AS CHAR)";
    let fks = sql(fks, "key_column_usage", "AND referenced_table_name IS NOT NULL GROUP BY table_name, constraint_name ORDER BY table_name, constraint_name")
        ;
    for r in q(&fks).await? {
        let Some(t) = b.get(&r.text(0)) else { continue };
        let same = r.opt_text(6) == Some("1") || schema_name == r.opt_text(3);
        t.foreign_keys.push(ForeignKey {
            name: Some(r.text(1)),
            columns: list(r.opt_text(2)),
            references: TableName {
                schema: (!same).then(|| r.text(3)),
                name: r.text(4),
            },
            referenced_columns: list(r.opt_text(5)),
            validated: true,
        });
    }
    let triggers = sql(
        "CAST(event_object_table AS CHAR), CAST(trigger_name AS CHAR)",
        "triggers",
        "ORDER BY 1, 2",
    )
    .replace("table_schema", "trigger_schema")
    .replace("table_name", "event_object_table");
    for r in q(&triggers).await? {
        if let Some(t) = b.get(&r.text(0)) {
            t.triggers.push(Trigger { name: r.text(1) });
        }
    }
    Ok(())
}

/// The identifiers of a CHECK clause (backquotes stripped).
fn words(expr: &str) -> Vec<String> {
    expr.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}
