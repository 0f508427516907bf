//! MySQL/MariaDB replication as the server reports it: every channel of `SHOW REPLICA
//! STATUS` (MySQL) or `SHOW ALL SLAVES STATUS` (MariaDB), read into the lag of the worst
//! running channel, or the description of the channels that are not running.

use super::types::Replication;
use crate::{Dialect, Error, Result};
use sqlx::mysql::MySqlConnection;
use sqlx::Row;
use std::time::Duration;

/// Read this server's replication (as a replica).
///
/// # Errors
/// Database errors (e.g. no REPLICATION CLIENT privilege).
pub(super) async fn read(conn: &mut MySqlConnection, dialect: Dialect) -> Result<Replication> {
    // MariaDB: every connection of multi-source replication; MySQL: a row per channel.
    let sql = if dialect == Dialect::Mariadb {
        "SHOW ALL SLAVES STATUS"
    } else {
        "SHOW REPLICA STATUS"
    };
    let rows = sqlx::query(sql)
        .fetch_all(&mut *conn)
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
