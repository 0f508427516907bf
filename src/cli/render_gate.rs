//! The rollout gate's decision and the registered app instances, for people or JSON.

use super::{count, json, Format};
use bellows::db::Instance;
use bellows::gate::{Decision, InstanceGroup, Verdict};

/// The gate's decision with each source's evidence; exit 0 open, 1 closed.
pub fn gate(checked: Option<&(i64, String, Decision)>, format: Format) -> i32 {
    let Some((version, name, decision)) = checked else {
        if format == Format::Json {
            json(&serde_json::json!({ "pending": null }));
        } else {
            outln!("no contract is pending");
        }
        return 0;
    };
    let code = i32::from(!decision.open);
    if format == Format::Json {
        json(&serde_json::json!({ "version": version, "name": name, "decision": decision }));
        return code;
    }
    let verdict = if decision.open { "OPEN" } else { "CLOSED" };
    outln!("gate for {version} {name}: {verdict}");
    outln!("  {}", decision.headline);
    if let Some(soak) = decision.soak.as_ref().filter(|s| s.held.is_none()) {
        outln!(
            "  soak window {}: starts once the requirement holds",
            humantime::format_duration(soak.window)
        );
    }
    for source in &decision.sources {
        let mark = match source.verdict {
            Verdict::Supports => "supports",
            Verdict::Contradicts => "blocks",
            Verdict::NoEvidence => "no evidence",
        };
        outln!("  {:?} ({mark}): {}", source.source, source.summary);
        // Evidence the summary already says in full is not repeated.
        for line in source
            .evidence
            .iter()
            .filter(|l| !source.summary.contains(l.as_str()))
        {
            outln!("    - {line}");
        }
    }
    code
}

/// Registered instances, after saying how many `--prune` removed, then the live ones
/// counted by environment and version.
pub fn instances(
    instances: &[Instance],
    groups: &[InstanceGroup],
    pruned: Option<usize>,
    format: Format,
) {
    if format == Format::Json {
        return json(&serde_json::json!({
            "instances": instances,
            "groups": groups,
            "pruned": pruned
        }));
    }
    if let Some(n) = pruned {
        outln!("pruned {}", count(n as u64, "instance", "instances"));
    }
    if instances.is_empty() {
        outln!("no app instances registered");
        return;
    }
    outln!(
        "{:<40} {:<16} {:<12} {:<12} {:<20} LAST HEARTBEAT",
        "INSTANCE",
        "APP",
        "VERSION",
        "ENVIRONMENT",
        "HOST"
    );
    for i in instances {
        let last = match (i.stopped_at, i.retired_at) {
            (Some(t), _) => format!("stopped {}", super::time(t)),
            (None, Some(t)) => format!(
                "{:.0}s ago (retired {})",
                i.heartbeat_age.as_secs_f64(),
                super::time(t)
            ),
            (None, None) => format!("{:.0}s ago", i.heartbeat_age.as_secs_f64()),
        };
        outln!(
            "{:<40} {:<16} {:<12} {:<12} {:<20} {last}",
            i.id,
            i.app_name,
            i.app_version,
            i.environment.as_deref().unwrap_or("-"),
            i.host
        );
    }
    if !groups.is_empty() {
        outln!("live, by environment and version:");
        for g in groups {
            outln!("  {g}");
        }
    }
}
