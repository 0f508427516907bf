//! One backfill batch as the engine hands it to a connection: the range query, the user's
//! statement over the range, the limits it runs under and the checkpoint it moves.

use super::SqlValue;
use std::time::Duration;

/// One batch of a backfill.
#[derive(Debug, Clone)]
pub struct Batch<'a> {
    /// Returns the key columns (as text) of the range's last row and the number of keys
    /// in the range; no row when no key is left. Binds [`Batch::boundary_binds`].
    pub boundary: &'a str,
    /// Values bound to `boundary`: the lower key (after the first batch), the upper key of
    /// the part, the batch size.
    pub boundary_binds: Vec<SqlValue>,
    /// The statement over the range; binds [`Batch::lo`] (when not empty) then the range's
    /// upper key.
    pub update: &'a str,
    /// The lower bound already bound (empty for the first batch).
    pub lo: Vec<SqlValue>,
    /// Which key columns are integers (their text is bound as a number).
    pub int_key: &'a [bool],
    /// Lock timeout of the batch's statements.
    pub lock_timeout: Duration,
    /// How long the batch statement may run before the server stops it.
    pub statement_limit: Duration,
    /// The checkpoint the batch moves.
    pub checkpoint: Checkpoint,
}

/// Where a part of a backfill stands; the batch moves it only if nobody else did.
#[derive(Debug, Clone)]
pub struct Checkpoint {
    /// The migration version.
    pub version: i64,
    /// The part of the key space (worker).
    pub part: i64,
    /// The last key before this batch (JSON), `None` before the first batch.
    pub previous: Option<String>,
    /// The batch size in force.
    pub size: u64,
}

/// What a committed batch did.
#[derive(Debug, Clone)]
pub struct BatchDone {
    /// The range's upper key, one text per key column.
    pub last_key: Vec<String>,
    /// Rows the statement reported.
    pub rows: u64,
    /// Keys in the range.
    pub keys: u64,
}
