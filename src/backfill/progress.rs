//! A backfill's progress as the engine and `status` see it: the recorded parts (see
//! [`crate::db::store`]) summed per backfill.

pub use crate::db::store::BackfillProgress;
pub(super) use crate::db::store::PartStart;
use crate::db::{store, Backend};
use crate::Result;

/// Every backfill's progress, its parts summed (empty when the state schema predates
/// backfills).
///
/// # Errors
/// Database errors.
pub(crate) async fn load_all(db: &mut dyn Backend) -> Result<Vec<BackfillProgress>> {
    Ok(sum_parts(store::load_backfills(db).await?))
}

fn sum_parts(rows: Vec<BackfillProgress>) -> Vec<BackfillProgress> {
    let mut out: Vec<BackfillProgress> = Vec::new();
    for p in rows {
        match out.last_mut() {
            Some(sum) if sum.version == p.version => {
                sum.parts += 1;
                sum.rows_done += p.rows_done;
                sum.keys_done += p.keys_done;
                sum.batches += p.batches;
                sum.batch_size = sum.batch_size.max(p.batch_size);
                sum.finished &= p.finished;
                sum.last_key = None;
            }
            _ => out.push(p),
        }
    }
    out
}

/// The migrations whose backfill has committed at least one batch.
///
/// # Errors
/// Database errors.
pub(crate) async fn started(db: &mut dyn Backend) -> Result<Vec<i64>> {
    Ok(load_all(db)
        .await?
        .into_iter()
        .filter(|p| p.batches > 0)
        .map(|p| p.version)
        .collect())
}

/// The parts of one backfill, in order (empty before it started).
///
/// # Errors
/// Database errors.
pub(super) async fn load_parts(
    db: &mut dyn Backend,
    version: i64,
) -> Result<Vec<BackfillProgress>> {
    Ok(store::load_backfills(db)
        .await?
        .into_iter()
        .filter(|p| p.version == version)
        .collect())
}
