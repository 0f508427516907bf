//! MySQL and MariaDB: `GET_LOCK` for the migration lock (a lease in a table on Galera, see
//! `lease.rs`), `lock_wait_timeout` for DDL, and
//! per-statement progress (DDL commits implicitly, so a failed phase resumes at the
//! statement that failed). DML steps commit together with their progress.

use super::lease::Leases;
use super::tls::Tls;
use super::types::{Replication, Step, StepError};
use super::LeaseTerms;
use super::{driver, mysql_replication, store, Backend, Batch, BatchDone, Bound, Session};
use super::{Lock, Row, SqlValue};
use crate::{Dialect, Error, Result};
use async_trait::async_trait;
use sqlx::mysql::{MySql, MySqlConnectOptions, MySqlConnection};
use sqlx::{Connection as _, Executor as _, Row as _};
use std::time::Duration;

/// A MySQL/MariaDB connection (plus a second one, opened on demand, to find blockers).
pub(super) struct MySqlBackend {
    conn: MySqlConnection,
    probe: Option<Box<dyn Backend>>,
    options: MySqlConnectOptions,
    url: String,
    tls: Tls,
    id: i64,
    version: String,
    dialect: Dialect,
    lock_name: String,
    /// The `GET_LOCK` name of the backfill lock.
    backfill_lock: String,
    /// The lease lock, used instead of `GET_LOCK` on Galera.
    leases: Leases,
}

impl MySqlBackend {
    /// Connect with ready-made options (e.g. an application's pool's); `shown` names the
    /// database in messages.
    pub(super) async fn connect_with(
        options: MySqlConnectOptions,
        shown: String,
        tls: Tls,
    ) -> Result<Self> {
        let connect_err = |source| Error::Connect {
            url: shown.clone(),
            source,
        };
        let mut conn = MySqlConnection::connect_with(&options)
            .await
            .map_err(|e| connect_err(tls.explain(e)))?;
        conn.execute("SET time_zone = '+00:00'")
            .await
            .map_err(connect_err)?;
        let row = conn
            .fetch_one("SELECT CAST(CONNECTION_ID() AS SIGNED), VERSION(), DATABASE()")
            .await
            .map_err(connect_err)?;
        let id: i64 = row.try_get(0).map_err(connect_err)?;
        let version: String = row.try_get(1).map_err(connect_err)?;
        let database: String = row.try_get(2).map_err(connect_err)?;
        let dialect = if version.to_ascii_lowercase().contains("mariadb") {
            Dialect::Mariadb
        } else {
            Dialect::Mysql
        };
        let lock_name = lock_name(&database);
        let backfill_lock = backfill_lock_name(&database);
        let galera = galera(&mut conn).await.map_err(connect_err)?;
        Ok(MySqlBackend {
            conn,
            probe: None,
            options,
            url: shown,
            tls,
            id,
            version,
            dialect,
            lock_name,
            backfill_lock,
            leases: Leases::new(galera),
        })
    }
}

/// Whether the server is a Galera node (`wsrep_on`): `GET_LOCK` there holds on one node
/// only, so the lease lock is used. Reads then wait until the node has applied what the
/// cluster committed before them (`wsrep_sync_wait`), so a runner that takes over sees what
/// the one before it wrote on another node.
async fn galera(conn: &mut MySqlConnection) -> std::result::Result<bool, sqlx::Error> {
    let on = conn
        .fetch_optional("SHOW VARIABLES LIKE 'wsrep_on'")
        .await?
        .and_then(|r| r.try_get::<String, _>(1).ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("ON"));
    if on {
        conn.execute("SET SESSION wsrep_sync_wait = 1").await?;
    }
    Ok(on)
}

/// Whether `e` is the server refusing `GET_LOCK` ("not supported yet": Galera with
/// `WSREP_ON=ON` on some versions).
fn get_lock_refused(e: &Error) -> bool {
    matches!(e, Error::Database { source, .. }
        if source.as_database_error().and_then(super::mysql_number) == Some(1235))
}

/// The `GET_LOCK` name of a database: `bellows:<db>` when that fits the server's 64-byte
/// limit (the name older versions used), else `bellows:sha256:` and 48 hex digits of the
/// name's SHA-256, so that long names never share a lock and multibyte names never cut.
fn lock_name(database: &str) -> String {
    let readable = format!("bellows:{database}");
    if readable.len() <= 64 {
        return readable;
    }
    let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(database.as_bytes()));
    format!("bellows:sha256:{}", &digest[..48])
}

/// The `GET_LOCK` name of a database's backfill lock, within the same 64 bytes.
fn backfill_lock_name(database: &str) -> String {
    let readable = format!("bellows-backfill:{database}");
    if readable.len() <= 64 {
        return readable;
    }
    let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(database.as_bytes()));
    format!("bellows-backfill:sha256:{}", &digest[..40])
}

impl MySqlBackend {
    /// The name bound for `lock`.
    fn lock_bind(&self, lock: Lock) -> [SqlValue; 1] {
        [SqlValue::Text(match lock {
            Lock::Migrations => self.lock_name.clone(),
            Lock::Backfill => self.backfill_lock.clone(),
        })]
    }
}

#[async_trait]
impl Backend for MySqlBackend {
    fn dialect(&self) -> Dialect {
        self.dialect
    }

    fn server_version(&self) -> &str {
        &self.version
    }

    fn session(&mut self) -> Session<'_> {
        Session {
            sql: &mut self.conn,
            id: self.id,
            probe: &mut self.probe,
        }
    }

    fn set_lease_terms(&mut self, terms: LeaseTerms) {
        self.leases.terms = terms;
    }

    async fn try_lock(&mut self, lock: Lock) -> Result<bool> {
        if !self.leases.on {
            let name = self.lock_bind(lock);
            match self
                .query("SELECT CAST(GET_LOCK(?, 0) AS CHAR)", &name)
                .await
            {
                Ok(rows) => return Ok(Row::scalar(&rows) == Some("1")),
                Err(e) if get_lock_refused(&e) => {
                    tracing::info!("the server refuses GET_LOCK (a Galera cluster): using a lease in bellows_lease instead");
                    self.leases.on = true;
                }
                Err(e) => return Err(e),
            }
        }
        self.leases
            .try_take(&mut self.conn, &self.options, lock)
            .await
    }

    async fn lock_holder(&mut self, lock: Lock) -> Option<String> {
        if self.leases.on {
            return self.leases.holder(&mut self.conn, lock).await;
        }
        let name = self.lock_bind(lock);
        let rows = self
            .query("SELECT CAST(IS_USED_LOCK(?) AS CHAR)", &name)
            .await
            .ok()?;
        let id = Row::scalar(&rows)?.to_string();
        let who = self
            .query(
                "SELECT USER, HOST, CAST(TIME AS CHAR) FROM information_schema.PROCESSLIST WHERE ID = ?",
                &[SqlValue::Text(id.clone())],
            )
            .await
            .ok()
            .and_then(|rows| rows.into_iter().next());
        Some(match who {
            Some(r) => format!(
                "held by connection {id}, user {}, from {}, busy {}s",
                r.text(0),
                r.text(1),
                r.text(2)
            ),
            None => format!("held by connection {id}"),
        })
    }

    async fn release_lock(&mut self, lock: Lock) -> Result<()> {
        if self.leases.on {
            return self.leases.release(&mut self.conn, lock).await;
        }
        let name = self.lock_bind(lock);
        self.query("SELECT CAST(RELEASE_LOCK(?) AS CHAR)", &name)
            .await
            .map(drop)
    }

    async fn run_unprobed(
        &mut self,
        step: &Step<'_>,
        bookkeeping: &Bound,
    ) -> Result<(), StepError> {
        let secs = step
            .lock_timeout
            .map_or(31_536_000, |t| t.as_secs_f64().ceil().max(1.0) as u64);
        let sql = format!(
            "SET SESSION lock_wait_timeout = {secs}, SESSION innodb_lock_wait_timeout = {}",
            secs.min(1_073_741_824)
        );
        self.conn
            .execute(sql.as_str())
            .await
            .map_err(|e| StepError::Internal(Error::db("setting lock_wait_timeout")(e)))?;
        driver::run_step::<MySql>(&mut self.conn, step, bookkeeping, None).await
    }

    async fn run_batch(&mut self, batch: &Batch<'_>) -> Result<Option<BatchDone>, StepError> {
        let secs = batch.lock_timeout.as_millis().div_ceil(1000).max(1);
        let setup = [format!("SET SESSION innodb_lock_wait_timeout = {secs}")];
        // MariaDB limits one statement's time; MySQL can only limit SELECTs, so a MySQL
        // batch has only the lock timeout.
        let prefix = if self.dialect == Dialect::Mariadb {
            format!(
                "SET STATEMENT max_statement_time = {} FOR ",
                batch.statement_limit.as_secs_f64()
            )
        } else {
            String::new()
        };
        let checkpoint = store::checkpoint_sql(self.dialect);
        driver::run_batch::<MySql>(&mut self.conn, batch, &setup, &prefix, &checkpoint).await
    }

    async fn blockers_of(&mut self, id: i64) -> Option<String> {
        // Sessions with open transactions other than `id`: the likely holders of the
        // metadata lock a DDL waits for.
        let rows = self
            .query(
                "SELECT CAST(p.ID AS CHAR), p.USER, p.HOST, CAST(TIMESTAMPDIFF(SECOND, t.trx_started, NOW()) AS CHAR), \
                 COALESCE(LEFT(p.INFO, 80), '') FROM information_schema.INNODB_TRX t \
                 JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id WHERE p.ID <> ?",
                &[SqlValue::Int(id)],
            )
            .await
            .ok()?;
        let described: Vec<String> = rows
            .iter()
            .map(|r| {
                let running = match r.opt_text(4) {
                    Some(q) if !q.is_empty() => format!(", running: {q}"),
                    _ => String::new(),
                };
                format!(
                    "connection {} ({}@{}, transaction open {}s{running})",
                    r.text(0),
                    r.text(1),
                    r.text(2),
                    r.text(3)
                )
            })
            .collect();
        (!described.is_empty()).then(|| described.join("; "))
    }

    fn probe_delay(&self, lock_timeout: Duration) -> Duration {
        // MySQL's lock_wait_timeout is whole seconds.
        super::probe::probe_delay(Duration::from_secs_f64(
            lock_timeout.as_secs_f64().ceil().max(1.0),
        ))
    }

    async fn open_another(&self) -> Result<Box<dyn Backend>> {
        Ok(Box::new(
            MySqlBackend::connect_with(self.options.clone(), self.url.clone(), self.tls.clone())
                .await?,
        ))
    }

    async fn replication(&mut self) -> Result<Replication> {
        mysql_replication::read(&mut self.conn, self.dialect).await
    }
}

#[cfg(test)]
mod tests {
    use super::{backfill_lock_name, lock_name};

    #[test]
    fn lock_names_fit_and_differ() {
        assert_eq!(lock_name("app"), "bellows:app");
        let long_a = format!("{}a", "x".repeat(60));
        let long_b = format!("{}b", "x".repeat(60));
        let multibyte = "ü".repeat(40);
        for name in [&long_a, &long_b, &multibyte] {
            let lock = lock_name(name);
            assert!(
                lock.len() <= 64 && lock.starts_with("bellows:sha256:"),
                "{lock}"
            );
        }
        assert_ne!(lock_name(&long_a), lock_name(&long_b));
        assert_eq!(backfill_lock_name("app"), "bellows-backfill:app");
        assert!(backfill_lock_name(&long_a).len() <= 64);
        assert_ne!(backfill_lock_name(&long_a), backfill_lock_name(&long_b));
    }
}
