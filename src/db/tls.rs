//! TLS to the server: the URL parameters each engine takes (checked before connecting), and
//! a failed handshake explained in words a user acts on (which file, which check, what to
//! change) instead of a bare rustls error. sqlx does the TLS itself (rustls, the public web
//! CAs plus the CA file the URL names).

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

/// The last value of the first of `keys` the URL carries.
fn param(url: &url::Url, keys: &[&str]) -> Option<String> {
    url.query_pairs()
        .filter(|(k, _)| keys.contains(&k.as_ref()))
        .map(|(_, v)| v.into_owned())
        .last()
}

impl Tls {
    /// The TLS settings of a URL (the engine's default mode when it names none).
    pub(crate) fn of_url(url: &url::Url, dialect: Dialect) -> Tls {
        let names = names(dialect);
        let [mode, ca, cert, _] = keys(dialect).map(|k| param(url, k));
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

    /// A connection error explained when it is about TLS (the driver's error becomes its
    /// source); any other error unchanged.
    pub(crate) fn explain(&self, error: sqlx::Error) -> sqlx::Error {
        match self.reason(&error) {
            Some(text) => sqlx::Error::Tls(Box::new(Explained {
                text,
                source: error,
            })),
            None => error,
        }
    }

    fn reason(&self, error: &sqlx::Error) -> Option<String> {
        if let Some(tls) = rustls_error(error) {
            return Some(match tls {
                rustls::Error::InvalidCertificate(c) => self.certificate(c),
                rustls::Error::AlertReceived(alert) => self.alert(*alert),
                other => format!("the TLS handshake with the server failed: {other}"),
            });
        }
        match error {
            sqlx::Error::Tls(e) if e.to_string().contains("does not support TLS") => Some(format!(
                "the server does not accept TLS connections, and {} requires TLS: turn \
                     TLS on at the server, or on a trusted network only use {}",
                self.mode(self.level),
                self.mode(Level::Prefer)
            )),
            sqlx::Error::Io(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let files = self.files()?;
                Some(format!(
                    "cannot read a certificate file ({files}): {e}; relative paths are read \
                     from bellows' working folder"
                ))
            }
            sqlx::Error::Tls(e) => Some(match self.files() {
                Some(files) => format!("the TLS set-up failed ({e}); check {files}"),
                None => format!("the TLS set-up failed ({e})"),
            }),
            _ => None,
        }
    }

    fn files(&self) -> Option<String> {
        let mut files = Vec::new();
        if let Some(ca) = &self.ca {
            files.push(format!("{}={ca}", self.names.ca));
        }
        if let Some(cert) = &self.client_cert {
            files.push(format!(
                "{}={cert}, {}=...",
                self.names.cert, self.names.key
            ));
        }
        (!files.is_empty()).then(|| files.join(", "))
    }

    fn certificate(&self, error: &rustls::CertificateError) -> String {
        use rustls::CertificateError as C;
        let checks = match self.level {
            Level::VerifyFull => format!(
                "; {} checks the CA and the host name, {} checks only the CA",
                self.mode(Level::VerifyFull),
                self.mode(Level::VerifyCa)
            ),
            _ => format!(
                "; {} checks the CA, {} also the host name",
                self.mode(Level::VerifyCa),
                self.mode(Level::VerifyFull)
            ),
        };
        match error {
            C::UnknownIssuer => format!("{}{checks}", self.unknown_issuer()),
            C::NotValidForName | C::NotValidForNameContext { .. } => {
                let presented = match error {
                    C::NotValidForNameContext { presented, .. } if !presented.is_empty() => {
                        let names: Vec<String> = presented.iter().map(|n| plain(n)).collect();
                        format!(" (it names {})", names.join(", "))
                    }
                    _ => String::new(),
                };
                let fix = if self.level == Level::VerifyFull {
                    format!(
                        "{} also checks the host name: connect with a name the certificate \
                         lists",
                        self.mode(Level::VerifyFull)
                    )
                } else {
                    // sqlx 0.8 misses rustls' newer name-mismatch error (sqlx issue #3793).
                    format!(
                        "the driver checks the host name under {} as well (a known limit of \
                         sqlx 0.8): connect with a name the certificate lists",
                        self.mode(self.level)
                    )
                };
                format!(
                    "the server's certificate is signed by a trusted CA but not issued for the \
                     host `{}`{presented}; {fix}",
                    self.host
                )
            }
            C::Expired | C::ExpiredContext { .. } => "the server's certificate has expired (or \
                 this machine's clock is wrong): renew the certificate on the server"
                .to_string(),
            C::NotValidYet | C::NotValidYetContext { .. } => "the server's certificate is not \
                 valid yet (is this machine's or the server's clock wrong?)"
                .to_string(),
            other => format!("the server's certificate was refused ({other:?}){checks}"),
        }
    }

    fn unknown_issuer(&self) -> String {
        match &self.ca {
            Some(ca) => format!(
                "the server's certificate is not signed by the CA in {}={ca} (nor by a public \
                 web CA): point {} at the CA that signed the server's certificate (for a \
                 managed database, the provider's CA bundle), not at the server's own \
                 certificate",
                self.names.ca, self.names.ca
            ),
            None => format!(
                "the server's certificate is not signed by a CA bellows trusts (only the \
                 public web CAs without {}=): give the CA that signed it with \
                 {}=/path/to/ca.pem (managed databases publish theirs)",
                self.names.ca, self.names.ca
            ),
        }
    }

    fn alert(&self, alert: rustls::AlertDescription) -> String {
        let hint = match &self.client_cert {
            Some(cert) => format!(
                "it may not accept the client certificate {}={cert} (is it signed by a CA \
                 the server trusts, and for this user?)",
                self.names.cert
            ),
            None => format!(
                "it may require a client certificate: give {}= and {}=",
                self.names.cert, self.names.key
            ),
        };
        format!("the server ended the TLS handshake ({alert:?}): {hint}")
    }
}

/// `DnsName("db.example")` (how rustls lists a certificate's names) as `db.example`.
fn plain(name: &str) -> String {
    match (name.find('('), name.rfind(')')) {
        (Some(open), Some(close)) if open < close => {
            name[open + 1..close].trim_matches('"').to_string()
        }
        _ => name.to_string(),
    }
}

/// The rustls error in a driver error's chain (an I/O error wraps it).
fn rustls_error(error: &sqlx::Error) -> Option<&rustls::Error> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = next {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if let Some(tls) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                return Some(tls);
            }
        }
        next = e.source();
    }
    None
}

/// A TLS failure explained; the driver's error stays its source.
#[derive(Debug)]
struct Explained {
    text: String,
    source: sqlx::Error,
}

impl fmt::Display for Explained {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for Explained {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}
