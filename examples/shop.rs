//! A small service that uses bellows as a library, the way an application does at startup:
//! the migrations are compiled into the binary, pending expand phases are applied (one
//! replica does the work, the others wait), the instance is registered for the rollout gate
//! and kept alive by a heartbeat, and a clean shutdown deregisters it.
//!
//! ```sh
//! createdb -h 127.0.0.1 -U postgres shop
//! DATABASE_URL=postgres://postgres@127.0.0.1/shop APP_VERSION=2.4.0 cargo run --example shop
//! # in another terminal: bellows instances --database-url postgres://postgres@127.0.0.1/shop
//! ```

use bellows::{Bellows, Dialect};

/// The example migrations, embedded at compile time. An application with its own folder
/// would use a build script and `bellows::embedded_migrations!` instead (see docs/library.md).
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "20261101090000_create_users.sql",
        include_str!("../migrations-example/20261101090000_create_users.sql"),
    ),
    (
        "20261102090000_create_orders.sql",
        include_str!("../migrations-example/20261102090000_create_orders.sql"),
    ),
    (
        "20261105090000_index_orders_status.sql",
        include_str!("../migrations-example/20261105090000_index_orders_status.sql"),
    ),
    (
        "20261108090000_retire_users_nickname.sql",
        include_str!("../migrations-example/20261108090000_retire_users_nickname.sql"),
    ),
    (
        "20261110090000_rename_users_email_address.sql",
        include_str!("../migrations-example/20261110090000_rename_users_email_address.sql"),
    ),
];

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DATABASE_URL")
        .map_err(|_| "set DATABASE_URL, e.g. postgres://postgres@127.0.0.1/shop")?;
    let version = std::env::var("APP_VERSION").unwrap_or_else(|_| "2.4.0".into());
    let migrations = bellows::migration::from_files(MIGRATIONS.iter().copied(), Dialect::Postgres)?;
    let bellows = Bellows::connect(&url, migrations)?;

    for applied in bellows.apply_expand().await? {
        println!(
            "applied {} {} ({} statements)",
            applied.version, applied.name, applied.statements
        );
    }
    let instance = bellows.register_instance("shop", &version).await?;
    println!(
        "shop {version} running as instance {}; Ctrl-C to stop",
        instance.id()
    );

    let mut ticker = tokio::time::interval(std::time::Duration::from_secs(10));
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            _ = ticker.tick() => {
                let pending = bellows.status().await?.iter().filter(|m| m.next != bellows::engine::Next::Done).count();
                println!("health: ok, {pending} migrations with work left");
            }
        }
    }
    instance.deregister().await?;
    println!("deregistered; bye");
    Ok(())
}
