//! Phases of a migration and the `key=value` directives their markers carry.

use crate::sql::Statement;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

/// The four kinds of section a migration file can have, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PhaseKind {
    /// Additive, backward-compatible DDL.
    Expand,
    /// A batched data copy/transform.
    Backfill,
    /// Destructive DDL, gated on the rollout.
    Contract,
    /// Undoes the expand phase (`bellows abort`).
    Down,
}

impl PhaseKind {
    /// All kinds, in file order.
    pub const ALL: [PhaseKind; 4] = [
        PhaseKind::Expand,
        PhaseKind::Backfill,
        PhaseKind::Contract,
        PhaseKind::Down,
    ];

    /// The marker name, as in `-- bellows:expand`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            PhaseKind::Expand => "expand",
            PhaseKind::Backfill => "backfill",
            PhaseKind::Contract => "contract",
            PhaseKind::Down => "down",
        }
    }

    /// Directive keys this phase accepts.
    fn allowed_keys(self) -> &'static [&'static str] {
        match self {
            PhaseKind::Expand | PhaseKind::Down => &[],
            PhaseKind::Backfill => &[
                "table",
                "key",
                "batch",
                "target",
                "max-rows-per-sec",
                "min-batch",
                "max-batch",
                "latency-target",
            ],
            PhaseKind::Contract => &["requires-app", "soak"],
        }
    }
}

impl fmt::Display for PhaseKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PhaseKind {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        PhaseKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(())
    }
}

/// The directives of a phase marker, validated for the phase kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Directives {
    /// `key=value` pairs in the order written.
    pub pairs: Vec<(String, String)>,
    /// `requires-app` of a contract phase, parsed (see [`crate::gate::Requirement`]).
    #[serde(skip)]
    pub requires_app: Option<crate::gate::Requirement>,
}

impl Directives {
    /// Parse `key=value key2="quoted value"` for a phase of `kind`.
    ///
    /// # Errors
    /// A message saying which directive is wrong and what is accepted.
    pub fn parse(kind: PhaseKind, text: &str) -> Result<Self, String> {
        let mut pairs = Vec::new();
        let mut rest = text.trim();
        while !rest.is_empty() {
            let (key, after) = rest.split_once('=').ok_or_else(|| {
                format!(
                    "directive `{}` is not of the form key=value",
                    first_word(rest)
                )
            })?;
            let key = key.trim();
            if key.is_empty() || key.contains(char::is_whitespace) {
                return Err(format!(
                    "directive `{}` is not of the form key=value",
                    first_word(rest)
                ));
            }
            let after = after.trim_start();
            let (value, remaining) = if let Some(quoted) = after.strip_prefix('"') {
                unquote(quoted)
                    .ok_or_else(|| format!("directive `{key}`: the quote is never closed"))?
            } else {
                let end = after.find(char::is_whitespace).unwrap_or(after.len());
                (after[..end].to_string(), &after[end..])
            };
            if !kind.allowed_keys().contains(&key) {
                let allowed = kind.allowed_keys();
                return Err(if allowed.is_empty() {
                    format!("`-- bellows:{kind}` takes no directives, found `{key}`")
                } else {
                    format!(
                        "unknown directive `{key}` for `-- bellows:{kind}` (accepted: {})",
                        allowed.join(", ")
                    )
                });
            }
            if pairs.iter().any(|(k, _): &(String, String)| k == key) {
                return Err(format!("directive `{key}` is given twice"));
            }
            pairs.push((key.to_string(), value));
            rest = remaining.trim_start();
        }
        let mut directives = Directives {
            pairs,
            requires_app: None,
        };
        directives.validate(kind)?;
        Ok(directives)
    }

    /// The value of `key`, if given.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The soak window of a contract (`soak=24h`): how long its requirement must have held
    /// before it runs.
    pub(crate) fn soak(&self) -> Option<std::time::Duration> {
        self.get("soak")
            .and_then(|v| humantime::parse_duration(v).ok())
    }

    fn validate(&mut self, kind: PhaseKind) -> Result<(), String> {
        if let Some(v) = self.get("soak") {
            humantime::parse_duration(v)
                .map_err(|e| format!("soak={v} is not a duration like 24h or 30m ({e})"))?;
            if self.get("requires-app").is_none() {
                return Err(format!(
                    "soak={v} needs requires-app: the soak window is how long the requirement must have held (e.g. requires-app=\">=2.4.0\" soak={v})"
                ));
            }
        }
        if let Some(req) = self.get("requires-app") {
            let parsed = crate::gate::Requirement::parse(req)
                .map_err(|e| format!("requires-app=\"{req}\" {e}; e.g. requires-app=\">=2.4.0\" or requires-app=\"shop>=2.4.0, worker>=1.1.0\""))?;
            self.requires_app = Some(parsed);
        }
        if kind == PhaseKind::Backfill && self.get("table").is_none() {
            return Err(
                "`-- bellows:backfill` needs `table=<name>` (and optionally key=<column>)".into(),
            );
        }
        for key in ["batch", "max-rows-per-sec", "min-batch", "max-batch"] {
            if let Some(v) = self.get(key) {
                if !(key == "batch" && v == "auto") && v.parse::<u64>().map_or(true, |n| n == 0) {
                    return Err(format!(
                        "{key}={v} must be a positive whole number{}",
                        if key == "batch" { " or auto" } else { "" }
                    ));
                }
            }
        }
        if let Some(v) = self.get("latency-target") {
            v.parse::<crate::backfill::LatencyTarget>()?;
        }
        if let Some(v) = self.get("target") {
            humantime::parse_duration(v)
                .map_err(|e| format!("target={v} is not a duration like 200ms ({e})"))?;
        }
        Ok(())
    }
}

/// A quoted directive value after its opening `"`, a quote inside doubled (`""`), and the
/// text after its closing quote; `None` when it is never closed.
fn unquote(text: &str) -> Option<(String, &str)> {
    let mut value = String::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '"' {
            value.push(c);
        } else if chars.peek().is_some_and(|(_, n)| *n == '"') {
            chars.next();
            value.push('"');
        } else {
            return Some((value, &text[i + 1..]));
        }
    }
    None
}

/// `value` as a directive value: as is when it is a plain word, else in double quotes with
/// a quote inside doubled (`table="my table"`, `key="a ""b"""`).
#[must_use]
pub(crate) fn quote_value(value: &str) -> String {
    let plain = !value.is_empty()
        && !value.starts_with('"')
        && !value.chars().any(|c| c.is_whitespace() || c == '"');
    if plain {
        value.to_string()
    } else {
        format!("\"{}\"", value.replace('"', "\"\""))
    }
}

fn first_word(s: &str) -> &str {
    s.split_whitespace().next().unwrap_or(s)
}

/// One section of a migration file.
#[derive(Debug, Clone, Serialize)]
pub struct Phase {
    /// Which section this is.
    pub kind: PhaseKind,
    /// Directives from its marker line.
    pub directives: Directives,
    /// The line of the marker (`None` for a file without markers or a sqlx `.down.sql`).
    pub marker_line: Option<usize>,
    /// The section body, as written.
    #[serde(skip)]
    pub text: String,
    /// The section's first body line in its file.
    pub first_line: usize,
    /// The statements, split.
    #[serde(skip)]
    pub statements: Vec<Statement>,
    /// SHA-256 of the statements (comments between statements and blank lines don't count).
    pub checksum: String,
}

impl Phase {
    /// The statements' text joined, the way it is checksummed and stored.
    #[must_use]
    pub fn normalized_sql(&self) -> String {
        normalized_sql(&self.statements)
    }
}

/// A `requires-app` value normalised (every bare version read as `>=`: `2.0.0` is
/// `>=2.0.0`, where semver alone would read `^2.0.0`); the text `bellows new` writes.
///
/// # Errors
/// Why the value is not a requirement.
pub(crate) fn app_range_text(req: &str) -> Result<String, String> {
    crate::gate::Requirement::parse(req).map(|r| r.to_string())
}

/// Statements joined as `stmt;\n`, each line's trailing white space removed.
#[must_use]
pub(crate) fn normalized_sql(statements: &[Statement]) -> String {
    let mut out = String::new();
    for s in statements {
        for line in s.sql.lines() {
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out.pop();
        out.push_str(";\n");
    }
    out
}

/// Hex SHA-256 of text.
#[must_use]
pub(crate) fn checksum(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_quoted_and_plain_values() {
        let d = Directives::parse(PhaseKind::Backfill, "table=users key=id batch=auto").unwrap();
        assert_eq!(d.get("table"), Some("users"));
        let d = Directives::parse(PhaseKind::Contract, "requires-app=\">=2.4.0, <3\"").unwrap();
        assert_eq!(d.requires_app.unwrap().to_string(), ">=2.4.0, <3");
        let d = Directives::parse(
            PhaseKind::Contract,
            "requires-app=\"shop>=1.2.0, worker>=0.3.0\"",
        )
        .unwrap();
        assert_eq!(d.requires_app.unwrap().apps(), vec!["shop", "worker"]);
        let d =
            Directives::parse(PhaseKind::Contract, "requires-app=\">=2.4.0\" soak=24h").unwrap();
        assert_eq!(d.soak(), Some(std::time::Duration::from_secs(24 * 3600)));
        let e = Directives::parse(PhaseKind::Contract, "soak=24h").unwrap_err();
        assert!(e.contains("needs requires-app"), "{e}");
        let e = Directives::parse(PhaseKind::Contract, "requires-app=2 soak=soon").unwrap_err();
        assert!(e.contains("soak=soon is not a duration"), "{e}");
    }

    #[test]
    fn quoted_values_hold_spaces_and_doubled_quotes() {
        for value in ["users", "my table", "a \"b\" c", "\"", "", "a, b"] {
            let text = format!("table={} key=id", quote_value(value));
            let d = Directives::parse(PhaseKind::Backfill, &text).unwrap();
            assert_eq!(d.get("table"), Some(value), "{text}");
            assert_eq!(d.get("key"), Some("id"), "{text}");
        }
        assert_eq!(quote_value("users"), "users");
        assert_eq!(quote_value("my table"), "\"my table\"");
        let e = Directives::parse(PhaseKind::Backfill, "table=\"a\"\"").unwrap_err();
        assert!(e.contains("never closed"), "{e}");
    }

    #[test]
    fn rejects_bad_directives_with_a_reason() {
        let bare = Directives::parse(PhaseKind::Contract, "requires-app=\"2.0.0\"").unwrap();
        assert_eq!(bare.requires_app.unwrap().to_string(), ">=2.0.0");
        assert_eq!(app_range_text("2, <3").unwrap(), ">=2, <3");
        assert_eq!(app_range_text("^2.1").unwrap(), "^2.1");
        assert_eq!(app_range_text("2.*").unwrap(), "2.*");
        let e =
            Directives::parse(PhaseKind::Contract, "requires-app=\">=2, shop>=3\"").unwrap_err();
        assert!(e.contains("name every app or none"), "{e}");
        let e = Directives::parse(PhaseKind::Contract, "requires-app=\"shop>=1 2\"").unwrap_err();
        assert!(e.contains("not a semver range"), "{e}");
        let e = Directives::parse(PhaseKind::Expand, "fast=yes").unwrap_err();
        assert!(e.contains("takes no directives"), "{e}");
        let e = Directives::parse(PhaseKind::Backfill, "key=id").unwrap_err();
        assert!(e.contains("needs `table="), "{e}");
        let e = Directives::parse(PhaseKind::Backfill, "table=t batch=0").unwrap_err();
        assert!(e.contains("positive"), "{e}");
        let e = Directives::parse(PhaseKind::Contract, "requires-app").unwrap_err();
        assert!(e.contains("key=value"), "{e}");
    }
}
