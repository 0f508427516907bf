//! The zero-downtime proof (issue 6). For every op of `bellows new --op`, on PostgreSQL and
//! MariaDB, a table of 100 000 rows, a migration written by the real `bellows new`, and two
//! app versions — plain tokio-postgres / mysql_async clients, not the code under test — that
//! insert, update and read rows in their own shape of the schema the whole time:
//!
//! - full cycle: old app → `bellows expand` → new app too → `bellows backfill` → old app
//!   stops → rollout recorded → `bellows contract` (gate open) → new app alone;
//! - abort: old app → `bellows expand` → `bellows abort` → old app goes on.
//!
//! Neither client may see a single error; every row either wrote must be present and right
//! in the final (or, after an abort, the original) schema; and the schema must be what the
//! op promised (after an abort: exactly what it was). The harness is in [`harness`]; each
//! module is one op.

mod harness;

mod add_column;
mod add_foreign_key;
mod add_index;
mod add_not_null;
mod add_unique;
mod change_type;
mod create_table;
mod drop_column;
mod rename_column;
mod rename_table;
