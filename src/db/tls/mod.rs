//! TLS to the server: the URL parameters each engine takes (checked before connecting), and
//! a failed handshake explained in words a user acts on (which file, which check, what to
//! change) instead of a bare rustls error. sqlx does the TLS itself (rustls, the public web
//! CAs plus the CA file the URL names).

mod explain;

use crate::Dialect;
use std::fmt;

/// How much a mode checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    /// No TLS (`disable`, `allow` which sqlx treats as `disable`).
    Off,
    /// TLS when the server offers it, certificate unchecked.
    Prefer,
    /// TLS or no connection, certificate unchecked.
    Require,
    /// The certificate must be signed by a trusted CA.
    VerifyCa,
    /// ... and issued for the host connected to.
    VerifyFull,
}

/// The parameter names of one engine, and its modes from weakest to strongest.
struct Names {
    mode: &'static str,
    ca: &'static str,
    cert: &'static str,
    key: &'static str,
    modes: [(&'static str, Level); 5],
}

const POSTGRES: Names = Names {
    mode: "sslmode",
    ca: "sslrootcert",
    cert: "sslcert",
    key: "sslkey",
    modes: [
        ("disable", Level::Off),
        ("prefer", Level::Prefer),
        ("require", Level::Require),
        ("verify-ca", Level::VerifyCa),
        ("verify-full", Level::VerifyFull),
    ],
};

const MYSQL: Names = Names {
    mode: "ssl-mode",
    ca: "ssl-ca",
    cert: "ssl-cert",
    key: "ssl-key",
    modes: [
        ("DISABLED", Level::Off),
        ("PREFERRED", Level::Prefer),
        ("REQUIRED", Level::Require),
        ("VERIFY_CA", Level::VerifyCa),
        ("VERIFY_IDENTITY", Level::VerifyFull),
    ],
};

/// The URL parameter names sqlx reads for each setting (first: the documented one).
fn keys(dialect: Dialect) -> [&'static [&'static str]; 4] {
    match dialect {
        Dialect::Postgres => [
            &["sslmode", "ssl-mode"],
            &["sslrootcert", "ssl-root-cert", "ssl-ca"],
            &["sslcert", "ssl-cert"],
            &["sslkey", "ssl-key"],
        ],
        _ => [
            &["ssl-mode", "sslmode"],
            &["ssl-ca", "sslca"],
            &["ssl-cert", "sslcert"],
            &["ssl-key", "sslkey"],
        ],
    }
}

/// What a connection was asked to do about TLS, for explaining a failure.
#[derive(Debug, Clone)]
pub(crate) struct Tls {
    names: &'static Names,
    level: Level,
    /// The CA file (or `None`: only the public web CAs, or a pool's own settings).
    ca: Option<String>,
    client_cert: Option<String>,
    host: String,
}

impl fmt::Debug for Names {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.mode)
    }
}

fn names(dialect: Dialect) -> &'static Names {
    if dialect == Dialect::Postgres {
        &POSTGRES
    } else {
        &MYSQL
    }
}

fn level_of(names: &Names, value: &str) -> Option<Level> {
    if value.eq_ignore_ascii_case("allow") && names.mode == POSTGRES.mode {
        return Some(Level::Off);
    }
    names
        .modes
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(value))
        .map(|(_, level)| *level)
}

/// Check the TLS parameters of a URL: a known mode for its engine, and a client certificate
/// together with its key.
///
/// # Errors
/// What is wrong and the values that are accepted.
pub(crate) fn check_url(url: &url::Url, dialect: Dialect) -> Result<(), String> {
    let names = names(dialect);
    let [mode, _, cert, key] = keys(dialect).map(|k| param(url, k));
    if let Some(mode) = mode {
        if level_of(names, &mode).is_none() {
            let accepted: Vec<&str> = names.modes.iter().map(|(n, _)| *n).collect();
            return Err(format!(
                "{}={mode} is not a {} TLS mode; use one of {}",
                names.mode,
                if dialect == Dialect::Postgres {
                    "PostgreSQL"
                } else {
                    "MySQL/MariaDB"
                },
                accepted.join(", ")
            ));
        }
    }
    if cert.is_some() != key.is_some() {
        return Err(format!(
            "a client certificate needs both {}= and {}= (the certificate and its private key)",
            names.cert, names.key
        ));
    }
    Ok(())
}

/// The last value of the first of `keys` the URL carries (a PEM given inline is shown as
/// `<inline PEM>`).
fn param(url: &url::Url, keys: &[&str]) -> Option<String> {
    url.query_pairs()
        .filter(|(k, _)| keys.contains(&k.as_ref()))
        .map(|(_, v)| {
            if v.trim_start().starts_with("-----BEGIN") {
                "<inline PEM>".to_string()
            } else {
                v.into_owned()
            }
        })
        .last()
}

impl Tls {
    /// The TLS settings of a URL (the engine's default mode when it names none).
    pub(crate) fn of_url(url: &url::Url, dialect: Dialect) -> Tls {
        let names = names(dialect);
        let [mode, ca, cert, _] = keys(dialect).map(|k| param(url, k));
        // The PostgreSQL driver falls back on libpq's variables; so does the explanation.
        let libpq = |var: &str| {
            (dialect == Dialect::Postgres)
                .then(|| std::env::var(var).ok())
                .flatten()
        };
        let mode = mode.or_else(|| libpq("PGSSLMODE"));
        let ca = ca.or_else(|| libpq("PGSSLROOTCERT"));
        let cert = cert.or_else(|| libpq("PGSSLCERT"));
        Tls {
            names,
            level: mode
                .and_then(|m| level_of(names, &m))
                .unwrap_or(Level::Prefer),
            ca,
            client_cert: cert,
            host: url.host_str().unwrap_or_default().to_string(),
        }
    }

    /// The TLS settings of an application's PostgreSQL pool (its CA file is not readable
    /// back from sqlx's options).
    #[cfg(feature = "postgres")]
    pub(crate) fn of_postgres(options: &sqlx::postgres::PgConnectOptions) -> Tls {
        use sqlx::postgres::PgSslMode as M;
        let level = match options.get_ssl_mode() {
            M::Disable | M::Allow => Level::Off,
            M::Prefer => Level::Prefer,
            M::Require => Level::Require,
            M::VerifyCa => Level::VerifyCa,
            M::VerifyFull => Level::VerifyFull,
        };
        Tls::of_pool(&POSTGRES, level, options.get_host())
    }

    /// The TLS settings of an application's MySQL pool.
    #[cfg(feature = "mysql")]
    pub(crate) fn of_mysql(options: &sqlx::mysql::MySqlConnectOptions) -> Tls {
        use sqlx::mysql::MySqlSslMode as M;
        let level = match options.get_ssl_mode() {
            M::Disabled => Level::Off,
            M::Preferred => Level::Prefer,
            M::Required => Level::Require,
            M::VerifyCa => Level::VerifyCa,
            M::VerifyIdentity => Level::VerifyFull,
        };
        Tls::of_pool(&MYSQL, level, options.get_host())
    }

    #[cfg(any(feature = "postgres", feature = "mysql"))]
    fn of_pool(names: &'static Names, level: Level, host: &str) -> Tls {
        Tls {
            names,
            level,
            ca: None,
            client_cert: None,
            host: host.to_string(),
        }
    }

    /// `sslmode=verify-full`, for example: the mode names of this engine at `level`.
    fn mode(&self, level: Level) -> String {
        let name = self.names.modes.iter().find(|(_, l)| *l == level);
        format!("{}={}", self.names.mode, name.map_or("", |(n, _)| n))
    }
}
