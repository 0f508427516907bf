//! The schema model from PostgreSQL's `pg_catalog`.

use super::list;
use crate::db::{Backend, Row, SqlValue};
use crate::schema::{
    normalize_type, Check, Column, Folding, ForeignKey, Index, Key, Schema, Table, TableName,
    Trigger, View,
};
use crate::{Dialect, Result};
use std::collections::HashMap;

/// The user's tables (schemas other than the system ones and bellows'), optionally only
/// those named in `$1` (newline-separated quoted names).
const TABLES: &str = "WITH t AS (SELECT c.oid, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'bellows') \
     AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%' \
     AND (CAST($1 AS text) IS NULL OR c.oid IN (SELECT to_regclass(x) FROM unnest(string_to_array(CAST($1 AS text), E'\\n')) x))) ";

const SELECT_TABLES: &str = "SELECT CAST(oid AS text), CAST(nspname AS text), CAST(relname AS text), CAST(nspname = current_schema() AS text) FROM t ORDER BY oid";

const COLUMNS: &str = "SELECT CAST(a.attrelid AS text), CAST(a.attname AS text), format_type(a.atttypid, a.atttypmod), CAST(NOT a.attnotnull AS text), \
     CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END, \
     CASE a.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' END, \
     CASE WHEN a.attgenerated <> '' THEN pg_get_expr(d.adbin, d.adrelid) END, \
     CASE WHEN a.attcollation <> ty.typcollation THEN CAST(co.collname AS text) END \
     FROM pg_attribute a JOIN t ON t.oid = a.attrelid JOIN pg_type ty ON ty.oid = a.atttypid \
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
     LEFT JOIN pg_collation co ON co.oid = a.attcollation \
     WHERE a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attrelid, a.attnum";

const INDEXES: &str = "SELECT CAST(i.indrelid AS text), CAST(ic.relname AS text), CAST(i.indisunique AS text), CAST(i.indisprimary AS text), \
     CAST(i.indisvalid AS text), pg_get_expr(i.indpred, i.indrelid), \
     (SELECT string_agg(CASE WHEN i.indkey[k - 1] = 0 THEN '(' || pg_get_indexdef(i.indexrelid, k, true) || ')' \
        ELSE (SELECT CAST(attname AS text) FROM pg_attribute WHERE attrelid = i.indrelid AND attnum = i.indkey[k - 1]) END, chr(31) ORDER BY k) \
      FROM generate_series(1, i.indnkeyatts) k), \
     CAST(EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype = 'u') AS text) \
     FROM pg_index i JOIN t ON t.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid ORDER BY i.indrelid, i.indexrelid";

const CONSTRAINTS: &str = "SELECT CAST(c.conrelid AS text), CAST(c.conname AS text), CAST(c.contype AS text), CAST(c.convalidated AS text), \
     CASE WHEN c.contype = 'c' THEN pg_get_expr(c.conbin, c.conrelid, true) END, \
     (SELECT string_agg(CAST(a.attname AS text), chr(31) ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY k(attnum, n) \
      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum), \
     CAST(fn.nspname AS text), CAST(fc.relname AS text), CAST(fn.nspname = current_schema() AS text), \
     (SELECT string_agg(CAST(a.attname AS text), chr(31) ORDER BY k.n) FROM unnest(c.confkey) WITH ORDINALITY k(attnum, n) \
      JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum) \
     FROM pg_constraint c JOIN t ON t.oid = c.conrelid LEFT JOIN pg_class fc ON fc.oid = c.confrelid \
     LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace WHERE c.contype IN ('c', 'f') ORDER BY c.conrelid, c.oid";

const TRIGGERS: &str = "SELECT CAST(tg.tgrelid AS text), CAST(tg.tgname AS text) FROM pg_trigger tg JOIN t ON t.oid = tg.tgrelid \
     WHERE NOT tg.tgisinternal ORDER BY tg.tgrelid, tg.tgname";

const VIEWS: &str = "SELECT DISTINCT CAST(vn.nspname AS text), CAST(v.relname AS text), CAST(vn.nspname = current_schema() AS text), \
     CAST(d.refobjid AS text), CAST(a.attname AS text) \
     FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid JOIN pg_class v ON v.oid = r.ev_class \
     JOIN pg_namespace vn ON vn.oid = v.relnamespace JOIN t ON t.oid = d.refobjid \
     JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid \
     WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0 AND v.oid <> d.refobjid \
     ORDER BY 1, 2, 4, 5";

fn name(schema: &Row, at: usize) -> TableName {
    TableName {
        schema: (schema.opt_text(at + 2) != Some("true")).then(|| schema.text(at)),
        name: schema.text(at + 1),
    }
}

fn yes(row: &Row, i: usize) -> bool {
    row.opt_text(i) == Some("true")
}

pub(super) async fn read(db: &mut dyn Backend, tables: Option<&[TableName]>) -> Result<Schema> {
    let filter = tables.map(|ts| {
        ts.iter()
            .map(|t| t.quoted(Dialect::Postgres))
            .collect::<Vec<_>>()
            .join("\n")
    });
    let binds = [SqlValue::opt_text(filter)];
    let mut q = async |sql: &str| db.query(&format!("{TABLES}{sql}"), &binds).await;
    let mut b = super::Building::new();
    let mut names = HashMap::new();
    for r in q(SELECT_TABLES).await? {
        names.insert(r.text(0), name(&r, 1));
        b.add(r.text(0), Table::new(name(&r, 1), Folding::Postgres));
    }
    for r in q(COLUMNS).await? {
        let Some(t) = b.get(&r.text(0)) else { continue };
        let written = r.text(2);
        t.columns.push(Column {
            name: r.text(1),
            type_normalized: normalize_type(&written, Dialect::Postgres),
            type_written: written,
            nullable: yes(&r, 3),
            default: r.opt_text(4).map(str::to_string),
            identity: r.opt_text(5).map(str::to_string),
            generated: r.opt_text(6).map(str::to_string),
            collation: r.opt_text(7).map(str::to_string),
        });
    }
    for r in q(INDEXES).await? {
        let Some(t) = b.get(&r.text(0)) else { continue };
        let columns = list(r.opt_text(6));
        if yes(&r, 3) {
            t.primary_key = Some(Key {
                name: Some(r.text(1)),
                columns,
            });
            continue;
        }
        t.indexes.push(Index {
            name: Some(r.text(1)),
            columns,
            unique: yes(&r, 2),
            constraint: yes(&r, 7),
            predicate: r.opt_text(5).map(str::to_string),
            valid: yes(&r, 4),
        });
    }
    for r in q(CONSTRAINTS).await? {
        let Some(t) = b.get(&r.text(0)) else { continue };
        if r.opt_text(2) == Some("c") {
            t.checks.push(Check {
                name: Some(r.text(1)),
                expr: r.text(4),
                columns: list(r.opt_text(5)),
                validated: yes(&r, 3),
            });
        } else {
            t.foreign_keys.push(ForeignKey {
                name: Some(r.text(1)),
                columns: list(r.opt_text(5)),
                references: name(&r, 6),
                referenced_columns: list(r.opt_text(9)),
                validated: yes(&r, 3),
            });
        }
    }
    for r in q(TRIGGERS).await? {
        if let Some(t) = b.get(&r.text(0)) {
            t.triggers.push(Trigger { name: r.text(1) });
        }
    }
    let views = q(VIEWS).await?;
    let mut schema = b.finish(Schema::new(Dialect::Postgres, Folding::Postgres));
    views_into(&mut schema, &views, &names);
    Ok(schema)
}

/// Views from rows of (view schema, name, is default, table oid, column), sorted by view.
fn views_into(schema: &mut Schema, rows: &[Row], names: &HashMap<String, TableName>) {
    for r in rows {
        let view = name(r, 0);
        let Some(table) = names.get(&r.text(3)) else {
            continue;
        };
        if schema.views.last().is_none_or(|v| v.name != view) {
            schema.views.push(View {
                name: view,
                uses: Vec::new(),
            });
        }
        if let Some(v) = schema.views.last_mut() {
            v.uses.push((table.clone(), r.text(4)));
        }
    }
}
