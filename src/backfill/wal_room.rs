//! PostgreSQL: whether a backfill's WAL will force checkpoints while it runs. A backfill
//! rewrites every row, so it writes at least as much WAL as the table holds; once that passes
//! `max_wal_size` the server checkpoints again and again, and each checkpoint's sync phase
//! holds up the app's commits (bench/backfill: client p99 170-300 ms with the default 1 GB
//! against 11.5 ms, twice the idle p99, with room for the whole run). bellows does not change
//! server settings; it says so before the first batch, with the statement that gives room.

use crate::db::keyset::KeyedTable;
use crate::db::{catalog, Backend};
use crate::Result;

const GIB: u64 = 1 << 30;

/// Advice when `table` (its size with indexes) is more than half of `max_wal_size`; `None`
/// when the backfill's WAL fits.
#[must_use]
pub(super) fn advice(table: &str, table_bytes: u64, max_wal_bytes: u64) -> Option<String> {
    if table_bytes.saturating_mul(2) <= max_wal_bytes {
        return None;
    }
    // Room for the table's rows rewritten twice over (new row versions, index entries,
    // full-page images after each checkpoint), in whole GB, at least 2 GB.
    let room_gb = table_bytes.saturating_mul(2).div_ceil(GIB).max(2);
    Some(format!(
        "table {table} is {} and max_wal_size is {}: the backfill's WAL will force repeated \
         checkpoints, each of which can stall the app's commits for a few hundred ms. For the \
         duration of the backfill, give it room: ALTER SYSTEM SET max_wal_size = '{room_gb}GB'; \
         SELECT pg_reload_conf(); (ALTER SYSTEM RESET max_wal_size afterwards)",
        size(table_bytes),
        size(max_wal_bytes)
    ))
}

/// Read the table's size and `max_wal_size` (PostgreSQL only) and give the advice.
///
/// # Errors
/// Database errors.
pub(super) async fn check(db: &mut dyn Backend, keyed: &KeyedTable) -> Result<Option<String>> {
    Ok(catalog::size_and_wal_room(db, keyed)
        .await?
        .and_then(|(table, wal)| advice(&keyed.sql_name, table, wal)))
}

#[allow(clippy::cast_precision_loss)]
fn size(bytes: u64) -> String {
    if bytes >= GIB {
        format!("{:.1} GB", bytes as f64 / GIB as f64)
    } else {
        format!("{} MB", bytes >> 20)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_within_half_the_wal_room_needs_no_advice() {
        assert_eq!(advice("t", 400 << 20, GIB), None);
        assert_eq!(advice("t", 512 << 20, GIB), None);
    }

    #[test]
    fn a_larger_table_gets_the_statement_that_gives_room() {
        let text = advice("\"users\"", 628 << 20, GIB).unwrap();
        assert!(text.starts_with("table \"users\" is 628 MB and max_wal_size is 1.0 GB"));
        assert!(
            text.contains("ALTER SYSTEM SET max_wal_size = '2GB'"),
            "{text}"
        );
        let text = advice("t", 5 * GIB + 1, GIB).unwrap();
        assert!(text.contains("max_wal_size = '11GB'"), "{text}");
    }
}
