//! The workers' part boundaries on MySQL/MariaDB without reading the key: when the key's
//! first column is an integer, each boundary is found by bisecting that column's values on
//! the optimizer's row estimates (index dives at both ends of a range), then one dive to the
//! first key at the value found. A few hundred plans of a fraction of a millisecond each,
//! where the sample read the whole clustered index.

use crate::db::keyset::{rows_in_plan, KeyedTable};
use crate::db::{Backend, Row, SqlValue};
use crate::Result;

/// Bisection steps per boundary at most (a 64-bit range needs 64).
const STEPS: u32 = 64;

/// Up to `n - 1` keys (text per column, ascending) splitting the keys from `min` to `max`
/// into `n` parts of about as many rows each; `None` when the table's key or server does
/// not allow dives (PostgreSQL samples pages instead; text keys read a sample).
///
/// # Errors
/// Database errors.
pub(super) async fn boundaries(
    db: &mut dyn Backend,
    keyed: &KeyedTable,
    min: &[String],
    max: &[String],
    n: usize,
) -> Result<Option<Vec<Vec<String>>>> {
    let (Some(lo), Some(hi)) = (first_int(min), first_int(max)) else {
        return Ok(None);
    };
    let Some(end) = hi.checked_add(1) else {
        return Ok(None);
    };
    if keyed.range_estimate_sql(lo, end).is_none() {
        return Ok(None);
    }
    let Some(total) = estimate(db, keyed, lo, end).await? else {
        return Ok(None);
    };
    let mut bounds = Vec::new();
    let mut from = lo;
    for i in 1..n {
        let want = total * i as u64 / n as u64;
        from = bisect(db, keyed, lo, from, end, want).await?;
        let key = db
            .query(&keyed.key_at_sql(), &[SqlValue::Int(from)])
            .await?;
        // Below the upper key's first value, so that no part reaches past the upper key
        // (rows inserted since it was fixed are the app's, already written the new way).
        if let Some(k) = key
            .first()
            .map(Row::texts)
            .filter(|k| first_int(k).is_some_and(|v| v < hi))
        {
            bounds.push(k);
        }
    }
    Ok(Some(bounds))
}

/// The smallest value `v` in `[from, end]` with at least `want` rows estimated in
/// `[lo, v)`.
async fn bisect(
    db: &mut dyn Backend,
    keyed: &KeyedTable,
    lo: i64,
    from: i64,
    end: i64,
    want: u64,
) -> Result<i64> {
    let (mut below, mut at) = (i128::from(from), i128::from(end));
    for _ in 0..STEPS {
        if at - below <= 1 {
            break;
        }
        let mid = below + (at - below) / 2;
        let mid64 = i64::try_from(mid).unwrap_or(end);
        if estimate(db, keyed, lo, mid64).await?.unwrap_or(0) >= want {
            at = mid;
        } else {
            below = mid;
        }
    }
    Ok(i64::try_from(at).unwrap_or(end))
}

/// The optimizer's estimate of the rows with a first key column in `[from, to)`.
async fn estimate(
    db: &mut dyn Backend,
    keyed: &KeyedTable,
    from: i64,
    to: i64,
) -> Result<Option<u64>> {
    let Some(sql) = keyed.range_estimate_sql(from, to) else {
        return Ok(None);
    };
    let plan = db.query(&sql, &[]).await?;
    Ok(Row::scalar(&plan).and_then(rows_in_plan))
}

/// The key's first column as an integer.
fn first_int(key: &[String]) -> Option<i64> {
    key.first()?.parse().ok()
}
