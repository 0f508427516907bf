//! Where bellows connects: a URL or an application's pool, with the connect timeout, and the
//! pool sessions borrowed for work that takes no lock.

#[cfg(feature = "mysql")]
use super::mysql;
#[cfg(feature = "postgres")]
use super::postgres;
use super::{driver, tls, Backend, DatabaseUrl};
use crate::{Dialect, Error, Result};
use std::time::Duration;

/// How long to wait for a connection before calling the database unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where to connect: a URL, or the options of an application's existing sqlx pool.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// A database URL.
    Url(DatabaseUrl),
    /// An application's PostgreSQL pool: reads borrow its sessions, locked work opens
    /// bellows' own with its options.
    #[cfg(feature = "postgres")]
    Postgres(sqlx::PgPool),
    /// An application's MySQL/MariaDB pool: bellows opens its own sessions with its options.
    #[cfg(feature = "mysql")]
    Mysql(sqlx::MySqlPool),
}

impl Target {
    /// The dialect of the target (MySQL for a MySQL pool, even on MariaDB).
    #[must_use]
    pub(crate) fn dialect(&self) -> Dialect {
        match self {
            Target::Url(url) => url.dialect(),
            #[cfg(feature = "postgres")]
            Target::Postgres(_) => Dialect::Postgres,
            #[cfg(feature = "mysql")]
            Target::Mysql(_) => Dialect::Mysql,
        }
    }
}

/// A session for work that takes no lock and changes no session setting (reading the state,
/// a heartbeat): borrowed from the application's pool when the target is a PostgreSQL pool (`None` otherwise: the caller connects as usual). MySQL pools
/// are not borrowed from: bellows sets the session's time zone, which must not leak into an
/// application's pool.
///
/// # Errors
/// [`Error::Connect`] when the pool cannot give a session (within 10 s).
pub(crate) async fn borrow_from_pool(target: &Target) -> Result<Option<Box<dyn Backend>>> {
    match target {
        #[cfg(feature = "postgres")]
        Target::Postgres(pool) => {
            let borrowing = postgres::PgBackend::borrow(pool, pg_pool_shown(pool));
            let backend = tokio::time::timeout(CONNECT_TIMEOUT, borrowing)
                .await
                .map_err(|_| Error::Connect {
                    url: pg_pool_shown(pool),
                    source: sqlx::Error::PoolTimedOut,
                })??;
            Ok(Some(Box::new(backend)))
        }
        _ => Ok(None),
    }
}

/// How messages name the database of an application's PostgreSQL pool.
#[cfg(feature = "postgres")]
fn pg_pool_shown(pool: &sqlx::PgPool) -> String {
    format!(
        "the pool's PostgreSQL database {}",
        pool.connect_options().get_database().unwrap_or_default()
    )
}

/// Connect to a [`Target`].
///
/// # Errors
/// [`Error::Connect`] when it cannot be reached or refuses the login (within 10 s).
pub(crate) async fn connect_target(target: &Target) -> Result<Box<dyn Backend>> {
    let connecting = async {
        match target {
            Target::Url(url) => connect(url).await,
            #[cfg(feature = "postgres")]
            Target::Postgres(pool) => {
                let options = pool.connect_options();
                Ok(Box::new(
                    postgres::PgBackend::connect_with(
                        (*options).clone(),
                        pg_pool_shown(pool),
                        tls::Tls::of_postgres(&options),
                    )
                    .await?,
                ) as Box<dyn Backend>)
            }
            #[cfg(feature = "mysql")]
            Target::Mysql(pool) => {
                let options = pool.connect_options();
                let shown = format!(
                    "the pool's MySQL database {}",
                    options.get_database().unwrap_or_default()
                );
                Ok(Box::new(
                    mysql::MySqlBackend::connect_with(
                        (*options).clone(),
                        shown,
                        tls::Tls::of_mysql(&options),
                    )
                    .await?,
                ) as Box<dyn Backend>)
            }
        }
    };
    tokio::time::timeout(CONNECT_TIMEOUT, connecting)
        .await
        .map_err(|_| Error::Connect {
            url: match target {
                Target::Url(url) => url.to_string(),
                #[allow(unreachable_patterns)]
                _ => "the pool's database".into(),
            },
            source: sqlx::Error::PoolTimedOut,
        })?
}

/// Connect to the database a URL names (hidden: the crate's own tests use it).
///
/// # Errors
/// [`Error::Connect`] when it cannot be reached or refuses the login (within 10 s).
#[doc(hidden)]
pub async fn connect(url: &DatabaseUrl) -> Result<Box<dyn Backend>> {
    let connecting = async {
        match url.dialect() {
            #[cfg(feature = "postgres")]
            Dialect::Postgres => {
                let options = driver::options(url)?;
                let db =
                    postgres::PgBackend::connect_with(options, url.to_string(), url.tls()).await?;
                Ok(Box::new(db) as Box<dyn Backend>)
            }
            #[cfg(feature = "mysql")]
            Dialect::Mysql | Dialect::Mariadb => {
                let options = driver::options(url)?;
                let db =
                    mysql::MySqlBackend::connect_with(options, url.to_string(), url.tls()).await?;
                Ok(Box::new(db) as Box<dyn Backend>)
            }
            #[allow(unreachable_patterns)]
            other => Err(Error::Url(format!(
                "this build of bellows has no {other} support (cargo feature)"
            ))),
        }
    };
    tokio::time::timeout(CONNECT_TIMEOUT, connecting)
        .await
        .map_err(|_| Error::Connect {
            url: url.to_string(),
            source: sqlx::Error::PoolTimedOut,
        })?
}
