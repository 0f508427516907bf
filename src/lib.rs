//! # bellows
//!
//! Zero-downtime schema migrations for PostgreSQL and MySQL/MariaDB. Every change is three
//! phases that two app versions can live through: **expand** (additive DDL), **migrate**
//! (batched backfills) and **contract** (destructive DDL, allowed only once the rollout gate
//! says no running app still needs the old schema).
//!
//! The crate is the engine behind the `bellows` command; the same API serves applications
//! that apply expand phases at startup. Parsing, splitting and linting are pure (no database,
//! no async); everything that talks to a database goes through [`db`].

#![warn(missing_docs, unreachable_pub)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(not(any(feature = "postgres", feature = "mysql")))]
compile_error!(
    "bellows needs a database: enable the `postgres` or the `mysql` feature (or both), e.g. \
     bellows-migrate = { version = \"0.1\", default-features = false, features = [\"postgres\"] }"
);

mod app;
pub mod backfill;
pub mod db;
pub mod embed;
pub mod engine;
mod error;
pub mod gate;
pub mod generate;
pub mod lint;
pub mod migration;
mod schema;
mod sql;

pub use app::{Bellows, InstanceHandle};
pub use error::{Error, Remedy, Result};
pub use migration::{Migration, Phase, PhaseKind};
#[doc(hidden)]
pub use schema::dump::{parse_for_replay, replay_dump, replay_parsed, replay_unknown, Parsed};
pub use sql::Dialect;
