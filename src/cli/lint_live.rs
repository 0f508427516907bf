//! `bellows lint --database-url`: optional live context read from the target database —
//! its server version, estimated table sizes and schema (which seeds what folder lint knows of
//! the tables) (`pg_class.reltuples`,
//! `information_schema.tables.table_rows`). Read-only; the password is never printed.

use bellows::db::{self, redact_message, DatabaseUrl};
use bellows::lint::{LiveSchema, ServerVersion};
use std::collections::HashMap;

/// What the database told us.
pub(super) struct Live {
    /// The server version, when it could be parsed.
    pub version: Option<ServerVersion>,
    /// Estimated rows by table key.
    pub rows: HashMap<String, u64>,
    /// The schema, seeding the folder lint's model.
    pub schema: LiveSchema,
    /// The server is a Galera node.
    pub galera: bool,
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
        let (version, tables) = db::table_estimates(&url).await?;
        let schema = db::lint_schema(&url).await?;
        let galera = db::is_galera(&url).await?;
        Ok::<_, bellows::Error>(Live {
            galera,
            ..live(&version, tables, schema)
        })
    });
    result.map_err(|e| redact_message(&format!("--database-url {url}: {e}"), &url))
}

/// Build the context; negative estimates (never analysed) are unknown. Names are stored as
/// written and lower-cased, so quoted and unquoted references both find them.
fn live(version: &str, tables: Vec<(String, i64)>, schema: LiveSchema) -> Live {
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
        schema,
        galera: false,
    }
}
