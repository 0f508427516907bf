//! Database URLs: which engine they name, and a display form that never shows the password.

use crate::{Dialect, Error, Result};
use std::fmt;

/// A validated database URL. `Display` and `Debug` redact the password.
#[derive(Clone)]
pub struct DatabaseUrl {
    url: url::Url,
    dialect: Dialect,
}

impl DatabaseUrl {
    /// Parse and validate a URL (`postgres://`, `postgresql://`, `mysql://`, `mariadb://`).
    ///
    /// ```
    /// let url = bellows::db::DatabaseUrl::parse("postgres://app:s3cret@db/app")?;
    /// assert_eq!(url.to_string(), "postgres://app:***@db/app");
    /// # Ok::<(), bellows::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Url`] with the reason; the message never contains the password.
    pub fn parse(raw: &str) -> Result<Self> {
        let url = url::Url::parse(raw.trim()).map_err(|e| {
            Error::Url(format!(
                "`{}` is not a URL ({e}); expected e.g. postgres://user@host/db",
                redact_raw(raw)
            ))
        })?;
        let dialect = match url.scheme() {
            "postgres" | "postgresql" => Dialect::Postgres,
            "mysql" => Dialect::Mysql,
            "mariadb" => Dialect::Mariadb,
            other => {
                return Err(Error::Url(format!(
                    "unsupported scheme `{other}://`; use postgres://, mysql:// or mariadb://"
                )))
            }
        };
        if url.host_str().is_none_or(str::is_empty) {
            return Err(Error::Url(format!(
                "`{}` names no host; expected e.g. postgres://user@host/db",
                redact_raw(raw)
            )));
        }
        if url.path().trim_start_matches('/').is_empty() {
            return Err(Error::Url(format!(
                "{} names no database; add one, e.g. /app",
                redacted(&url)
            )));
        }
        super::tls::check_url(&url, dialect)
            .map_err(|e| Error::Url(format!("{}: {e}", redacted(&url))))?;
        Ok(DatabaseUrl { url, dialect })
    }

    /// The TLS settings the URL asks for (to explain a failed handshake).
    pub(crate) fn tls(&self) -> super::tls::Tls {
        super::tls::Tls::of_url(&self.url, self.dialect)
    }

    /// The dialect of the server the URL names (MySQL for `mysql://`, even if the server
    /// turns out to be MariaDB).
    #[must_use]
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The database name.
    #[must_use]
    pub fn database(&self) -> &str {
        self.url.path().trim_start_matches('/')
    }

    /// The URL with its password, for the driver only. Never log this.
    #[must_use]
    pub fn expose(&self) -> String {
        let mut url = self.url.clone();
        if self.dialect == Dialect::Mariadb {
            let _ = url.set_scheme("mysql");
        }
        url.to_string()
    }
}

fn redacted(url: &url::Url) -> String {
    let mut shown = url.clone();
    if shown.password().is_some() {
        let _ = shown.set_password(Some("***"));
    }
    if url.query_pairs().any(|(k, v)| secret_param(&k, &v)) {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if secret_param(&k, &v) {
                    "***".into()
                } else {
                    v
                };
                (k.into_owned(), v.into_owned())
            })
            .collect();
        shown.query_pairs_mut().clear().extend_pairs(pairs);
    }
    shown.to_string()
}

/// A query parameter never shown: a password, or a private key given inline (PEM).
fn secret_param(key: &str, value: &str) -> bool {
    key == "password" || (key.contains("key") && value.contains("-----BEGIN"))
}

/// Redaction of a string that may not even parse as a URL: everything between the scheme
/// and the last `@` (user and password) is hidden.
fn redact_raw(raw: &str) -> String {
    let raw = raw.trim();
    match raw.rfind('@') {
        Some(at) => {
            let scheme = raw.split(':').next().filter(|s| s.len() < at).unwrap_or("");
            format!("{scheme}://***{}", &raw[at..])
        }
        None => raw.to_string(),
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redacted(&self.url))
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// Remove the password of any URL found in a message (driver errors can echo them).
#[must_use]
pub fn redact_message(message: &str, url: &DatabaseUrl) -> String {
    let mut message = message.to_string();
    let secrets = url.url.password().map(str::to_string).into_iter().chain(
        url.url
            .query_pairs()
            .filter(|(k, v)| secret_param(k, v))
            .map(|(_, v)| v.into_owned()),
    );
    for secret in secrets {
        if !secret.is_empty() {
            message = message.replace(&secret, "***");
        }
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_never_shown() {
        let u = DatabaseUrl::parse("postgres://app:s3cret@db:5432/app").unwrap();
        assert_eq!(u.to_string(), "postgres://app:***@db:5432/app");
        assert!(!format!("{u:?}").contains("s3cret"));
        assert!(u.expose().contains("s3cret"));
        assert_eq!(
            redact_message("auth failed for s3cret", &u),
            "auth failed for ***"
        );
        let e = DatabaseUrl::parse("postgres://app:s3cret@db:notaport/app")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("s3cret"), "{e}");
    }

    #[test]
    fn query_passwords_and_inline_keys_are_never_shown() {
        let u = DatabaseUrl::parse(
            "postgres://app@db/app?password=s3cret&sslmode=verify-full&sslcert=c.pem&sslkey=-----BEGIN%20KEY-----xyz",
        )
        .unwrap();
        let shown = u.to_string();
        assert!(
            !shown.contains("s3cret") && !shown.contains("xyz"),
            "{shown}"
        );
        assert!(shown.contains("sslmode=verify-full"), "{shown}");
        assert_eq!(redact_message("bad s3cret", &u), "bad ***");
    }

    #[test]
    fn tls_parameters_are_checked_per_engine() {
        let e = DatabaseUrl::parse("mysql://root@h/db?ssl-mode=require")
            .unwrap_err()
            .to_string();
        assert!(e.contains("VERIFY_IDENTITY"), "{e}");
        let e = DatabaseUrl::parse("postgres://u@h/db?sslmode=VERIFY_CA")
            .unwrap_err()
            .to_string();
        assert!(e.contains("verify-full"), "{e}");
        let e = DatabaseUrl::parse("postgres://u@h/db?sslcert=c.pem")
            .unwrap_err()
            .to_string();
        assert!(e.contains("sslkey="), "{e}");
        for ok in [
            "postgres://u@h/db?sslmode=verify-full&sslrootcert=ca.pem",
            "mariadb://u@h/db?ssl-mode=verify_ca&ssl-ca=ca.pem",
            "mysql://u@h/db?ssl-mode=DISABLED",
        ] {
            DatabaseUrl::parse(ok).unwrap();
        }
    }

    #[test]
    fn schemes_and_database_are_checked() {
        assert_eq!(
            DatabaseUrl::parse("mariadb://root@h/db").unwrap().dialect(),
            Dialect::Mariadb
        );
        assert!(DatabaseUrl::parse("mariadb://root@h/db")
            .unwrap()
            .expose()
            .starts_with("mysql://"));
        assert!(DatabaseUrl::parse("sqlite://x.db")
            .unwrap_err()
            .to_string()
            .contains("unsupported scheme"));
        assert!(DatabaseUrl::parse("postgres://h")
            .unwrap_err()
            .to_string()
            .contains("names no database"));
    }
}
