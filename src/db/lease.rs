//! The lease lock, for MySQL-family clusters where `GET_LOCK` does not guard the cluster:
//! on Galera (MariaDB Galera Cluster, Percona XtraDB Cluster) a `GET_LOCK` is taken on one
//! node only, or refused outright ("doesn't yet support 'GET_LOCK in cluster'"), so two
//! runners on two nodes would both run. The lease is a row in `bellows_lease`, which Galera
//! replicates to every node like any other row:
//!
//! - **taken atomically**: `INSERT IGNORE` of the lock's row, or an `UPDATE` of a row whose
//!   lease has expired; the statement's affected-row count says who won (two nodes writing
//!   the same row at once: Galera's certification lets one commit and fails the other);
//! - **renewed** by the holder on its own connection every third of the expiry while it runs
//!   (a DDL statement may keep the main connection busy for hours);
//! - **stolen only after expiry**: a runner killed while holding it blocks others until its
//!   lease runs out, then the next one takes it over and says whose lease it was;
//! - **named**: the row says who holds it (actor, host, pid), for "lock busy" messages.
//!
//! The table is created here, idempotently, on the first lease taken: it is not part of the
//! state schema (see docs/architecture.md).

use super::{driver, mysql_number, LeaseTerms, Lock, Row, SqlValue};
use crate::{Error, Result};
use sqlx::mysql::{MySql, MySqlConnectOptions, MySqlConnection};
use sqlx::Connection as _;
use std::time::Duration;
use tokio::task::JoinHandle;

const CREATE: &str =
    "CREATE TABLE IF NOT EXISTS bellows_lease (name VARCHAR(64) NOT NULL PRIMARY KEY, \
     holder VARCHAR(255) NOT NULL, token CHAR(32) NOT NULL, taken_at DATETIME(6) NOT NULL, \
     renewed_at DATETIME(6) NOT NULL, expires_at DATETIME(6) NOT NULL) ENGINE=InnoDB";
const TAKE: &str = "INSERT IGNORE INTO bellows_lease (name, holder, token, taken_at, renewed_at, expires_at) \
     VALUES (?, ?, ?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND)";
const EXPIRED: &str =
    "SELECT holder FROM bellows_lease WHERE name = ? AND expires_at < UTC_TIMESTAMP(6)";
const STEAL: &str = "UPDATE bellows_lease SET holder = ?, token = ?, taken_at = UTC_TIMESTAMP(6), \
     renewed_at = UTC_TIMESTAMP(6), expires_at = UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND \
     WHERE name = ? AND expires_at < UTC_TIMESTAMP(6)";
const RENEW: &str = "UPDATE bellows_lease SET renewed_at = UTC_TIMESTAMP(6), \
     expires_at = UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND WHERE name = ? AND token = ?";
const RELEASE: &str = "DELETE FROM bellows_lease WHERE name = ? AND token = ?";
const HOLDER: &str =
    "SELECT holder, CAST(TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(6), expires_at) DIV 1000 AS CHAR) \
     FROM bellows_lease WHERE name = ?";

/// The row name of `lock` (one table per database, so the lock kind is enough).
fn row_name(lock: Lock) -> &'static str {
    match lock {
        Lock::Migrations => "migrations",
        Lock::Backfill => "backfill",
    }
}

/// A lease this connection holds: its token, how often it was taken (the locks are
/// re-entrant, like `GET_LOCK` and advisory locks), and the task renewing it.
struct Held {
    lock: Lock,
    token: String,
    depth: u32,
    renewer: JoinHandle<()>,
}

/// The leases of one connection.
#[derive(Default)]
pub(super) struct Leases {
    /// Whether this server needs leases (Galera, or `GET_LOCK` refused).
    pub(super) on: bool,
    pub(super) terms: LeaseTerms,
    table_ready: bool,
    held: Vec<Held>,
}

/// A certification conflict (Galera) or deadlock: another runner wrote the row first.
fn lost_race(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(mysql_number)
        .is_some_and(|n| n == 1213)
}

impl Leases {
    /// No lease held yet; `on` when the server needs leases.
    pub(super) fn new(on: bool) -> Self {
        Leases {
            on,
            ..Leases::default()
        }
    }

    /// Try to take `lock`'s lease once; `false` while another runner's lease runs.
    pub(super) async fn try_take(
        &mut self,
        conn: &mut MySqlConnection,
        options: &MySqlConnectOptions,
        lock: Lock,
    ) -> Result<bool> {
        if let Some(held) = self.held.iter_mut().find(|h| h.lock == lock) {
            held.depth += 1;
            return Ok(true);
        }
        if !self.table_ready {
            driver::execute::<MySql, _>(&mut *conn, CREATE, &[])
                .await
                .map_err(Error::db("creating bellows_lease"))?;
            self.table_ready = true;
        }
        let name = row_name(lock);
        let token = hex::encode(rand::random::<[u8; 16]>());
        let holder: String = self.terms.holder.chars().take(255).collect();
        let micros =
            SqlValue::Int(i64::try_from(self.terms.expiry.as_micros()).unwrap_or(i64::MAX));
        let binds = [
            SqlValue::Text(name.into()),
            SqlValue::Text(holder.clone()),
            SqlValue::Text(token.clone()),
            micros.clone(),
        ];
        let mut taken = self.write(conn, TAKE, &binds).await? == 1;
        if !taken {
            let expired = driver::query::<MySql, _>(&mut *conn, EXPIRED, &binds[..1])
                .await
                .map_err(Error::db("reading bellows_lease"))?;
            if let Some(previous) = Row::scalar(&expired).map(str::to_string) {
                let binds = [
                    SqlValue::Text(holder),
                    SqlValue::Text(token.clone()),
                    micros,
                    SqlValue::Text(name.into()),
                ];
                taken = self.write(conn, STEAL, &binds).await? == 1;
                if taken {
                    tracing::warn!("took over the {name} lease of {previous}: it expired without being renewed (that run stopped or lost its connection)");
                }
            }
        }
        if taken {
            let renewer = renew(options.clone(), name, token.clone(), self.terms.expiry);
            self.held.push(Held {
                lock,
                token,
                depth: 1,
                renewer,
            });
        }
        Ok(taken)
    }

    /// Run a write of the lease; a lost certification race counts as nothing written.
    async fn write(
        &self,
        conn: &mut MySqlConnection,
        sql: &str,
        binds: &[SqlValue],
    ) -> Result<u64> {
        match driver::execute::<MySql, _>(&mut *conn, sql, binds).await {
            Err(e) if lost_race(&e) => Ok(0),
            other => other.map_err(Error::db("taking the lease in bellows_lease")),
        }
    }

    /// Who holds `lock`'s lease and until when.
    pub(super) async fn holder(&self, conn: &mut MySqlConnection, lock: Lock) -> Option<String> {
        let binds = [SqlValue::Text(row_name(lock).into())];
        let rows = driver::query::<MySql, _>(&mut *conn, HOLDER, &binds)
            .await
            .ok()?;
        let row = rows.first()?;
        let left: i64 = row.text(1).parse().unwrap_or(0);
        let when = if left >= 0 {
            format!("its lease expires in {left}s unless renewed")
        } else {
            format!(
                "its lease expired {}s ago and is taken over on the next try",
                -left
            )
        };
        Some(format!("held by {} ({when})", row.text(0)))
    }

    /// Release `lock`'s lease (once taken as often as released).
    pub(super) async fn release(&mut self, conn: &mut MySqlConnection, lock: Lock) -> Result<()> {
        let Some(at) = self.held.iter().position(|h| h.lock == lock) else {
            return Ok(());
        };
        if self.held[at].depth > 1 {
            self.held[at].depth -= 1;
            return Ok(());
        }
        // Dropping it stops the renewal.
        let held = self.held.remove(at);
        let binds = [
            SqlValue::Text(row_name(lock).into()),
            SqlValue::Text(held.token.clone()),
        ];
        driver::execute::<MySql, _>(&mut *conn, RELEASE, &binds)
            .await
            .map(drop)
            .map_err(Error::db("releasing the lease in bellows_lease"))
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.renewer.abort();
    }
}

/// Renew a lease every third of its expiry on a connection of its own, until aborted or
/// until the lease turns out to be someone else's.
fn renew(
    options: MySqlConnectOptions,
    name: &'static str,
    token: String,
    expiry: Duration,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut conn: Option<MySqlConnection> = None;
        let micros = i64::try_from(expiry.as_micros()).unwrap_or(i64::MAX);
        let binds = [
            SqlValue::Int(micros),
            SqlValue::Text(name.into()),
            SqlValue::Text(token),
        ];
        loop {
            tokio::time::sleep(expiry / 3).await;
            if conn.is_none() {
                conn = MySqlConnection::connect_with(&options).await.ok();
            }
            let Some(c) = conn.as_mut() else {
                tracing::warn!("cannot reach the database to renew the {name} lease");
                continue;
            };
            match driver::execute::<MySql, _>(&mut *c, RENEW, &binds).await {
                Ok(0) => {
                    tracing::error!("lost the {name} lease: it expired and another run took it over; this run no longer excludes others");
                    return;
                }
                Ok(_) => {}
                Err(e) if lost_race(&e) => {}
                Err(e) => {
                    tracing::warn!("renewing the {name} lease: {e}");
                    if super::connection_lost(&e) {
                        conn = None;
                    }
                }
            }
        }
    })
}
