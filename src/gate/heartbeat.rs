//! The heartbeat source: app instances registered through the library; those heard from
//! within the TTL are live.

use super::{Clause, RolloutOrder, SourceKind, SourceReport, Verdict};
use crate::db::Instance;
use std::time::Duration;

/// Live instances of the clause's app all in range → supports; any outside it →
/// contradicts, naming it; no live instance of the app → no evidence.
#[must_use]
pub(super) fn report(
    instances: &[Instance],
    clause: &Clause,
    order: &RolloutOrder,
    ttl: Duration,
) -> SourceReport {
    let live: Vec<&Instance> = instances
        .iter()
        .filter(|i| i.is_live(ttl) && clause.concerns(Some(&i.app_name)))
        .collect();
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
        .filter_map(|i| {
            let named = format!("{} {} ({})", i.app_name, i.app_version, i.id);
            match clause.admits(Some(&i.app_name), &i.app_version, order) {
                Ok(true) => None,
                Ok(false) => Some(named),
                Err(why) => Some(format!("{named}: {why}")),
            }
        })
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
                "no live instance{} (none heard from in the last {}s)",
                clause
                    .app
                    .as_ref()
                    .map(|a| format!(" of {a}"))
                    .unwrap_or_default(),
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
