//! The latency guard: what the app sees while a backfill runs. Before the first batch it
//! measures a baseline on a connection of its own — a primary-key read of the table being
//! backfilled and a small committed write to bellows' meta table — and while batches run it
//! keeps measuring the same pair, every 20 ms (PostgreSQL) or 50 ms (MySQL/MariaDB) during
//! each batch and during its pauses. When the probes' p95 over about the last second is
//! above the target (twice the
//! baseline by default), batches shrink and pause until the probes are back under it; as it
//! falls back, they grow again under the sizer's control. The probes never touch the rows a
//! batch has locked, so each probe also asks the server how long app sessions have been
//! waiting for the batches' row locks (`db::waits`), and counts the longer of the two: an
//! app that keeps running into the batch gets shorter batches, hence shorter waits. Server
//! tuning is the operator's business: this protects the app on the server as it is.

use crate::db::keyset::KeyedTable;
use crate::db::{store, Backend, Bound};
use crate::Result;
use serde::Serialize;
use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};

/// Probes in the baseline.
const BASELINE_PROBES: usize = 20;
/// How often the guard probes and reads the waits behind the batches, per server.
#[derive(Debug, Clone, Copy)]
struct Cadence {
    /// The gap between two probes while a batch runs or a pause lasts.
    every: Duration,
    /// Probes the verdict looks back over (about a second of probing).
    window: usize,
    /// How often the waits behind the batches are read at most.
    waits_every: Duration,
}

impl Cadence {
    /// PostgreSQL: a probe every 20 ms, the waits with each. MySQL/MariaDB: every 50 ms and
    /// the waits every 200 ms. There each probe's commit is one more log flush beside the
    /// app's, and the lock-wait tables are filled under the lock system's mutex that the
    /// app's transactions need too: at the PostgreSQL cadence the guard's own load cost
    /// MariaDB half the backfill's speed and did not lower the app's p99
    /// (bench/backfill/README.md).
    fn of(dialect: crate::Dialect) -> Cadence {
        if dialect == crate::Dialect::Postgres {
            Cadence {
                every: Duration::from_millis(20),
                window: 40,
                waits_every: Duration::ZERO,
            }
        } else {
            Cadence {
                every: Duration::from_millis(50),
                window: 20,
                waits_every: Duration::from_millis(200),
            }
        }
    }
}

/// Consecutive probes under the target that end a pause early.
const RECOVERED: usize = 5;
/// The target is never below this: on an idle local server the baseline is a fraction of a
/// millisecond, and twice that would stall a run on noise an app does not feel.
const FLOOR: Duration = Duration::from_millis(5);

/// How slow the app may get while a backfill runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum LatencyTarget {
    /// A multiple of the baseline measured before the first batch (`2x`, the default).
    Factor(f64),
    /// A fixed latency (`15ms`).
    Absolute(Duration),
    /// No guard: full speed (`off`).
    Off,
}

impl Default for LatencyTarget {
    fn default() -> Self {
        LatencyTarget::Factor(2.0)
    }
}

impl FromStr for LatencyTarget {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("off") {
            return Ok(LatencyTarget::Off);
        }
        if let Some(f) = s.strip_suffix(['x', 'X']) {
            return match f.parse::<f64>() {
                Ok(f) if f >= 1.0 => Ok(LatencyTarget::Factor(f)),
                _ => Err(format!(
                    "latency target `{s}`: a factor is 1x or more, e.g. 2x"
                )),
            };
        }
        humantime::parse_duration(s)
            .map(LatencyTarget::Absolute)
            .map_err(|_| {
                format!("latency target `{s}`: write a factor (2x), a duration (15ms) or off")
            })
    }
}

impl fmt::Display for LatencyTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LatencyTarget::Factor(x) => write!(f, "{x}x"),
            LatencyTarget::Absolute(d) => write!(f, "{d:?}"),
            LatencyTarget::Off => f.write_str("off"),
        }
    }
}

/// The guard of one backfill run.
pub(crate) struct LatencyGuard {
    conn: Box<dyn Backend>,
    read: String,
    write: Bound,
    baseline: Duration,
    target: Duration,
    window: VecDeque<Duration>,
    cadence: Cadence,
    /// The query for the longest wait behind the batches' sessions (once they are known).
    waits: Option<String>,
    /// When the waits were last read, and what they were.
    waits_read: Option<(Instant, Duration)>,
}

impl LatencyGuard {
    /// Open the probe connection and measure the baseline; `None` when the guard is off.
    ///
    /// # Errors
    /// Connection and database errors.
    pub(crate) async fn start(
        db: &mut dyn Backend,
        keyed: &KeyedTable,
        target: LatencyTarget,
    ) -> Result<Option<LatencyGuard>> {
        if target == LatencyTarget::Off {
            return Ok(None);
        }
        let conn = db.open_another().await?;
        let write = store::latency_probe(db.dialect());
        let mut guard = LatencyGuard {
            conn,
            read: keyed.edge_key_sql(false),
            write,
            baseline: Duration::ZERO,
            target: Duration::ZERO,
            window: VecDeque::new(),
            cadence: Cadence::of(db.dialect()),
            waits: None,
            waits_read: None,
        };
        let mut samples = Vec::with_capacity(BASELINE_PROBES);
        for _ in 0..BASELINE_PROBES {
            samples.push(guard.measure().await?);
        }
        guard.baseline = p95(&samples);
        guard.target = match target {
            LatencyTarget::Factor(x) => guard.baseline.mul_f64(x).max(FLOOR),
            LatencyTarget::Absolute(d) => d,
            LatencyTarget::Off => unreachable!("returned above"),
        };
        Ok(Some(guard))
    }

    /// One probe: the read and the committed write, timed together.
    async fn measure(&mut self) -> Result<Duration> {
        let t0 = Instant::now();
        self.conn.query(&self.read, &[]).await?;
        self.conn
            .execute_with(&self.write.sql, &self.write.binds)
            .await?;
        Ok(t0.elapsed())
    }

    /// The gap between two probes.
    pub(crate) fn every(&self) -> Duration {
        self.cadence.every
    }

    /// Watch the app's waits behind these sessions (the parts' batch connections).
    pub(crate) fn watch(&mut self, sessions: &[i64]) {
        self.waits = crate::db::waits::longest_wait_sql(self.conn.dialect(), sessions);
    }

    /// The longest current wait of an app session behind a batch (zero when none, or when
    /// the server does not say: then the query is not asked again).
    async fn longest_wait(&mut self) -> Duration {
        let Some(sql) = self.waits.as_deref() else {
            return Duration::ZERO;
        };
        if let Some((at, wait)) = self.waits_read {
            if at.elapsed() < self.cadence.waits_every {
                return wait;
            }
        }
        match self.conn.query(sql, &[]).await {
            Ok(rows) => {
                let wait = Duration::from_millis(
                    crate::db::Row::scalar(&rows)
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0),
                );
                self.waits_read = Some((Instant::now(), wait));
                wait
            }
            Err(e) => {
                tracing::debug!("not watching waits behind the batches: {e}");
                self.waits = None;
                Duration::ZERO
            }
        }
    }

    /// Probe once (during a batch) and remember it with the longest wait behind a batch,
    /// whichever is longer; a failed probe counts as slow.
    pub(crate) async fn probe(&mut self) {
        let probe = self.measure().await.unwrap_or(self.target * 2);
        let took = probe.max(self.longest_wait().await);
        if self.window.len() >= self.cadence.window {
            self.window.pop_front();
        }
        self.window.push_back(took);
    }

    /// Whether the last few probes were all under the target, so that a pause may end; the
    /// slower probes before them are then forgotten, or they would hold back the batches
    /// after the pause too.
    pub(crate) fn recovered(&mut self) -> bool {
        let recovered = self.window.len() >= RECOVERED
            && self
                .window
                .iter()
                .rev()
                .take(RECOVERED)
                .all(|d| *d <= self.target);
        if recovered {
            self.window.drain(..self.window.len() - RECOVERED);
        }
        recovered
    }

    /// The probes' p95 over the window, once there are any.
    pub(crate) fn recent(&self) -> Option<Duration> {
        let all: Vec<Duration> = self.window.iter().copied().collect();
        (!all.is_empty()).then(|| p95(&all))
    }

    /// How long to hold batches back, and why, when the app is slower than the target.
    pub(crate) fn verdict(&self) -> Option<(Duration, String)> {
        let recent = self.recent()?;
        if recent <= self.target {
            return None;
        }
        let pause = (recent * 4).clamp(Duration::from_millis(100), Duration::from_secs(2));
        Some((
            pause,
            format!(
                "the app's probe p95 {recent:.1?} (probes, waits behind a batch) is over its target {:.1?} (baseline {:.1?})",
                self.target, self.baseline
            ),
        ))
    }
}

/// The 95th percentile of `samples` (not empty).
fn p95(samples: &[Duration]) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    let i = (sorted.len() * 95).div_ceil(100).saturating_sub(1);
    sorted[i.min(sorted.len() - 1)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_from_directives_and_flags() {
        assert_eq!("2x".parse(), Ok(LatencyTarget::Factor(2.0)));
        assert_eq!("1.5X".parse(), Ok(LatencyTarget::Factor(1.5)));
        assert_eq!("off".parse(), Ok(LatencyTarget::Off));
        assert_eq!(
            "15ms".parse(),
            Ok(LatencyTarget::Absolute(Duration::from_millis(15)))
        );
        assert!("0.5x".parse::<LatencyTarget>().is_err());
        assert!("soon".parse::<LatencyTarget>().is_err());
    }

    #[test]
    fn p95_of_samples() {
        let ms = |v: &[u64]| {
            v.iter()
                .map(|m| Duration::from_millis(*m))
                .collect::<Vec<_>>()
        };
        assert_eq!(p95(&ms(&[5])), Duration::from_millis(5));
        let mut many = ms(&[1; 19]);
        many.push(Duration::from_millis(100));
        assert_eq!(p95(&many), Duration::from_millis(1));
        many.push(Duration::from_millis(90));
        assert_eq!(p95(&many), Duration::from_millis(90));
    }
}
