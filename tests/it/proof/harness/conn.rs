//! A client connection of either engine (tokio-postgres or mysql_async, never bellows
//! code), SQL written with `?` placeholders.

use super::app::Val;
use crate::common::{pg_client, Engine};
use mysql_async::prelude::Queryable;

/// A client connection of either engine; SQL is written with `?` placeholders.
pub enum Conn {
    Pg(tokio_postgres::Client),
    My(mysql_async::Conn),
}

fn pg_sql(sql: &str) -> String {
    let mut out = String::new();
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(c);
        }
    }
    out
}

/// A PostgreSQL error with the server's message (tokio-postgres shows only "db error").
fn pg_error(e: tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    }
}

fn pg_params(values: &[Val]) -> Vec<&(dyn tokio_postgres::types::ToSql + Sync)> {
    values
        .iter()
        .map(|v| match v {
            Val::Int(i) => i as &(dyn tokio_postgres::types::ToSql + Sync),
            Val::Big(i) => i as &(dyn tokio_postgres::types::ToSql + Sync),
            Val::Text(s) => s as &(dyn tokio_postgres::types::ToSql + Sync),
        })
        .collect()
}

fn my_params(values: &[Val]) -> mysql_async::Params {
    mysql_async::Params::Positional(
        values
            .iter()
            .map(|v| match v {
                Val::Int(i) => mysql_async::Value::from(*i),
                Val::Big(i) => mysql_async::Value::from(*i),
                Val::Text(s) => mysql_async::Value::from(s.as_str()),
            })
            .collect(),
    )
}

impl Conn {
    pub async fn open(engine: Engine, url: &str) -> Conn {
        match engine {
            Engine::Postgres => Conn::Pg(pg_client(url).await),
            // Updates report the rows they matched, not only those whose value changed.
            Engine::Mysql => Conn::My(
                mysql_async::Conn::from_url(format!("{url}?client_found_rows=true"))
                    .await
                    .unwrap(),
            ),
        }
    }

    /// Insert a row; its id.
    pub async fn insert(&mut self, sql: &str, values: &[Val]) -> Result<i64, String> {
        match self {
            Conn::Pg(c) => c
                .query_one(&pg_sql(&format!("{sql} RETURNING id")), &pg_params(values))
                .await
                .map(|row| row.get(0))
                .map_err(pg_error),
            Conn::My(c) => {
                c.exec_drop(sql, my_params(values))
                    .await
                    .map_err(|e| e.to_string())?;
                c.last_insert_id()
                    .and_then(|id| i64::try_from(id).ok())
                    .ok_or_else(|| "no insert id".to_string())
            }
        }
    }

    /// Run a statement; the rows it changed.
    pub async fn execute(&mut self, sql: &str, values: &[Val]) -> Result<u64, String> {
        match self {
            Conn::Pg(c) => c
                .execute(&pg_sql(sql), &pg_params(values))
                .await
                .map_err(pg_error),
            Conn::My(c) => {
                c.exec_drop(sql, my_params(values))
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(c.affected_rows())
            }
        }
    }

    /// The first column of the first row, as text.
    pub async fn text(&mut self, sql: &str, values: &[Val]) -> Result<Option<String>, String> {
        match self {
            Conn::Pg(c) => c
                .query_opt(&pg_sql(sql), &pg_params(values))
                .await
                .map(|row| row.and_then(|r| r.get(0)))
                .map_err(pg_error),
            Conn::My(c) => c
                .exec_first::<Option<String>, _, _>(sql, my_params(values))
                .await
                .map(Option::flatten)
                .map_err(|e| e.to_string()),
        }
    }

    /// Every row of a query whose columns are all text.
    pub async fn rows(&mut self, sql: &str) -> Vec<Vec<Option<String>>> {
        match self {
            Conn::Pg(c) => c
                .simple_query(sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
                .into_iter()
                .filter_map(|m| match m {
                    tokio_postgres::SimpleQueryMessage::Row(r) => {
                        Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
                    }
                    _ => None,
                })
                .collect(),
            Conn::My(c) => {
                let rows: Vec<mysql_async::Row> =
                    c.query(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
                rows.into_iter()
                    .map(|r| {
                        (0..r.len())
                            .map(|i| r.get::<Option<String>, _>(i).flatten())
                            .collect()
                    })
                    .collect()
            }
        }
    }

    pub async fn close(self) {
        if let Conn::My(c) = self {
            let _ = c.disconnect().await;
        }
    }
}
