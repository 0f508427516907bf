//! The runner against real PostgreSQL and MariaDB.

mod concurrency;
mod config;
mod connection_loss;
mod errors;
mod half_done;
mod happy;
mod lock_budget;
mod lock_queue;
mod near_miss;
mod order;
mod preflight;
mod resume;
mod startup;
mod status_truth;

use crate::common::{Engine, TestDb};

/// Does `table.column` exist in the test database?
pub async fn column_exists(db: &TestDb, table: &str, column: &str) -> bool {
    let schema = match db.engine {
        Engine::Postgres => "current_schema()",
        Engine::Mysql => "DATABASE()",
    };
    let sql = format!(
        "SELECT CAST(COUNT(*) AS CHAR(10)) FROM information_schema.columns WHERE table_schema = {schema} AND table_name = '{table}' AND column_name = '{column}'"
    );
    let sql = if db.engine == Engine::Postgres {
        sql.replace("CHAR(10)", "text")
    } else {
        sql
    };
    db.scalar(&sql).await.as_deref() == Some("1")
}

/// Does the table exist?
pub async fn table_exists(db: &TestDb, table: &str) -> bool {
    let schema = match db.engine {
        Engine::Postgres => "current_schema()",
        Engine::Mysql => "DATABASE()",
    };
    let sql = format!("SELECT table_name FROM information_schema.tables WHERE table_schema = {schema} AND table_name = '{table}'");
    db.scalar(&sql).await.is_some()
}

/// Have bellows' state tables been created?
pub async fn state_exists(db: &TestDb) -> bool {
    match db.engine {
        Engine::Postgres => db
            .scalar("SELECT to_regclass('bellows.meta')::text")
            .await
            .is_some(),
        Engine::Mysql => table_exists(db, "bellows_meta").await,
    }
}
