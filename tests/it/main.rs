//! One integration test binary (links once): runner tests against real PostgreSQL and
//! MariaDB, and linter snapshot tests.

mod adopt;
mod backfill;
mod bare_versions;
mod cli_output;
mod common;
mod embed;
mod fleet;
mod galera;
mod gate;
mod gate_apps;
mod gate_deploy;
mod generate;
mod library;
mod lint;
mod lock_name;
mod proof;
mod quickstart;
mod replication;
mod runner;
mod schema;
mod tls;
