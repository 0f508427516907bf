//! A backfill's first run: fix the upper key, estimate the rows, split the key space among
//! the workers at the quantiles of a sample, and record the parts.

use super::progress::PartStart;
use super::run::BackfillRun;
use super::sizing::Sizer;
use crate::db::keyset::KeyedTable;
use crate::db::{catalog, store, Backend, Row};
use crate::Result;

/// Keys sampled to place the workers' part boundaries (about 10 ms of reading on
/// PostgreSQL; one pass over the key on MySQL/MariaDB when the key's first column is not an
/// integer — otherwise `dives.rs` places them without reading the key).
const SPLIT_SAMPLE: u64 = 10_000;

/// First run: fix the upper bound, split the key space, estimate the rows, record the start.
pub(super) async fn start(
    db: &mut dyn Backend,
    keyed: &KeyedTable,
    job: &BackfillRun<'_>,
    names: &[String],
) -> Result<()> {
    let spec = job.spec;
    let max_key = db
        .query(&keyed.edge_key_sql(true), &[])
        .await?
        .first()
        .map(Row::texts);
    let mut estimate = catalog::estimated_rows(db, keyed).await?;
    if estimate <= 0 && max_key.is_some() {
        let rows = db.query(&keyed.count_sql(), &[]).await?;
        estimate = Row::scalar(&rows).and_then(|v| v.parse().ok()).unwrap_or(0);
    }
    let estimate = u64::try_from(estimate).unwrap_or(0);
    let parts = match &max_key {
        Some(max) if job.workers > 1 => {
            let sample = sample(db, keyed, max, estimate, job.workers).await?;
            split(&sample, max, job.workers)
        }
        _ => vec![PartStart {
            from: None,
            to: max_key.clone(),
        }],
    };
    let first_size = Sizer::new(spec, None, spec.max_rows_per_sec).size();
    store::insert_backfill(db, job.version, names, &parts, estimate, first_size).await?;
    tracing::debug!(
        "backfill of {}: {estimate} rows estimated, {} part(s), upper key {max_key:?}",
        job.version,
        parts.len()
    );
    Ok(())
}

/// Keys in key order up to `max` whose quantiles split it into `n` parts: found by index
/// dives where the server and key allow it, else a sample of the table.
async fn sample(
    db: &mut dyn Backend,
    keyed: &KeyedTable,
    max: &[String],
    estimate: u64,
    n: usize,
) -> Result<Vec<Vec<String>>> {
    let min = db.query(&keyed.edge_key_sql(false), &[]).await?;
    if let Some(min) = min.first().map(Row::texts) {
        if let Some(bounds) = super::dives::boundaries(db, keyed, &min, max, n).await? {
            return Ok(bounds);
        }
    }
    let sample = db
        .query(&keyed.sample_sql(estimate, SPLIT_SAMPLE), &keyed.binds(max))
        .await?;
    Ok(sample.iter().map(Row::texts).collect())
}

/// Split the key space up to `max` into at most `n` parts holding about as many rows each:
/// the part boundaries are quantiles of `sample` (keys in key order, all at most `max`).
fn split(sample: &[Vec<String>], max: &[String], n: usize) -> Vec<PartStart> {
    let mut bounds: Vec<&Vec<String>> = (1..n)
        .filter_map(|i| sample.get(i * sample.len() / n))
        .filter(|k| k.as_slice() != max)
        .collect();
    bounds.dedup();
    let mut parts = Vec::with_capacity(bounds.len() + 1);
    let mut from = None;
    for bound in bounds.into_iter().chain([&max.to_vec()]) {
        parts.push(PartStart {
            from: from.take(),
            to: Some(bound.clone()),
        });
        from = Some(bound.clone());
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(v: &[&str]) -> Vec<Vec<String>> {
        v.iter().map(|k| vec![(*k).to_string()]).collect()
    }

    type Bound = Option<Vec<String>>;

    fn bounds(parts: &[PartStart]) -> Vec<(Bound, Bound)> {
        parts
            .iter()
            .map(|p| (p.from.clone(), p.to.clone()))
            .collect()
    }

    #[test]
    fn splits_at_sample_quantiles() {
        let sample = keys(&["a", "b", "c", "d", "e", "f", "g", "h"]);
        let k = |v: &str| Some(vec![v.to_string()]);
        assert_eq!(
            bounds(&split(&sample, &["z".into()], 4)),
            vec![
                (None, k("c")),
                (k("c"), k("e")),
                (k("e"), k("g")),
                (k("g"), k("z"))
            ]
        );
    }

    #[test]
    fn small_samples_give_fewer_parts_never_an_empty_or_repeated_bound() {
        let k = |v: &str| Some(vec![v.to_string()]);
        assert_eq!(
            bounds(&split(&keys(&["m"]), &["m".into()], 8)),
            vec![(None, k("m"))]
        );
        assert_eq!(
            bounds(&split(&keys(&["a", "m"]), &["m".into()], 8)),
            vec![(None, k("a")), (k("a"), k("m"))]
        );
        assert_eq!(bounds(&split(&[], &["m".into()], 3)), vec![(None, k("m"))]);
    }
}
