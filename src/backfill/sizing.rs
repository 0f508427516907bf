//! Adaptive batch size: after each batch the size moves toward the one that would have taken
//! the target duration, at most halving or growing by half at a time, within min and max;
//! a batch that hit a lock or statement timeout halves it.

use super::spec::{BackfillSpec, BatchSize, DEFAULT_FIRST_BATCH};
use std::time::Duration;

/// The batch size in force and how it adapts.
#[derive(Debug, Clone)]
pub(super) struct Sizer {
    size: u64,
    min: u64,
    max: u64,
    target: Duration,
    fixed: bool,
}

impl Sizer {
    /// The sizer for `spec`, starting from `resume` (the size in force when a run stopped)
    /// when given; `ceiling` caps the size (a rows-per-second limit).
    #[must_use]
    pub(super) fn new(spec: &BackfillSpec, resume: Option<u64>, ceiling: Option<u64>) -> Sizer {
        let max = spec.max_batch.min(ceiling.unwrap_or(u64::MAX)).max(1);
        let min = spec.min_batch.min(max);
        match spec.batch {
            BatchSize::Fixed(n) => Sizer {
                size: n,
                min: n,
                max: n,
                target: spec.target,
                fixed: true,
            },
            BatchSize::Auto => Sizer {
                size: resume.unwrap_or(DEFAULT_FIRST_BATCH).clamp(min, max),
                min,
                max,
                target: spec.target,
                fixed: false,
            },
        }
    }

    /// The size of the next batch.
    #[must_use]
    pub(super) fn size(&self) -> u64 {
        self.size
    }

    /// A batch of `keys` keys took `took`.
    pub(super) fn observe(&mut self, took: Duration, keys: u64) {
        if self.fixed || keys < self.size / 2 {
            return;
        }
        let ratio = self.target.as_secs_f64() / took.as_secs_f64().max(0.000_1);
        let factor = ratio.clamp(0.5, 1.5);
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let next = (self.size as f64 * factor).round() as u64;
        self.size = next.clamp(self.min, self.max);
    }

    /// A batch failed on a timeout or conflict: halve (down to the minimum).
    pub(super) fn shrink(&mut self) {
        self.size = (self.size / 2).max(self.min).max(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migration::Migration;
    use crate::Dialect;

    fn spec(directives: &str) -> BackfillSpec {
        let text = format!(
            "-- bellows:backfill table=t {directives}\nUPDATE t SET b = a WHERE b IS NULL;\n"
        );
        let m = Migration::parse("1_x.sql", &text, Dialect::Postgres).unwrap();
        BackfillSpec::of(&m, Dialect::Postgres).unwrap().unwrap()
    }

    #[test]
    fn grows_toward_the_target_and_stays_in_bounds() {
        let mut s = Sizer::new(&spec("min-batch=10 max-batch=5000"), None, None);
        assert_eq!(s.size(), 1000);
        s.observe(Duration::from_millis(50), 1000);
        assert_eq!(s.size(), 1500);
        for _ in 0..20 {
            s.observe(Duration::from_millis(1), s.size());
        }
        assert_eq!(s.size(), 5000);
        s.observe(Duration::from_secs(2), 5000);
        assert_eq!(s.size(), 2500);
        s.observe(Duration::from_millis(200), 2500);
        assert_eq!(s.size(), 2500);
        for _ in 0..20 {
            s.shrink();
        }
        assert_eq!(s.size(), 10);
    }

    #[test]
    fn fixed_size_and_rate_ceiling() {
        let mut s = Sizer::new(&spec("batch=300"), None, None);
        s.observe(Duration::from_millis(1), 300);
        assert_eq!(s.size(), 300);
        let s = Sizer::new(&spec(""), Some(50_000), Some(2_000));
        assert_eq!(s.size(), 2_000);
    }
}
