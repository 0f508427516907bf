//! What a contract requires of the running apps (`requires-app`), parsed once; pure.
//!
//! Syntax: comma-separated clauses, each an optional app name followed by a range. A part
//! that starts with a letter starts a new app's clause; a part that starts with an operator
//! or a digit continues the range of the clause before it:
//!
//! - `>=2.0.0` (or bare `2.0.0`): every app must run 2.0.0 or later;
//! - `shop>=1.2.0, worker>=0.3.0`: shop at 1.2.0 or later and worker at 0.3.0 or later;
//!   other apps on the same database do not matter;
//! - `shop>=1.2.0, <2`: one app, a range of two parts;
//! - `shop>=4f1c2e9` (a version that is not semver: a git SHA, a tag; always with `>=`): shop
//!   runs 4f1c2e9 or a version whose first `rollout record` came after 4f1c2e9's.
//!
//! Named and unnamed clauses do not mix. Versions are compared as semver where both sides
//! parse (leniently: `v2.4` is 2.4.0 and a build number `1234` is 1234.0.0, so build numbers
//! order numerically); otherwise by the order `bellows rollout record` first saw them.

use super::parse_version;
use semver::VersionReq;
use std::fmt;

/// A parsed `requires-app`: one clause per app (or one for every app).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    clauses: Vec<Clause>,
}

/// What one app (or every app) must run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    /// The app the clause is about; `None`: every app.
    pub app: Option<String>,
    range: Range,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Range {
    /// A semver range (bare versions read as `>=`).
    Semver(VersionReq),
    /// A version that is not semver, or any version first recorded after it.
    Since(String),
}

/// The order versions were first recorded in by `rollout record` (oldest first): how
/// versions that are not semver compare.
#[derive(Debug, Clone, Default)]
pub(crate) struct RolloutOrder(pub(crate) Vec<(Option<String>, String)>);

impl RolloutOrder {
    /// The position of the first record of `version` for `app` (a record without an app
    /// counts for every app).
    fn first_seen(&self, app: Option<&str>, version: &str) -> Option<usize> {
        self.0.iter().position(|(a, v)| {
            v == version && (a.is_none() || app.is_none() || a.as_deref() == app)
        })
    }
}

impl Requirement {
    /// Parse a `requires-app` value.
    ///
    /// ```
    /// let r = bellows::gate::Requirement::parse("shop>=1.2.0, <2, worker 0.3").unwrap();
    /// assert_eq!(r.to_string(), "shop>=1.2.0, <2, worker>=0.3");
    /// assert_eq!(r.apps(), vec!["shop", "worker"]);
    /// assert!(bellows::gate::Requirement::parse(">=2, shop>=3").is_err());
    /// ```
    ///
    /// # Errors
    /// A message naming the part that is neither a semver range nor a version.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut raw: Vec<(Option<String>, Vec<String>)> = Vec::new();
        for part in text.split(',').map(str::trim) {
            if part.is_empty() {
                return Err("has an empty part".into());
            }
            let name_len = part
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                .unwrap_or(part.len());
            let starts_app = part.starts_with(|c: char| c.is_ascii_alphabetic())
                && !matches!(&part[..name_len], "x" | "X")
                && name_len < part.len();
            if starts_app {
                let rest = part[name_len..].trim().to_string();
                raw.push((Some(part[..name_len].to_string()), vec![rest]));
            } else if let Some((_, parts)) = raw.last_mut() {
                parts.push(part.to_string());
            } else {
                raw.push((None, vec![part.to_string()]));
            }
        }
        let named = raw.iter().filter(|(a, _)| a.is_some()).count();
        if named > 0 && named < raw.len() {
            return Err(
                "mixes a range for every app with ranges for named apps; name every app or none"
                    .into(),
            );
        }
        let clauses = raw
            .into_iter()
            .map(|(app, parts)| {
                Ok(Clause {
                    range: range(&parts)?,
                    app,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Requirement { clauses })
    }

    /// The clauses, one per app named (or one for every app).
    #[must_use]
    pub fn clauses(&self) -> &[Clause] {
        &self.clauses
    }

    /// The apps named (empty: the requirement is about every app).
    #[must_use]
    pub fn apps(&self) -> Vec<&str> {
        self.clauses
            .iter()
            .filter_map(|c| c.app.as_deref())
            .collect()
    }
}

/// The range of one clause: a semver range, or one version that is not semver.
fn range(parts: &[String]) -> Result<Range, String> {
    let text = parts
        .iter()
        .map(|p| bare_as_at_least(p))
        .collect::<Vec<_>>()
        .join(", ");
    match VersionReq::parse(&text) {
        Ok(req) => Ok(Range::Semver(req)),
        Err(e) => {
            let token = parts[0]
                .trim()
                .strip_prefix(">=")
                .unwrap_or_default()
                .trim();
            let opaque = parts.len() == 1
                && !token.is_empty()
                && token
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+'));
            if opaque {
                Ok(Range::Since(token.to_string()))
            } else {
                Err(format!(
                    "is not a semver range (`{}`: {e}); a version that is not semver is written with >= (e.g. >=4f1c2e9)",
                    parts.join(", ")
                ))
            }
        }
    }
}

/// A bare version `2.0.0` read as `>=2.0.0` (semver alone would read `^2.0.0` and keep the
/// gate shut for an app at 3.1.0).
fn bare_as_at_least(part: &str) -> String {
    let part = part.trim();
    let bare = part.starts_with(|c: char| c.is_ascii_alphanumeric())
        && !part.contains(['*'])
        && !matches!(part, "x" | "X")
        && !part.starts_with(['x', 'X']);
    if bare {
        format!(">={part}")
    } else {
        part.to_string()
    }
}

impl Clause {
    /// Whether the clause is about instances and rollouts of `app`.
    pub(crate) fn concerns(&self, app: Option<&str>) -> bool {
        match (&self.app, app) {
            (Some(mine), Some(theirs)) => mine == theirs,
            _ => true,
        }
    }

    /// Whether `version` (of `app`, when known) is in range; `Err` says why it cannot be.
    pub(crate) fn admits(
        &self,
        app: Option<&str>,
        version: &str,
        order: &RolloutOrder,
    ) -> Result<bool, String> {
        let app = self.app.as_deref().or(app);
        match &self.range {
            Range::Semver(req) => match parse_version(version) {
                Some(v) => Ok(req.matches(&v)),
                None => Err(format!("{version} is not semver, {req} needs semver")),
            },
            Range::Since(since) if since == version => Ok(true),
            Range::Since(since) => {
                let Some(floor) = order.first_seen(app, since) else {
                    return Err(format!(
                        "{since} was never recorded with `bellows rollout record`"
                    ));
                };
                match order.first_seen(app, version) {
                    Some(seen) => Ok(seen > floor),
                    None => Err(format!(
                        "{version} was never recorded with `bellows rollout record`"
                    )),
                }
            }
        }
    }
}

impl fmt::Display for Clause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(app) = &self.app {
            f.write_str(app)?;
        }
        match &self.range {
            Range::Semver(req) => write!(f, "{req}"),
            Range::Since(v) => write!(f, ">={v}"),
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.clauses.iter().map(ToString::to_string).collect();
        f.write_str(&parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(list: &[(&str, &str)]) -> RolloutOrder {
        RolloutOrder(
            list.iter()
                .map(|(a, v)| (Some((*a).to_string()), (*v).to_string()))
                .collect(),
        )
    }

    #[test]
    fn bare_ranges_named_apps_and_continued_ranges() {
        let r = |t: &str| Requirement::parse(t).unwrap().to_string();
        assert_eq!(r("2, <3"), ">=2, <3");
        assert_eq!(r("^2.1"), "^2.1");
        assert_eq!(r("2.*"), "2.*");
        assert_eq!(
            r("shop>=1.2.0, worker>=0.3.0"),
            "shop>=1.2.0, worker>=0.3.0"
        );
        assert_eq!(r("shop 1.2.0"), "shop>=1.2.0");
        let two = Requirement::parse("shop>=1.2.0, <2, worker-api>=0.3").unwrap();
        assert_eq!(two.apps(), vec!["shop", "worker-api"]);
        let shop = &two.clauses()[0];
        let none = RolloutOrder::default();
        assert_eq!(shop.admits(None, "1.9.0", &none), Ok(true));
        assert_eq!(shop.admits(None, "2.0.0", &none), Ok(false));
        assert!(shop.concerns(Some("shop")) && !shop.concerns(Some("worker")));
        assert!(Requirement::parse(">=2.0.0").unwrap().clauses()[0].concerns(Some("any")));
        for bad in [
            ">=2, shop>=3",
            "shop>=1 2",
            "",
            "shop>=1.0,",
            "shop>=1.0, 2 3",
        ] {
            assert!(Requirement::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn versions_that_are_not_semver_order_by_their_rollouts() {
        let req = Requirement::parse("shop>=4f1c2e9").unwrap();
        let clause = &req.clauses()[0];
        let seen = order(&[
            ("shop", "aaa1111"),
            ("worker", "ccc3333"),
            ("shop", "4f1c2e9"),
            ("shop", "bbb2222"),
        ]);
        assert_eq!(clause.admits(None, "4f1c2e9", &seen), Ok(true));
        assert_eq!(clause.admits(None, "bbb2222", &seen), Ok(true));
        assert_eq!(clause.admits(None, "aaa1111", &seen), Ok(false));
        assert!(
            clause.admits(None, "ccc3333", &seen).is_err(),
            "recorded for another app"
        );
        assert!(clause.admits(None, "2.0.0", &seen).is_err());
        // Build numbers are numbers: they order as such without any record.
        let builds = Requirement::parse(">=1200").unwrap();
        assert_eq!(
            builds.clauses()[0].admits(Some("a"), "1234", &seen),
            Ok(true)
        );
        assert_eq!(
            builds.clauses()[0].admits(Some("a"), "999", &seen),
            Ok(false)
        );
    }
}
