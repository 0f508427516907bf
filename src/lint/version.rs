//! Server versions as the linter compares them: `16`, `8.0`, `10.11.6-MariaDB-1`, or the
//! string `SELECT version()` returns.

use crate::sql::Dialect;
use std::fmt;
use std::str::FromStr;

/// A `major.minor.patch` server version; missing parts are zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServerVersion {
    /// Major version (`16`, `8`, `10`).
    pub major: u32,
    /// Minor version (`0` for `8.0`, `11` for `10.11`).
    pub minor: u32,
    /// Patch version.
    pub patch: u32,
}

impl ServerVersion {
    /// A version from its parts.
    #[must_use]
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        ServerVersion {
            major,
            minor,
            patch,
        }
    }

    /// The newest version of `dialect` the rules know about: what is assumed when no version
    /// is given.
    #[must_use]
    pub fn latest(dialect: Dialect) -> Self {
        match dialect {
            Dialect::Postgres => ServerVersion::new(17, 0, 0),
            Dialect::Mysql => ServerVersion::new(8, 4, 0),
            Dialect::Mariadb => ServerVersion::new(11, 4, 0),
        }
    }

    /// True when this version is `major.minor` or later.
    #[must_use]
    pub fn at_least(self, major: u32, minor: u32) -> bool {
        (self.major, self.minor) >= (major, minor)
    }
}

impl fmt::Display for ServerVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)?;
        if self.patch > 0 {
            write!(f, ".{}", self.patch)?;
        }
        Ok(())
    }
}

impl FromStr for ServerVersion {
    type Err = String;

    /// Parse the leading `major[.minor[.patch]]` of a version string; anything after it
    /// (`-log`, `-MariaDB-1`, ` (Debian ...)`, `beta1`) is ignored. A `PostgreSQL 16.2 ...`
    /// prefix is skipped.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        let start = trimmed
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(trimmed.len());
        let mut parts = [0u32; 3];
        let mut count = 0;
        for piece in trimmed[start..].split('.').take(3) {
            let digits: String = piece.chars().take_while(char::is_ascii_digit).collect();
            let Ok(n) = digits.parse() else { break };
            parts[count] = n;
            count += 1;
            if digits.len() != piece.len() {
                break;
            }
        }
        if count == 0 {
            return Err(format!(
                "server version `{s}` is not a version number like 16, 8.0 or 10.11"
            ));
        }
        Ok(ServerVersion::new(parts[0], parts[1], parts[2]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_usual_shapes() {
        let v = |s: &str| s.parse::<ServerVersion>().unwrap();
        assert_eq!(v("16"), ServerVersion::new(16, 0, 0));
        assert_eq!(v("8.0"), ServerVersion::new(8, 0, 0));
        assert_eq!(
            v("10.11.6-MariaDB-1:10.11.6+maria~ubu2204"),
            ServerVersion::new(10, 11, 6)
        );
        assert_eq!(v("8.0.36-log"), ServerVersion::new(8, 0, 36));
        assert_eq!(
            v("PostgreSQL 16.2 (Debian 16.2-1)"),
            ServerVersion::new(16, 2, 0)
        );
        assert_eq!(v("17beta1"), ServerVersion::new(17, 0, 0));
        assert!("latest".parse::<ServerVersion>().is_err());
        assert!(v("14.3").at_least(14, 0) && !v("14.3").at_least(14, 4));
    }
}
