//! The heartbeat source: app instances registered through the library; those heard from
//! within the TTL are live.

use super::{parse_version, SourceKind, SourceReport, Verdict};
use crate::db::Instance;
use semver::VersionReq;
use std::time::Duration;

/// Live instances all in range → supports; any live instance outside it → contradicts,
/// naming it; no live instance → no evidence.
#[must_use]
pub(super) fn report(instances: &[Instance], req: &VersionReq, ttl: Duration) -> SourceReport {
    let live: Vec<&Instance> = instances.iter().filter(|i| i.is_live(ttl)).collect();
    let describe = |i: &Instance| {
        format!(
            "instance {} ({} {} on {}), last heartbeat {:.1}s ago",
            i.id,
            i.app_name,
            i.app_version,
            i.host,
            i.heartbeat_age.as_secs_f64()
        )
    };
    let evidence: Vec<String> = live.iter().map(|i| describe(i)).collect();
    // Named briefly here (the summary goes into one-line refusals); the evidence has detail.
    let blockers: Vec<String> = live
        .iter()
        .filter(|i| parse_version(&i.app_version).is_none_or(|v| !req.matches(&v)))
        .map(|i| format!("{} {} ({})", i.app_name, i.app_version, i.id))
        .collect();
    let (verdict, summary) = if !blockers.is_empty() {
        (
            Verdict::Contradicts,
            format!("still running outside the range: {}", blockers.join(", ")),
        )
    } else if live.is_empty() {
        (
            Verdict::NoEvidence,
            format!(
                "no live instance (none heard from in the last {}s)",
                ttl.as_secs()
            ),
        )
    } else {
        (
            Verdict::Supports,
            match live.len() {
                1 => "the 1 live instance is in range".to_string(),
                n => format!("all {n} live instances are in range"),
            },
        )
    };
    SourceReport {
        source: SourceKind::Heartbeat,
        verdict,
        summary,
        evidence,
    }
}
