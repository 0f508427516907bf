//! The shop service: bellows at startup, the way docs/library.md describes it.
//!
//! ```sh
//! createdb -h 127.0.0.1 -U postgres shop
//! DATABASE_URL=postgres://postgres@127.0.0.1/shop cargo run --manifest-path examples/shop-app/Cargo.toml
//! ```
//!
//! With `SHOP_EXIT_AFTER_START=1` it stops right after startup (what the tests run).

use bellows::Bellows;
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DATABASE_URL")
        .map_err(|_| "set DATABASE_URL, e.g. postgres://postgres@127.0.0.1/shop")?;
    // The app's own pool: bellows reads through it (status) and opens one dedicated
    // connection for the migration lock only when something is pending.
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(5)
        .acquire_timeout(Duration::from_secs(5))
        .connect(&url)
        .await?;
    let migrations = bellows::embedded_migrations!(bellows::Dialect::Postgres)?;
    let bellows = Bellows::from_pg_pool(&pool, migrations)?;

    for applied in bellows.apply_expand().await? {
        println!("applied {} {} ({} statements)", applied.version, applied.name, applied.statements);
    }
    let instance = bellows
        .register_instance("shop", env!("CARGO_PKG_VERSION"))
        .await?;
    println!("shop {} running as instance {}", env!("CARGO_PKG_VERSION"), instance.id());

    let once = std::env::var_os("SHOP_EXIT_AFTER_START").is_some();
    let mut health = tokio::time::interval(Duration::from_secs(10));
    while !once {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            _ = health.tick() => {
                let left = bellows.status().await?.iter().filter(|m| m.next != bellows::engine::Next::Done).count();
                println!("health: ok, {left} migrations with work left");
            }
        }
    }
    let left = bellows.status().await?.len();
    println!("health: {left} migrations known");
    instance.deregister().await?;
    pool.close().await;
    println!("deregistered; bye");
    Ok(())
}
