//! How long the app's sessions have been waiting for row locks that bellows' own sessions
//! (a backfill's batches) hold: the latency guard's view of what its probes cannot see,
//! since its probes never touch the rows a batch has locked.

use crate::Dialect;

/// The longest current wait, in whole milliseconds as text (`0` when none), of a session
/// blocked by one of `sessions` (server session ids); `None` where the server does not say
/// it to the millisecond (MySQL: its lock-wait tables date the wait to the second).
#[must_use]
pub(crate) fn longest_wait_sql(dialect: Dialect, sessions: &[i64]) -> Option<String> {
    if sessions.is_empty() {
        return None;
    }
    let ids = sessions
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    match dialect {
        Dialect::Postgres => Some(format!(
            "SELECT CAST(CAST(coalesce(max(EXTRACT(EPOCH FROM clock_timestamp() - query_start)), 0) * 1000 AS bigint) AS text) \
             FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pg_blocking_pids(pid) && ARRAY[{ids}]::int[]"
        )),
        Dialect::Mariadb => Some(format!(
            "SELECT CAST(CAST(COALESCE(MAX(p.TIME_MS), 0) AS UNSIGNED) AS CHAR) FROM information_schema.INNODB_LOCK_WAITS w \
             JOIN information_schema.INNODB_TRX b ON b.trx_id = w.blocking_trx_id \
             JOIN information_schema.INNODB_TRX r ON r.trx_id = w.requesting_trx_id \
             JOIN information_schema.PROCESSLIST p ON p.ID = r.trx_mysql_thread_id \
             WHERE b.trx_mysql_thread_id IN ({ids})"
        )),
        Dialect::Mysql => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_behind_the_given_sessions_only() {
        let pg = longest_wait_sql(Dialect::Postgres, &[7, 9]).unwrap();
        assert!(pg.ends_with("&& ARRAY[7, 9]::int[]"), "{pg}");
        let maria = longest_wait_sql(Dialect::Mariadb, &[3]).unwrap();
        assert!(maria.ends_with("b.trx_mysql_thread_id IN (3)"), "{maria}");
        assert!(longest_wait_sql(Dialect::Mysql, &[3]).is_none());
        assert!(longest_wait_sql(Dialect::Postgres, &[]).is_none());
    }
}
