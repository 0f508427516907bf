//! The state bellows keeps per migration, and the values passed between the engine and a
//! [`Backend`](super::Backend).

use crate::sql::Statement;
use crate::PhaseKind;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::fmt;
use std::time::Duration;

/// Where a migration stands (DESIGN §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Not started.
    Pending,
    /// Expand phase started, not finished (a failed or interrupted run).
    Expanding,
    /// Expand phase done.
    Expanded,
    /// Backfill started, not finished.
    Backfilling,
    /// Backfill done.
    Backfilled,
    /// Contract phase started, not finished.
    Contracting,
    /// Contract phase done.
    Contracted,
    /// Down phase started, not finished.
    Aborting,
    /// Down phase done: the expand was undone.
    Aborted,
}

impl State {
    /// The stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Expanding => "expanding",
            State::Expanded => "expanded",
            State::Backfilling => "backfilling",
            State::Backfilled => "backfilled",
            State::Contracting => "contracting",
            State::Contracted => "contracted",
            State::Aborting => "aborting",
            State::Aborted => "aborted",
        }
    }

    /// Parse a stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<State> {
        [
            State::Pending,
            State::Expanding,
            State::Expanded,
            State::Backfilling,
            State::Backfilled,
            State::Contracting,
            State::Contracted,
            State::Aborting,
            State::Aborted,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }

    /// The state while `phase` runs.
    #[must_use]
    pub fn running(phase: PhaseKind) -> State {
        match phase {
            PhaseKind::Expand => State::Expanding,
            PhaseKind::Backfill => State::Backfilling,
            PhaseKind::Contract => State::Contracting,
            PhaseKind::Down => State::Aborting,
        }
    }

    /// The state once `phase` is done.
    #[must_use]
    pub fn done(phase: PhaseKind) -> State {
        match phase {
            PhaseKind::Expand => State::Expanded,
            PhaseKind::Backfill => State::Backfilled,
            PhaseKind::Contract => State::Contracted,
            PhaseKind::Down => State::Aborted,
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A phase that has run (or started), as recorded.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct AppliedPhase {
    /// Checksum of the statements that ran.
    pub checksum: String,
    /// The statements that ran (for drift diffs).
    #[serde(skip)]
    pub sql: String,
    /// When it finished (`None` while it is still running or failed half way).
    pub finished_at: Option<DateTime<Utc>>,
}

/// One row of the `migrations` state table.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Record {
    /// Version.
    pub version: i64,
    /// Name.
    pub name: String,
    /// Current state.
    pub state: State,
    /// Statements of the running phase already done (resume point).
    pub statements_done: usize,
    /// Phases that ran or started, with their checksums.
    pub phases: Vec<(PhaseKind, AppliedPhase)>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Who ran the last phase.
    pub applied_by: String,
    /// On which host.
    pub applied_host: String,
}

/// A progress write: `statements_done` statements of `phase` are done; when `finished`,
/// the migration moves to the phase's done state.
#[derive(Debug, Clone)]
pub(crate) struct Progress<'a> {
    /// Version.
    pub version: i64,
    /// Name.
    pub name: &'a str,
    /// The phase.
    pub phase: PhaseKind,
    /// Statements done so far.
    pub statements_done: usize,
    /// The phase is complete.
    pub finished: bool,
    /// Checksum of the phase.
    pub checksum: &'a str,
    /// The phase's statements, normalized.
    pub sql: &'a str,
    /// Who runs it.
    pub actor: &'a str,
    /// Which host.
    pub host: &'a str,
}

/// A group of statements run together: in one transaction, or alone outside one.
#[derive(Debug, Clone)]
pub struct Step<'a> {
    /// The statements.
    pub statements: &'a [Statement],
    /// Run them in a transaction together with the progress write.
    pub in_transaction: bool,
    /// Lock timeout for the step, `None` for statements that take no blocking lock
    /// (concurrent index builds).
    pub lock_timeout: Option<Duration>,
}

/// Why a step failed. Nothing of the step was kept.
#[derive(Debug)]
pub enum StepError {
    /// The lock timeout hit; worth retrying.
    LockTimeout {
        /// Index of the statement that waited, within the step.
        index: usize,
        /// The session that held the lock, where the database said.
        blocker: Option<String>,
    },
    /// A deadlock or serialization failure; worth retrying.
    Transient(sqlx::Error),
    /// The server stopped a statement that ran past its time limit (backfill batches);
    /// worth retrying smaller.
    StatementTimeout(sqlx::Error),
    /// Statement `index` of the step failed.
    Failed {
        /// Index of the failing statement within the step.
        index: usize,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// The connection to the server was lost while statement `index` ran (or at COMMIT):
    /// whether it took effect is for the next run to find out.
    ConnectionLost {
        /// Index of the statement that was running within the step.
        index: usize,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// Bellows' own bookkeeping failed.
    Internal(crate::Error),
}

/// The state of an index a concurrent build creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IndexState {
    /// No such index.
    Missing,
    /// Built and valid.
    Valid,
    /// Left INVALID by a failed concurrent build.
    Invalid,
}

/// What a server says about replication (read by the backfill throttle).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replication {
    /// Nothing to watch: a PostgreSQL primary with no standby connected, or a MySQL/MariaDB
    /// server that is not a replica.
    None,
    /// Replication runs; the largest lag and where it is (a standby or a channel), if named.
    Lag {
        /// How far behind.
        lag: Duration,
        /// The standby (PostgreSQL) or replication channel (MySQL/MariaDB), where one has a
        /// name.
        at: Option<String>,
    },
    /// Replication is set up but not running (a stopped or failed replica thread): what
    /// the server says.
    Stopped(String),
}

/// A rollout recorded by the release pipeline.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Rollout {
    /// The app it was of (`None`: recorded without `--app`, counts for every app).
    pub app_name: Option<String>,
    /// The app version that finished rolling out.
    pub app_version: String,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// Who recorded it.
    pub recorded_by: String,
}

/// An entry of the append-only events log.
#[derive(Debug, Clone)]
pub(crate) struct Event<'a> {
    /// What happened (`phase`, `gate`, `force`, `rollout`, ...).
    pub kind: &'a str,
    /// The migration concerned.
    pub version: Option<i64>,
    /// Who.
    pub actor: &'a str,
    /// Details, as JSON.
    pub detail: serde_json::Value,
}

/// A running (or stopped) instance of the application, as registered through the library.
#[derive(Debug, Clone, Serialize)]
pub struct Instance {
    /// Unique id of the instance.
    pub id: String,
    /// The application's name.
    pub app_name: String,
    /// The version it runs.
    pub app_version: String,
    /// Its host.
    pub host: String,
    /// When it registered.
    pub started_at: DateTime<Utc>,
    /// Its last heartbeat.
    pub heartbeat_at: DateTime<Utc>,
    /// When it deregistered (clean shutdown).
    pub stopped_at: Option<DateTime<Utc>>,
    /// Its environment (blue, green, canary, a region), when it registered with one.
    pub environment: Option<String>,
    /// When its environment was retired (`bellows rollout retire`) after it started: it no
    /// longer counts for the gate, heartbeat or not.
    pub retired_at: Option<DateTime<Utc>>,
    /// Time since the last heartbeat, by the database's clock.
    #[serde(serialize_with = "duration_ms")]
    pub heartbeat_age: Duration,
}

impl Instance {
    /// Live: not stopped and heard from within `ttl`.
    #[must_use]
    pub fn is_live(&self, ttl: Duration) -> bool {
        self.stopped_at.is_none() && self.heartbeat_age < ttl
    }
}

fn duration_ms<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// A change to the app instances table.
#[derive(Debug, Clone, Copy)]
pub(crate) enum InstanceChange<'a> {
    /// Register a new instance.
    Register(&'a Instance),
    /// Refresh its heartbeat.
    Heartbeat(&'a str),
    /// Mark it stopped (clean shutdown).
    Deregister(&'a str),
    /// Delete instances silent for longer than this.
    Prune(Duration),
}

/// Who a runner is and how long its lease lasts without renewal (hidden: the runner sets it
/// from its settings).
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct LeaseTerms {
    /// Shown to other runners while this one holds the lease: actor, host and pid.
    pub holder: String,
    /// How long a lease lasts unless renewed; the holder renews every third of it.
    pub expiry: Duration,
}

impl LeaseTerms {
    /// The terms of a runner: `actor` on `host`, this process's pid.
    pub(crate) fn of(actor: &str, host: &str, expiry: Duration) -> Self {
        LeaseTerms {
            holder: format!("{actor} on {host}, pid {}", std::process::id()),
            expiry,
        }
    }
}

impl Default for LeaseTerms {
    fn default() -> Self {
        LeaseTerms {
            holder: format!(
                "bellows on {}, pid {}",
                gethostname::gethostname().to_string_lossy(),
                std::process::id()
            ),
            expiry: DEFAULT_LEASE_EXPIRY,
        }
    }
}

/// The library's default lease expiry.
pub(crate) const DEFAULT_LEASE_EXPIRY: Duration = Duration::from_secs(30);
