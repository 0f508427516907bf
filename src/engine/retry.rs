//! The one retry policy, for DDL steps and backfill batches alike: which failures are worth
//! another attempt (lock timeouts, deadlocks, serialization failures, statement timeouts),
//! how many attempts, and the pause between them (exponential backoff with jitter).

use crate::db::StepError;
use crate::Error;
use rand::Rng;
use std::time::Duration;

/// Longest pause between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// First pause.
const BASE_BACKOFF: Duration = Duration::from_millis(200);

/// The pause before attempt `attempt + 1`: exponential, capped, with jitter in [50%, 100%].
#[must_use]
pub(crate) fn backoff(attempt: u32) -> Duration {
    let exp = BASE_BACKOFF
        .saturating_mul(1u32 << attempt.min(16).saturating_sub(1))
        .min(MAX_BACKOFF);
    exp.mul_f64(rand::thread_rng().gen_range(0.5..=1.0))
}

/// A failed step or batch, sorted by what to do about it.
pub(crate) enum Failure {
    /// Worth another attempt: why it failed (for logs and events), and the error itself.
    Retry {
        /// What happened, for a log line.
        reason: String,
        /// The error, for when the attempts run out.
        last: StepError,
    },
    /// A statement of the migration failed: retrying would fail the same way.
    Statement {
        /// Index of the failing statement within the step.
        index: usize,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// The connection is gone (and with it the migration lock on MySQL): the next run
    /// resumes.
    ConnectionLost {
        /// Index of the statement that was running within the step.
        index: usize,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// bellows' own bookkeeping failed.
    Internal(Error),
}

impl Failure {
    /// Sort a step error (`lock_timeout`: the timeout in force, for the reason).
    pub(crate) fn of(error: StepError, lock_timeout: Duration) -> Failure {
        match error {
            StepError::Failed { index, source } => Failure::Statement { index, source },
            StepError::Internal(e) => Failure::Internal(e),
            StepError::ConnectionLost { index, source } => {
                Failure::ConnectionLost { index, source }
            }
            StepError::LockTimeout { ref blocker, .. } => Failure::Retry {
                reason: format!(
                    "lock not granted within {lock_timeout:?}{}",
                    blocker
                        .as_ref()
                        .map(|b| format!(", blocked by {b}"))
                        .unwrap_or_default()
                ),
                last: error,
            },
            StepError::Transient(ref e) | StepError::StatementTimeout(ref e) => Failure::Retry {
                reason: e.to_string(),
                last: error,
            },
        }
    }
}

/// Attempts of one step or batch: how many failed in a row, and whether another is allowed.
#[derive(Debug)]
pub(crate) struct Attempts {
    max: u32,
    failed: u32,
}

impl Attempts {
    /// At most `max` attempts (at least one).
    pub(crate) fn new(max: u32) -> Attempts {
        Attempts {
            max: max.max(1),
            failed: 0,
        }
    }

    /// Count a failure; the pause before the next attempt, `None` when none is left.
    pub(crate) fn next_pause(&mut self) -> Option<Duration> {
        self.failed += 1;
        (self.failed < self.max).then(|| backoff(self.failed))
    }

    /// Failures so far (in a row).
    pub(crate) fn failed(&self) -> u32 {
        self.failed
    }

    /// The most attempts allowed.
    pub(crate) fn max(&self) -> u32 {
        self.max
    }

    /// A success: the count starts again.
    pub(crate) fn reset(&mut self) {
        self.failed = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        for attempt in 1..20 {
            let b = backoff(attempt);
            assert!(b <= MAX_BACKOFF);
            assert!(b >= BASE_BACKOFF / 2);
        }
        assert!(backoff(1) <= BASE_BACKOFF);
        assert!(backoff(6) >= Duration::from_millis(3200));
    }

    #[test]
    fn attempts_run_out_after_max_and_start_again_after_a_success() {
        let mut a = Attempts::new(3);
        assert!(a.next_pause().is_some());
        assert!(a.next_pause().is_some());
        assert!(a.next_pause().is_none());
        assert_eq!(a.failed(), 3);
        a.reset();
        assert!(a.next_pause().is_some());
        assert!(Attempts::new(0).next_pause().is_none());
    }

    #[test]
    fn lock_timeouts_and_transient_errors_are_retried_statement_errors_are_not() {
        let lock = StepError::LockTimeout {
            index: 0,
            blocker: Some("pid 7".into()),
        };
        match Failure::of(lock, Duration::from_secs(2)) {
            Failure::Retry { reason, .. } => {
                assert_eq!(reason, "lock not granted within 2s, blocked by pid 7")
            }
            _ => panic!("a lock timeout is retried"),
        }
        let failed = StepError::Failed {
            index: 2,
            source: sqlx::Error::RowNotFound,
        };
        assert!(matches!(
            Failure::of(failed, Duration::from_secs(2)),
            Failure::Statement { index: 2, .. }
        ));
        let deadlock = StepError::Transient(sqlx::Error::RowNotFound);
        assert!(matches!(
            Failure::of(deadlock, Duration::from_secs(2)),
            Failure::Retry { .. }
        ));
    }
}
