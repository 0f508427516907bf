//! The replication the throttle watches: what the primary sees (PostgreSQL standbys in
//! `pg_stat_replication`; a MySQL/MariaDB primary that is itself a replica) and each
//! MySQL/MariaDB replica named with `--replica`. A named replica whose replication is not
//! running, or whose status cannot be read, holds batches back just as lag does: its lag
//! would otherwise grow unseen.

use crate::db::{self, redact_message, Backend, DatabaseUrl, Replication};
use crate::{Error, Result};
use std::time::Duration;

/// The replicas named with `--replica`, each with its connection (opened again after a
/// failed read).
#[derive(Default)]
pub(crate) struct Replicas {
    watched: Vec<Watched>,
    /// The MySQL/MariaDB server written to may not read its own replication status (no
    /// `REPLICATION CLIENT` / `SLAVE MONITOR`): it is not read again.
    own_unreadable: bool,
    /// The database server's own stopped replication was reported (once a run).
    own_stopped_told: bool,
}

struct Watched {
    url: DatabaseUrl,
    conn: Option<Box<dyn Backend>>,
}

impl Replicas {
    /// Connect to each replica.
    ///
    /// # Errors
    /// [`Error::Config`] for a PostgreSQL URL (standbys are watched from the primary);
    /// [`Error::Connect`] when a replica cannot be reached.
    pub(crate) async fn connect(urls: &[DatabaseUrl]) -> Result<Replicas> {
        let mut watched = Vec::new();
        for url in urls {
            if url.dialect().primary_sees_replica_lag() {
                return Err(Error::Config(format!(
                    "replica {url}: PostgreSQL standbys are watched from the primary's pg_stat_replication; watched replicas are MySQL/MariaDB ones"
                )));
            }
            watched.push(Watched {
                url: url.clone(),
                conn: Some(db::connect(url).await?),
            });
        }
        Ok(Replicas {
            watched,
            ..Replicas::default()
        })
    }

    /// Before the first batch: a PostgreSQL primary's standbys' lag can be seen, and each
    /// replica's status can be read and shows a replica (a status that cannot be read
    /// would otherwise hold the backfill back forever). A MySQL/MariaDB server whose own
    /// status cannot be read is only warned about: the named replicas are what is watched.
    ///
    /// # Errors
    /// [`Error::Config`] naming the server (password redacted) and the reason; the
    /// PostgreSQL primary's error as it is.
    pub(crate) async fn check(&mut self, primary: &mut dyn Backend) -> Result<()> {
        match primary.replication().await {
            Err(e) if primary.dialect().primary_sees_replica_lag() => return Err(e),
            Err(e) => {
                tracing::warn!("cannot read the database server's own replication status, not watching it: {e}");
                self.own_unreadable = true;
            }
            Ok(_) => {}
        }
        for w in &mut self.watched {
            let url = &w.url;
            let Some(conn) = w.conn.as_mut() else {
                continue;
            };
            match conn.replication().await {
                Ok(Replication::None) => {
                    return Err(Error::Config(format!(
                        "replica {url} is not a replica: it shows no replication (SHOW REPLICA STATUS is empty)"
                    )))
                }
                Ok(_) => {}
                Err(e) => {
                    return Err(Error::Config(redact_message(
                        &format!("cannot read the replication status of replica {url}: {e}"),
                        url,
                    )))
                }
            }
        }
        Ok(())
    }

    /// Why batches must wait now, one reason per server (empty: go on): lag above
    /// `max_lag` anywhere; a named replica whose replication is not running or whose
    /// status cannot be read.
    pub(crate) async fn holds(
        &mut self,
        primary: &mut dyn Backend,
        max_lag: Duration,
    ) -> Vec<String> {
        let mut reasons = Vec::new();
        let own = if self.own_unreadable {
            Ok(Replication::None)
        } else {
            primary.replication().await
        };
        match own {
            Ok(Replication::Lag { lag, at }) if lag > max_lag => reasons.push(format!(
                "replication lag of {} is {lag:.1?}, above {max_lag:?}",
                at.unwrap_or_else(|| "the database server itself".into())
            )),
            // Writes made on this server do not travel through its own replication (a
            // promoted replica keeps a stopped one until RESET REPLICA ALL).
            Ok(Replication::Stopped(status)) if !self.own_stopped_told => {
                self.own_stopped_told = true;
                tracing::warn!(
                    "the database server is itself a replica whose replication is not running ({status}); the backfill does not wait for it"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("could not read the replication status of the database: {e}"),
        }
        for w in &mut self.watched {
            reasons.extend(w.hold(max_lag).await);
        }
        reasons
    }
}

impl Watched {
    /// Why this replica holds batches back, if it does.
    async fn hold(&mut self, max_lag: Duration) -> Option<String> {
        let url = &self.url;
        let read = match self.conn.as_mut() {
            Some(conn) => conn.replication().await,
            None => match db::connect(url).await {
                Ok(conn) => self.conn.insert(conn).replication().await,
                Err(e) => Err(e),
            },
        };
        let reason = match read {
            Ok(Replication::Lag { lag, at }) if lag > max_lag => format!(
                "replication lag of replica {url}{} is {lag:.1?}, above {max_lag:?}",
                at.map(|a| format!(" ({a})")).unwrap_or_default()
            ),
            Ok(Replication::Lag { .. }) => return None,
            Ok(Replication::Stopped(status)) => {
                format!("replication is not running on replica {url}: {status}")
            }
            Ok(Replication::None) => {
                format!(
                    "replica {url} no longer shows any replication (SHOW REPLICA STATUS is empty)"
                )
            }
            Err(e) => {
                // Connect again at the next check: the connection may be what broke.
                self.conn = None;
                format!("cannot read the replication status of replica {url}: {e}")
            }
        };
        Some(redact_message(&reason, url))
    }
}
