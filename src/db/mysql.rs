//! MySQL and MariaDB: `GET_LOCK` for the migration lock, `lock_wait_timeout` for DDL, and
//! per-statement progress (DDL commits implicitly, so a failed phase resumes at the
//! statement that failed). DML steps commit together with their progress.

use super::probe::{probe_delay, while_probing};
use super::types::{
    Event, IndexState, Instance, InstanceChange, Progress, Record, Replication, Rollout, Step,
    StepError,
};
use super::{batch, queries, step_error, Backend, DatabaseUrl};
use super::{Batch, BatchDone, SqlValue};
use crate::{Dialect, Error, Result};
use async_trait::async_trait;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use sqlx::{Connection, Executor, Row};
use std::str::FromStr;
use std::time::Duration;

/// A MySQL/MariaDB connection (plus a second one, opened on demand, to find blockers).
pub struct MySqlBackend {
    conn: MySqlConnection,
    probe: Option<MySqlConnection>,
    options: MySqlConnectOptions,
    url: String,
    id: i64,
    version: String,
    dialect: Dialect,
    lock_name: String,
}

impl MySqlBackend {
    /// Connect.
    pub async fn connect(url: &DatabaseUrl) -> Result<Self> {
        let options =
            MySqlConnectOptions::from_str(&url.expose()).map_err(|source| Error::Connect {
                url: url.to_string(),
                source,
            })?;
        Self::connect_with(options, url.to_string()).await
    }

    /// Connect with ready-made options (e.g. an application's pool's); `shown` names the
    /// database in messages.
    pub async fn connect_with(options: MySqlConnectOptions, shown: String) -> Result<Self> {
        let url = shown;
        let connect_err = |source| Error::Connect {
            url: url.clone(),
            source,
        };
        let mut conn = MySqlConnection::connect_with(&options)
            .await
            .map_err(connect_err)?;
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
        let mut lock_name = format!("bellows:{database}");
        lock_name.truncate(64);
        Ok(MySqlBackend {
            conn,
            probe: None,
            options,
            url: url.to_string(),
            id,
            version,
            dialect,
            lock_name,
        })
    }

    async fn describe_lock_holder(&mut self) -> Option<String> {
        let holder: Option<i64> = sqlx::query_scalar("SELECT CAST(IS_USED_LOCK(?) AS SIGNED)")
            .bind(&self.lock_name)
            .fetch_one(&mut self.conn)
            .await
            .ok()?;
        let id = holder?;
        let row = sqlx::query("SELECT USER, HOST, CAST(TIME AS SIGNED) FROM information_schema.PROCESSLIST WHERE ID = ?")
            .bind(id)
            .fetch_optional(&mut self.conn)
            .await
            .ok()
            .flatten();
        Some(match row {
            Some(r) => match (
                r.try_get::<String, _>(0),
                r.try_get::<String, _>(1),
                r.try_get::<i64, _>(2),
            ) {
                (Ok(user), Ok(host), Ok(time)) => {
                    format!("held by connection {id}, user {user}, from {host}, busy {time}s")
                }
                _ => format!("held by connection {id}"),
            },
            None => format!("held by connection {id}"),
        })
    }

    async fn set_timeouts(&mut self, timeout: Option<Duration>) -> Result<(), StepError> {
        let secs = timeout.map_or(31_536_000, |t| t.as_secs_f64().ceil().max(1.0) as u64);
        let sql = format!(
            "SET SESSION lock_wait_timeout = {secs}, SESSION innodb_lock_wait_timeout = {}",
            secs.min(1_073_741_824)
        );
        self.conn
            .execute(sql.as_str())
            .await
            .map_err(|e| StepError::Internal(Error::db("setting lock_wait_timeout")(e)))?;
        Ok(())
    }

    async fn run(&mut self, step: &Step<'_>, progress: &Progress<'_>) -> Result<(), StepError> {
        self.set_timeouts(step.lock_timeout).await?;
        if step.in_transaction {
            let mut tx = self
                .conn
                .begin()
                .await
                .map_err(|e| StepError::Internal(Error::db("BEGIN")(e)))?;
            for (i, s) in step.statements.iter().enumerate() {
                tx.execute(s.sql.as_str())
                    .await
                    .map_err(|e| step_error(i, e, None))?;
            }
            queries::write_progress(&mut *tx, self.dialect, progress)
                .await
                .map_err(|e| StepError::Internal(Error::db("recording progress")(e)))?;
            return tx.commit().await.map_err(|e| step_error(0, e, None));
        }
        for (i, s) in step.statements.iter().enumerate() {
            self.conn
                .execute(s.sql.as_str())
                .await
                .map_err(|e| step_error(i, e, None))?;
        }
        self.write_progress(progress)
            .await
            .map_err(StepError::Internal)
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

    async fn execute(&mut self, sql: &str) -> Result<()> {
        self.conn
            .execute(sql)
            .await
            .map_err(Error::db(format!("running `{sql}`")))?;
        Ok(())
    }

    async fn try_lock(&mut self) -> Result<bool> {
        let got: Option<i64> = sqlx::query_scalar("SELECT GET_LOCK(?, 0)")
            .bind(&self.lock_name)
            .fetch_one(&mut self.conn)
            .await
            .map_err(Error::db("taking the migration lock"))?;
        Ok(got == Some(1))
    }

    async fn lock_holder(&mut self) -> Option<String> {
        self.describe_lock_holder().await
    }

    async fn release_lock(&mut self) -> Result<()> {
        sqlx::query("SELECT RELEASE_LOCK(?)")
            .bind(&self.lock_name)
            .execute(&mut self.conn)
            .await
            .map_err(Error::db("releasing the migration lock"))?;
        Ok(())
    }

    async fn state_version(&mut self) -> Result<Option<i64>> {
        let exists: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'bellows_meta'",
        )
        .fetch_one(&mut self.conn)
        .await
        .map_err(Error::db("looking for the state tables"))?;
        if exists == 0 {
            return Ok(None);
        }
        let v: Option<String> =
            sqlx::query_scalar("SELECT v FROM bellows_meta WHERE k = 'schema_version'")
                .fetch_optional(&mut self.conn)
                .await
                .map_err(Error::db("reading the state-schema version"))?;
        Ok(Some(v.and_then(|v| v.parse().ok()).unwrap_or(0)))
    }

    async fn set_state_version(&mut self, version: i64) -> Result<()> {
        sqlx::query("INSERT INTO bellows_meta (k, v) VALUES ('schema_version', ?) ON DUPLICATE KEY UPDATE v = VALUES(v)")
            .bind(version.to_string())
            .execute(&mut self.conn)
            .await
            .map_err(Error::db("writing the state-schema version"))?;
        Ok(())
    }

    async fn records(&mut self) -> Result<Vec<Record>> {
        if self.state_version().await?.unwrap_or(0) == 0 {
            return Ok(Vec::new());
        }
        queries::records(&mut self.conn, self.dialect).await
    }

    async fn write_progress(&mut self, progress: &Progress<'_>) -> Result<()> {
        queries::write_progress(&mut self.conn, self.dialect, progress)
            .await
            .map_err(Error::db("recording progress"))
    }

    async fn run_step(
        &mut self,
        step: &Step<'_>,
        progress: &Progress<'_>,
    ) -> Result<(), StepError> {
        let Some(timeout) = step.lock_timeout else {
            return self.run(step, progress).await;
        };
        if self.probe.is_none() {
            let conn = MySqlConnection::connect_with(&self.options)
                .await
                .map_err(|source| {
                    StepError::Internal(Error::Connect {
                        url: self.url.clone(),
                        source,
                    })
                })?;
            self.probe = Some(conn);
        }
        let mut probe = self.probe.take();
        let id = self.id;
        let wait = Duration::from_secs_f64(timeout.as_secs_f64().ceil().max(1.0));
        let (result, blocker) = while_probing(
            self.run(step, progress),
            probe_delay(wait),
            blockers(probe.as_mut(), id),
        )
        .await;
        self.probe = probe;
        match result {
            Err(StepError::LockTimeout { .. }) => Err(StepError::LockTimeout { blocker }),
            other => other,
        }
    }

    async fn index_state(&mut self, _name: &str) -> Result<IndexState> {
        Ok(IndexState::Missing)
    }

    async fn record_event(&mut self, event: &Event<'_>) -> Result<()> {
        queries::record_event(&mut self.conn, self.dialect, event).await
    }

    async fn record_rollout(&mut self, app_version: &str, actor: &str) -> Result<()> {
        queries::record_rollout(&mut self.conn, self.dialect, app_version, actor).await
    }

    async fn change_instance(&mut self, change: InstanceChange<'_>) -> Result<u64> {
        queries::change_instance(&mut self.conn, self.dialect, change).await
    }

    async fn instances(&mut self) -> Result<Vec<Instance>> {
        if self.state_version().await?.unwrap_or(0) < 2 {
            return Ok(Vec::new());
        }
        queries::instances(&mut self.conn, self.dialect).await
    }

    async fn latest_rollout(&mut self) -> Result<Option<Rollout>> {
        if self.state_version().await?.unwrap_or(0) == 0 {
            return Ok(None);
        }
        queries::latest_rollout(&mut self.conn, self.dialect).await
    }

    async fn query_rows(
        &mut self,
        sql: &str,
        binds: &[SqlValue],
    ) -> Result<Vec<Vec<Option<String>>>> {
        batch::query_rows(&mut self.conn, sql, binds)
            .await
            .map_err(Error::db(format!("running `{sql}`")))
    }

    async fn open_another(&self) -> Result<Box<dyn Backend>> {
        Ok(Box::new(
            MySqlBackend::connect_with(self.options.clone(), self.url.clone()).await?,
        ))
    }

    async fn run_batch(&mut self, b: &Batch<'_>) -> Result<Option<BatchDone>, StepError> {
        batch::run_batch::<sqlx::MySql>(&mut self.conn, b).await
    }

    async fn replication(&mut self) -> Result<Replication> {
        // MariaDB: every connection of multi-source replication; MySQL: a row per channel.
        let sql = if self.dialect == Dialect::Mariadb {
            "SHOW ALL SLAVES STATUS"
        } else {
            "SHOW REPLICA STATUS"
        };
        let rows = sqlx::query(sql)
            .fetch_all(&mut self.conn)
            .await
            .map_err(Error::db(format!("reading the replication status ({sql})")))?;
        let mut worst: Option<(Duration, Option<String>)> = None;
        let mut stopped = Vec::new();
        for row in &rows {
            let status = ChannelStatus::of(row);
            match status.behind {
                Some(secs) if status.running() => {
                    if worst.as_ref().is_none_or(|(w, _)| secs > w.as_secs()) {
                        worst = Some((Duration::from_secs(secs), status.channel));
                    }
                }
                _ => stopped.push(status.describe()),
            }
        }
        Ok(if !stopped.is_empty() {
            Replication::Stopped(stopped.join("; "))
        } else if let Some((lag, channel)) = worst {
            Replication::Lag {
                lag,
                at: channel.map(|c| format!("channel '{c}'")),
            }
        } else {
            Replication::None
        })
    }
}

/// One replication channel as `SHOW REPLICA STATUS` (MySQL) or `SHOW ALL SLAVES STATUS`
/// (MariaDB) shows it, with the server's own column names.
struct ChannelStatus {
    channel: Option<String>,
    io: (&'static str, String),
    sql: (&'static str, String),
    behind_column: &'static str,
    behind: Option<u64>,
    errors: Vec<String>,
}

impl ChannelStatus {
    fn of(row: &sqlx::mysql::MySqlRow) -> ChannelStatus {
        // The status columns are read as bytes: their character sets vary by version.
        let text = |names: &[&'static str]| -> (&'static str, String) {
            names
                .iter()
                .find_map(|c| {
                    row.try_get_unchecked::<Option<String>, _>(*c)
                        .ok()
                        .map(|v| (*c, v.unwrap_or_default()))
                })
                .unwrap_or((names[0], String::new()))
        };
        let behind_columns = ["Seconds_Behind_Master", "Seconds_Behind_Source"];
        let behind_column = behind_columns
            .into_iter()
            .find(|c| row.try_column(*c).is_ok())
            .unwrap_or(behind_columns[0]);
        let behind = row
            .try_get::<Option<u64>, _>(behind_column)
            .or_else(|_| {
                row.try_get::<Option<i64>, _>(behind_column)
                    .map(|v| v.and_then(|v| u64::try_from(v).ok()))
            })
            .ok()
            .flatten();
        ChannelStatus {
            channel: Some(text(&["Connection_name", "Channel_Name"]).1).filter(|c| !c.is_empty()),
            io: text(&["Slave_IO_Running", "Replica_IO_Running"]),
            sql: text(&["Slave_SQL_Running", "Replica_SQL_Running"]),
            behind_column,
            behind,
            errors: ["Last_IO_Error", "Last_SQL_Error"]
                .into_iter()
                .map(|c| text(&[c]).1)
                .filter(|e| !e.is_empty())
                .collect(),
        }
    }

    fn running(&self) -> bool {
        self.io.1 == "Yes" && self.sql.1 == "Yes"
    }

    /// "Slave_IO_Running Yes, Slave_SQL_Running No, Seconds_Behind_Master NULL (last
    /// error: ...)", with the channel when it has a name.
    fn describe(&self) -> String {
        let channel = self
            .channel
            .as_ref()
            .map(|c| format!("channel '{c}': "))
            .unwrap_or_default();
        let behind = self
            .behind
            .map_or_else(|| "NULL".to_string(), |s| s.to_string());
        let errors = if self.errors.is_empty() {
            String::new()
        } else {
            format!(" (last error: {})", self.errors.join("; "))
        };
        format!(
            "{channel}{} {}, {} {}, {} {behind}{errors}",
            self.io.0, self.io.1, self.sql.0, self.sql.1, self.behind_column
        )
    }
}

/// Describe sessions with open transactions other than `id` (the likely holders of the
/// metadata lock a DDL waits for).
async fn blockers(conn: Option<&mut MySqlConnection>, id: i64) -> Option<String> {
    let rows = sqlx::query(
        "SELECT CAST(p.ID AS SIGNED), p.USER, p.HOST, CAST(TIMESTAMPDIFF(SECOND, t.trx_started, NOW()) AS SIGNED), \
         COALESCE(LEFT(p.INFO, 80), '') FROM information_schema.INNODB_TRX t \
         JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id WHERE p.ID <> ?",
    )
    .bind(id)
    .fetch_all(conn?)
    .await
    .ok()?;
    let described: Vec<String> = rows
        .iter()
        .filter_map(|r| {
            let (pid, user, host, age, query): (i64, String, String, i64, String) = (
                r.try_get(0).ok()?,
                r.try_get(1).ok()?,
                r.try_get(2).ok()?,
                r.try_get(3).ok()?,
                r.try_get(4).ok()?,
            );
            Some(format!(
                "connection {pid} ({user}@{host}, transaction open {age}s{})",
                if query.is_empty() {
                    String::new()
                } else {
                    format!(", running: {query}")
                }
            ))
        })
        .collect();
    (!described.is_empty()).then(|| described.join("; "))
}
