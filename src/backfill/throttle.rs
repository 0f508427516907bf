//! When to pause between batches: a rows-per-second ceiling, replication lag above the
//! allowed maximum or a watched replica that is not replicating (`replicas.rs`), and a
//! health query of the user's that says "pause". Each pause comes with its reason.

use super::replicas::Replicas;
use crate::db::{Backend, Row};
use std::time::{Duration, Instant};

/// How often replication and the health query are read at most.
const CHECK_EVERY: Duration = Duration::from_secs(1);
/// Longest single pause for replication or the health query (read again after it).
const CHECK_PAUSE: Duration = Duration::from_secs(2);

/// Pausing decisions for one backfill run.
pub(crate) struct Throttle {
    max_rows_per_sec: Option<u64>,
    max_lag: Duration,
    replicas: Replicas,
    health: Option<String>,
    started: Instant,
    rows: u64,
    last_check: Option<Instant>,
    /// Why batches wait, as found by the last check: every part (worker) obeys it until
    /// the next one, not only the part that made it.
    held: Option<String>,
}

impl Throttle {
    /// A throttle; `replicas` are the MySQL/MariaDB replicas to watch besides what the
    /// primary shows; `health` a query whose true result means "pause".
    #[must_use]
    pub(crate) fn new(
        max_rows_per_sec: Option<u64>,
        max_lag: Duration,
        replicas: Replicas,
        health: Option<String>,
    ) -> Throttle {
        Throttle {
            max_rows_per_sec,
            max_lag,
            replicas,
            health,
            started: Instant::now(),
            rows: 0,
            last_check: None,
            held: None,
        }
    }

    /// Before the first batch, what would otherwise pause the backfill forever: the health
    /// query must run, the replication status of the primary and of each replica must be
    /// readable, and each replica must be one.
    ///
    /// # Errors
    /// [`crate::Error::Config`] naming the query or the server and the database's complaint.
    pub(crate) async fn check(&mut self, primary: &mut dyn Backend) -> crate::Result<()> {
        self.replicas.check(primary).await?;
        let Some(query) = self.health.as_deref() else {
            return Ok(());
        };
        primary
            .query(&health_sql(primary, query), &[])
            .await
            .map(|_| ())
            .map_err(|e| {
                crate::Error::Config(format!("the pause-while query `{query}` does not run: {e}"))
            })
    }

    /// Count rows a batch processed.
    pub(crate) fn record(&mut self, rows: u64) {
        self.rows += rows;
    }

    /// How long to pause before the next batch, and why; `None`: go on.
    pub(crate) async fn pause(&mut self, primary: &mut dyn Backend) -> Option<(Duration, String)> {
        if let Some(limit) = self.max_rows_per_sec.filter(|l| *l > 0) {
            #[allow(clippy::cast_precision_loss)]
            let due = Duration::from_secs_f64(self.rows as f64 / limit as f64);
            let elapsed = self.started.elapsed();
            if due > elapsed {
                return Some((due - elapsed, format!("max-rows-per-sec={limit}")));
            }
        }
        if self.last_check.is_none_or(|t| t.elapsed() >= CHECK_EVERY) {
            self.last_check = Some(Instant::now());
            self.held = self.hold(primary).await;
        }
        self.held.clone().map(|reason| (CHECK_PAUSE, reason))
    }

    /// Why batches must wait now: replication first, then the health query.
    async fn hold(&mut self, primary: &mut dyn Backend) -> Option<String> {
        let holds = self.replicas.holds(primary, self.max_lag).await;
        if !holds.is_empty() {
            return Some(holds.join("; "));
        }
        let query = self.health.as_deref()?;
        match primary.query(&health_sql(primary, query), &[]).await {
            Ok(rows) => matches!(Row::scalar(&rows), Some("t" | "true" | "1"))
                .then(|| format!("the health query says pause ({query})")),
            Err(e) => {
                tracing::warn!("the health query failed, pausing: {e}");
                Some(format!("the health query failed: {e}"))
            }
        }
    }
}

/// The user's health query, its one value read back as text.
fn health_sql(primary: &dyn Backend, query: &str) -> String {
    format!(
        "SELECT {}",
        primary.dialect().cast_to_text(&format!("({query})"))
    )
}

impl Throttle {
    /// Give back the replicas (for the next backfill's throttle).
    #[must_use]
    pub(crate) fn into_replicas(self) -> Replicas {
        self.replicas
    }
}
