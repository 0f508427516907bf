//! The rollout gate: may a contract phase run now? Sources of rollout state —
//! live app instances (heartbeats), rollouts the pipeline recorded, a user command — each give
//! a verdict; the gate is closed when any source shows a running version outside the range,
//! open when at least one shows the rollout done and none contradicts, and closed for lack of
//! evidence otherwise. A soak window keeps it closed until the requirement has held long
//! enough; the rollback guard answers the other way round: which app versions the schema
//! still supports.

mod command;
mod groups;
pub(crate) mod guard;
mod heartbeat;
mod pipeline;
mod requirement;
mod soak;

pub use groups::{groups, InstanceGroup};
pub use guard::{Compatibility, Exclusion};
pub(crate) use requirement::RolloutOrder;
pub use requirement::{Clause, Requirement};
pub use soak::Soak;

use crate::db::Backend;
use crate::migration::Directives;
use crate::{Error, Result};
use serde::Serialize;
use std::time::Duration;

/// A source of rollout state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// Live app instances registered through the library.
    Heartbeat,
    /// Rollouts recorded with `bellows rollout record`.
    Pipeline,
    /// A user command printing the running versions.
    Command,
}

impl std::str::FromStr for SourceKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "heartbeat" => Ok(SourceKind::Heartbeat),
            "pipeline" => Ok(SourceKind::Pipeline),
            "command" => Ok(SourceKind::Command),
            other => Err(Error::Config(format!(
                "unknown gate source `{other}` (expected heartbeat, pipeline or command)"
            ))),
        }
    }
}

/// Which sources the gate asks, and how.
#[derive(Debug, Clone)]
pub struct GateConfig {
    /// The sources, in the order they are asked.
    pub sources: Vec<SourceKind>,
    /// An instance whose last heartbeat is older than this is gone.
    pub ttl: Duration,
    /// The shell command of the command source.
    pub command: Option<String>,
    /// How long the command may run.
    pub command_timeout: Duration,
    /// The soak window of contracts that set none (`soak=` on the marker overrides it).
    pub soak: Option<Duration>,
}

impl Default for GateConfig {
    fn default() -> Self {
        GateConfig {
            sources: vec![SourceKind::Heartbeat, SourceKind::Pipeline],
            ttl: Duration::from_secs(60),
            command: None,
            command_timeout: Duration::from_secs(30),
            soak: None,
        }
    }
}

/// What one source says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The rollout is done as far as this source can see.
    Supports,
    /// A version outside the range is running (or the source failed): the gate stays closed.
    Contradicts,
    /// This source has nothing to say.
    NoEvidence,
}

/// One source's verdict with its evidence.
#[derive(Debug, Clone, Serialize)]
pub struct SourceReport {
    /// The source.
    pub source: SourceKind,
    /// Its verdict.
    pub verdict: Verdict,
    /// One line saying why.
    pub summary: String,
    /// What it saw, a line each (instances, versions...).
    pub evidence: Vec<String>,
}

/// The gate's answer, with the evidence for it.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    /// The contract may run.
    pub open: bool,
    /// The requirement checked (`None`: the contract states none).
    pub requires_app: Option<String>,
    /// Why, in one line, with the evidence that decided it (for messages that stand alone,
    /// such as a refused contract).
    pub reason: String,
    /// The decision in a few words, without the evidence (shown where `sources` follow).
    pub headline: String,
    /// Each source's verdict.
    pub sources: Vec<SourceReport>,
    /// The live instances of the apps it is about, by environment and version.
    pub instances: Vec<InstanceGroup>,
    /// The soak window, when the contract has one.
    pub soak: Option<Soak>,
}

/// Ask every configured source about each clause of the requirement and decide: open when
/// every clause (every app named) is open.
///
/// # Errors
/// Database errors; a command source without a command.
pub(crate) async fn evaluate(
    db: &mut dyn Backend,
    contract: Option<&Directives>,
    config: &GateConfig,
) -> Result<Decision> {
    let Some(req) = contract.and_then(|d| d.requires_app.as_ref()) else {
        let reason = "the contract states no requires-app: no gate".to_string();
        return Ok(Decision {
            open: true,
            requires_app: None,
            headline: reason.clone(),
            reason,
            sources: Vec::new(),
            instances: Vec::new(),
            soak: None,
        });
    };
    let instances = crate::db::store::instances(db).await?;
    let rollouts = crate::db::store::rollouts(db).await?;
    let order = RolloutOrder(
        rollouts
            .iter()
            .map(|r| (r.app_name.clone(), r.app_version.clone()))
            .collect(),
    );
    let mut decisions = Vec::new();
    for clause in req.clauses() {
        let mut reports = Vec::new();
        for source in &config.sources {
            reports.push(match source {
                SourceKind::Heartbeat => heartbeat::report(&instances, clause, &order, config.ttl),
                SourceKind::Pipeline => pipeline::report(&rollouts, clause, &order),
                SourceKind::Command => {
                    let cmd = config.command.as_deref().ok_or_else(|| {
                        Error::Config(
                            "gate source `command` needs `command = \"...\"` in [gate]".into(),
                        )
                    })?;
                    command::report(cmd, config.command_timeout, clause, &order).await
                }
            });
        }
        decisions.push(combine(&clause.to_string(), reports));
    }
    let mut decision = all_of(req, decisions);
    decision.instances = groups::judged(&instances, req, &order, config.ttl);
    let window = contract
        .and_then(Directives::soak)
        .or(config.soak)
        .filter(|w| !w.is_zero());
    if let Some(window) = window {
        let seen = soak::Seen {
            instances: &instances,
            rollouts: &rollouts,
            order: &order,
            ttl: config.ttl,
        };
        soak::apply(db, req, window, &mut decision, &seen).await?;
    }
    Ok(decision)
}

/// One decision from the decisions of every clause: the first closed one decides, else
/// all are open; every source report is kept (prefixed with its app where there are several).
fn all_of(req: &Requirement, decisions: Vec<Decision>) -> Decision {
    let several = decisions.len() > 1;
    let mut sources = Vec::new();
    for (clause, d) in req.clauses().iter().zip(&decisions) {
        for mut r in d.sources.clone() {
            if let (true, Some(app)) = (several, &clause.app) {
                r.summary = format!("{app}: {}", r.summary);
            }
            sources.push(r);
        }
    }
    let deciding = decisions
        .iter()
        .find(|d| !d.open)
        .or(decisions.first())
        .cloned()
        .expect("a requirement has a clause");
    let open = decisions.iter().all(|d| d.open);
    let (reason, headline) = if open && several {
        let reasons: Vec<&str> = decisions.iter().map(|d| d.reason.as_str()).collect();
        (
            reasons.join("; "),
            format!("requires app {req}; every app shows the rollout done"),
        )
    } else {
        (deciding.reason, deciding.headline)
    };
    Decision {
        open,
        requires_app: Some(req.to_string()),
        reason,
        headline,
        sources,
        instances: Vec::new(),
        soak: None,
    }
}

/// Combine verdicts: any contradiction closes; otherwise any support opens.
#[must_use]
pub(crate) fn combine(req: &str, sources: Vec<SourceReport>) -> Decision {
    let requires_app = Some(req.to_string());
    let name = |r: &SourceReport| format!("{:?}", r.source).to_lowercase();
    if let Some(blocking) = sources.iter().find(|r| r.verdict == Verdict::Contradicts) {
        let reason = format!(
            "requires app {req}; {}: {}",
            name(blocking),
            blocking.summary
        );
        return Decision {
            open: false,
            requires_app,
            headline: format!("requires app {req}; {} blocks it", name(blocking)),
            reason,
            sources,
            instances: Vec::new(),
            soak: None,
        };
    }
    if let Some(support) = sources.iter().find(|r| r.verdict == Verdict::Supports) {
        let reason = format!("requires app {req}; {}: {}", name(support), support.summary);
        return Decision {
            open: true,
            requires_app,
            headline: format!(
                "requires app {req}; {} shows the rollout done",
                name(support)
            ),
            reason,
            sources,
            instances: Vec::new(),
            soak: None,
        };
    }
    let seen: Vec<String> = sources
        .iter()
        .map(|r| format!("{}: {}", name(r), r.summary))
        .collect();
    let headline = format!("requires app {req}, but no source shows the rollout done");
    let reason = format!("{headline} ({})", seen.join("; "));
    Decision {
        open: false,
        requires_app,
        headline,
        reason,
        sources,
        instances: Vec::new(),
        soak: None,
    }
}

/// A duration as whole milliseconds, in JSON.
fn millis<S: serde::Serializer>(d: &Duration, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// An optional duration as whole milliseconds, in JSON.
#[allow(clippy::ref_option)] // serde hands it so
fn opt_millis<S: serde::Serializer>(
    d: &Option<Duration>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match d {
        Some(d) => millis(d, s),
        None => s.serialize_none(),
    }
}

/// An app name or version as the gate can record and compare it: not empty, at most 200
/// characters, no white space.
///
/// # Errors
/// [`Error::Config`] saying what is wrong with it.
pub(crate) fn check_version(what: &str, v: &str) -> Result<()> {
    if v.is_empty() || v.len() > 200 || v.chars().any(char::is_whitespace) {
        let e_g = if what.ends_with("version") {
            " (e.g. 2.4.0, a git SHA or a build number)"
        } else {
            ""
        };
        return Err(Error::Config(format!(
            "{what} `{v}` must be 1 to 200 characters without white space{e_g}"
        )));
    }
    Ok(())
}

/// Parse `v` as semver, leniently: a leading `v` and missing minor/patch are accepted
/// (`v2.4` is 2.4.0).
#[must_use]
pub(crate) fn parse_version(v: &str) -> Option<semver::Version> {
    let v = v.trim().trim_start_matches('v');
    semver::Version::parse(v).ok().or_else(|| {
        let parts: Vec<&str> = v.split('.').collect();
        match parts.as_slice() {
            [major] => semver::Version::parse(&format!("{major}.0.0")).ok(),
            [major, minor] => semver::Version::parse(&format!("{major}.{minor}.0")).ok(),
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(source: SourceKind, verdict: Verdict) -> SourceReport {
        SourceReport {
            source,
            verdict,
            summary: format!("{verdict:?}"),
            evidence: vec![],
        }
    }

    #[test]
    fn contradiction_closes_support_opens_silence_closes() {
        let req = ">=2.0.0";
        let d = combine(
            req,
            vec![
                report(SourceKind::Pipeline, Verdict::Supports),
                report(SourceKind::Heartbeat, Verdict::Contradicts),
            ],
        );
        assert!(!d.open && d.reason.contains("heartbeat"), "{}", d.reason);
        assert!(
            combine(
                req,
                vec![
                    report(SourceKind::Heartbeat, Verdict::NoEvidence),
                    report(SourceKind::Pipeline, Verdict::Supports)
                ]
            )
            .open
        );
        let d = combine(
            req,
            vec![report(SourceKind::Heartbeat, Verdict::NoEvidence)],
        );
        assert!(
            !d.open && d.reason.contains("no source shows"),
            "{}",
            d.reason
        );
    }

    #[test]
    fn lenient_versions() {
        assert_eq!(parse_version("v2.4"), Some(semver::Version::new(2, 4, 0)));
        assert_eq!(parse_version("3"), Some(semver::Version::new(3, 0, 0)));
        assert_eq!(parse_version("latest"), None);
    }
}
