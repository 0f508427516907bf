//! `bellows lint --database-url`: optional live context read from the target database —
//! its server version and estimated table sizes (`pg_class.reltuples`,
//! `information_schema.tables.table_rows`). Read-only; the password is never printed.

use bellows::db::{redact_message, DatabaseUrl};
use bellows::lint::ServerVersion;
use bellows::Dialect;
use std::collections::HashMap;

/// What the database told us.
pub(super) struct Live {
    /// The server version, when it could be parsed.
    pub version: Option<ServerVersion>,
    /// Estimated rows by table key.
    pub rows: HashMap<String, u64>,
}

/// Connect to `raw_url` and read the live context.
///
/// # Errors
/// A bad URL, a failed connection or query, with the password redacted.
pub(super) fn fetch(raw_url: &str) -> Result<Live, String> {
    let url = DatabaseUrl::parse(raw_url).map_err(|e| format!("--database-url: {e}"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("--database-url: cannot start the async runtime: {e}"))?;
    let result = runtime.block_on(async {
        match url.dialect() {
            Dialect::Postgres => postgres(&url).await,
            Dialect::Mysql | Dialect::Mariadb => mysql(&url).await,
        }
    });
    result.map_err(|e| redact_message(&format!("--database-url {url}: {e}"), &url))
}

#[cfg(feature = "postgres")]
async fn postgres(url: &DatabaseUrl) -> Result<Live, sqlx::Error> {
    use sqlx::Connection;
    let mut conn = sqlx::postgres::PgConnection::connect(&url.expose()).await?;
    let version: String = sqlx::query_scalar("SELECT current_setting('server_version')")
        .fetch_one(&mut conn)
        .await?;
    let tables: Vec<(String, i64)> = sqlx::query_as(
        "SELECT c.relname::text, c.reltuples::bigint FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
         AND n.nspname NOT LIKE 'pg_toast%'",
    )
    .fetch_all(&mut conn)
    .await?;
    let _ = conn.close().await;
    Ok(live(&version, tables))
}

#[cfg(not(feature = "postgres"))]
async fn postgres(_url: &DatabaseUrl) -> Result<Live, sqlx::Error> {
    Err(sqlx::Error::Configuration(
        "this bellows was built without PostgreSQL support".into(),
    ))
}

#[cfg(feature = "mysql")]
async fn mysql(url: &DatabaseUrl) -> Result<Live, sqlx::Error> {
    use sqlx::Connection;
    let mut conn = sqlx::mysql::MySqlConnection::connect(&url.expose()).await?;
    let version: String = sqlx::query_scalar("SELECT CAST(VERSION() AS CHAR)")
        .fetch_one(&mut conn)
        .await?;
    let tables: Vec<(String, i64)> = sqlx::query_as(
        "SELECT CAST(TABLE_NAME AS CHAR), CAST(COALESCE(TABLE_ROWS, -1) AS SIGNED) \
         FROM information_schema.tables WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'",
    )
    .fetch_all(&mut conn)
    .await?;
    let _ = conn.close().await;
    Ok(live(&version, tables))
}

#[cfg(not(feature = "mysql"))]
async fn mysql(_url: &DatabaseUrl) -> Result<Live, sqlx::Error> {
    Err(sqlx::Error::Configuration(
        "this bellows was built without MySQL support".into(),
    ))
}

/// Build the context; negative estimates (never analysed) are unknown. Names are stored as
/// written and lower-cased, so quoted and unquoted references both find them.
fn live(version: &str, tables: Vec<(String, i64)>) -> Live {
    let mut rows = HashMap::new();
    for (name, estimate) in tables {
        let Ok(estimate) = u64::try_from(estimate) else {
            continue;
        };
        for key in [name.to_ascii_lowercase(), name] {
            let entry = rows.entry(key).or_insert(0);
            *entry = estimate.max(*entry);
        }
    }
    Live {
        version: version.parse().ok(),
        rows,
    }
}
