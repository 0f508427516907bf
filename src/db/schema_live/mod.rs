//! The live source of the schema model: the user's tables read from the catalog
//! (PostgreSQL `pg_catalog`, MySQL/MariaDB `information_schema`) into a
//! [`crate::schema::Schema`]. Read-only; bellows' own tables are left out.

mod mysql;
mod postgres;

use super::{Backend, Row};
use crate::schema::{Folding, Schema, Table, TableName};
use crate::{Dialect, Result};
use std::collections::HashMap;

/// The model of the database's schema: every user table, or only `tables` (and the views
/// that use them). Tables are looked up the server's way ([`Schema::table`]); the model is
/// complete, so a table it lacks is absent.
///
/// # Errors
/// Database errors.
pub(crate) async fn schema_model(
    db: &mut dyn Backend,
    tables: Option<&[TableName]>,
) -> Result<Schema> {
    let dialect = db.dialect();
    let mut schema = if dialect == Dialect::Postgres {
        postgres::read(db, tables).await?
    } else {
        mysql::read(db, tables).await?
    };
    if let Some(wanted) = tables {
        let keep: Vec<TableName> = schema
            .tables()
            .filter(|t| {
                wanted
                    .iter()
                    .any(|w| same_table(schema.folding, w, &t.name))
            })
            .map(|t| t.name.clone())
            .collect();
        let all: Vec<TableName> = schema.tables().map(|t| t.name.clone()).collect();
        for t in all.iter().filter(|t| !keep.contains(t)) {
            schema.remove(t);
        }
    }
    Ok(schema)
}

/// The live model of the database as text (see the replayed one, `bellows::replay_dump`),
/// names of constraints and indexes only with `names`. Hidden: for the crate's own tests.
///
/// # Errors
/// Database errors.
#[doc(hidden)]
pub async fn live_dump(db: &mut dyn Backend, names: bool) -> Result<String> {
    Ok(crate::schema::dump::dump(
        &schema_model(db, None).await?,
        names,
    ))
}

/// The schema of the database `url` names, for writing a recipe against it
/// ([`crate::generate::Recipe::render_with`]); its dialect is the server's.
///
/// # Errors
/// The database cannot be reached, or a catalog query fails.
pub async fn recipe_model(url: &super::DatabaseUrl) -> Result<crate::generate::Model> {
    let mut db = super::connect(url).await?;
    let schema = schema_model(db.as_mut(), None).await?;
    Ok(crate::generate::Model::live(schema))
}

/// The server's name folding (MySQL: its `lower_case_table_names`).
///
/// # Errors
/// Database errors.
pub(crate) async fn folding(db: &mut dyn Backend) -> Result<Folding> {
    if db.dialect() == Dialect::Postgres {
        return Ok(Folding::Postgres);
    }
    let rows = db
        .query("SELECT CAST(@@lower_case_table_names AS CHAR)", &[])
        .await?;
    Ok(Folding::Mysql {
        lower_case_table_names: Row::scalar(&rows).and_then(|v| v.parse().ok()).unwrap_or(0),
    })
}

fn same_table(f: Folding, a: &TableName, b: &TableName) -> bool {
    a.schema.as_deref().map(|s| f.table_key(s)) == b.schema.as_deref().map(|s| f.table_key(s))
        && f.table_key(&a.name) == f.table_key(&b.name)
}

/// Split a `chr(31)`-separated list.
fn list(v: Option<&str>) -> Vec<String> {
    v.filter(|s| !s.is_empty())
        .map(|s| s.split('\u{1f}').map(str::to_string).collect())
        .unwrap_or_default()
}

/// Tables being filled, by the catalog's id for them (PostgreSQL: oid; MySQL: the name).
struct Building {
    tables: HashMap<String, Table>,
    order: Vec<String>,
}

impl Building {
    fn new() -> Building {
        Building {
            tables: HashMap::new(),
            order: Vec::new(),
        }
    }

    fn add(&mut self, id: String, table: Table) {
        self.order.push(id.clone());
        self.tables.insert(id, table);
    }

    fn get(&mut self, id: &str) -> Option<&mut Table> {
        self.tables.get_mut(id)
    }

    /// The schema, CHECK columns in table order.
    fn finish(mut self, mut schema: Schema) -> Schema {
        for id in &self.order {
            let Some(mut t) = self.tables.remove(id) else {
                continue;
            };
            let position = |c: &String| t.columns.iter().position(|x| &x.name == c);
            let mut checks = std::mem::take(&mut t.checks);
            for c in &mut checks {
                c.columns.sort_by_key(position);
            }
            t.checks = checks;
            schema.insert(t);
        }
        schema
    }
}
