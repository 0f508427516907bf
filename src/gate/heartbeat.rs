//! The heartbeat source: app instances registered through the library; those heard from
//! within the TTL are live, unless their environment was retired since they started.

use super::{groups, Clause, RolloutOrder, SourceKind, SourceReport, Verdict};
use crate::db::Instance;
use std::collections::BTreeMap;
use std::time::Duration;

/// How many instance ids a blocking group names before "and N more".
const IDS_NAMED: usize = 3;

/// Live instances of the clause's app all in range → supports; any outside it →
/// contradicts, naming it with its environment; no live instance of the app → no evidence.
/// The evidence is one line per environment, app and version.
#[must_use]
pub(super) fn report(
    instances: &[Instance],
    clause: &Clause,
    order: &RolloutOrder,
    ttl: Duration,
) -> SourceReport {
    let concerned: Vec<&Instance> = instances
        .iter()
        .filter(|i| i.is_live(ttl) && clause.concerns(Some(&i.app_name)))
        .collect();
    let live: Vec<&Instance> = concerned
        .iter()
        .copied()
        .filter(|i| i.retired_at.is_none())
        .collect();
    let evidence: Vec<String> = groups(concerned.iter().copied(), ttl)
        .iter()
        .map(|g| {
            let blocks = !g.retired && clause.admits(Some(&g.app), &g.version, order) != Ok(true);
            format!("{g}{}", if blocks { ", outside the range" } else { "" })
        })
        .collect();
    let blockers = blockers(&live, clause, order);
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

/// The live instances outside the range, named briefly (the summary goes into one-line
/// refusals; the evidence has the counts): app, version, environment and ids, with the
/// reason where the version cannot be compared.
fn blockers(live: &[&Instance], clause: &Clause, order: &RolloutOrder) -> Vec<String> {
    let outside = |i: &Instance| match clause.admits(Some(&i.app_name), &i.app_version, order) {
        Ok(true) => None,
        Ok(false) => Some(String::new()),
        Err(why) => Some(format!(": {why}")),
    };
    let mut blocking: BTreeMap<(Option<&str>, &str, &str, String), Vec<&str>> = BTreeMap::new();
    for i in live {
        if let Some(why) = outside(i) {
            let key = (
                i.environment.as_deref(),
                i.app_name.as_str(),
                i.app_version.as_str(),
                why,
            );
            blocking.entry(key).or_default().push(&i.id);
        }
    }
    blocking
        .iter()
        .map(|((env, app, version, why), ids)| {
            let env = env.map(|e| format!(" in {e}")).unwrap_or_default();
            format!("{app} {version}{env} ({}){why}", named(ids))
        })
        .collect()
}

/// `a, b, c and 4 more`.
fn named(ids: &[&str]) -> String {
    let mut text = ids
        .iter()
        .take(IDS_NAMED)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > IDS_NAMED {
        text.push_str(&format!(" and {} more", ids.len() - IDS_NAMED));
    }
    text
}
