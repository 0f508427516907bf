//! A failed TLS handshake explained: which check failed, against which file, and what to
//! change; the driver's error stays the source.

use super::{Level, Tls};
use std::fmt;

impl Tls {
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
