//! Everything that talks to a database: URLs, connections, the migration lock, timeouts,
//! retries and bellows' own state tables. PostgreSQL and MySQL/MariaDB each implement
//! [`Backend`].

mod url;

pub use url::{redact_message, DatabaseUrl};
