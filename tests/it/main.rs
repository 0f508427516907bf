//! One integration test binary (links once): runner tests against real PostgreSQL and
//! MariaDB, and linter snapshot tests.

mod backfill;
mod common;
mod embed;
mod gate;
mod generate;
mod lint;
mod proof;
mod replication;
mod runner;
mod schema;
