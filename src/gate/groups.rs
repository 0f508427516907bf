//! Live instances counted by environment, app and version (what `instances` and `gate
//! check` show): how many, the stalest heartbeat, and whether they block.

use super::{Requirement, RolloutOrder};
use crate::db::Instance;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// The live instances of one app version in one environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct InstanceGroup {
    /// The environment (`None`: instances registered without one).
    pub environment: Option<String>,
    /// The app.
    pub app: String,
    /// The version they run.
    pub version: String,
    /// How many are live (not stopped, heard from within the TTL).
    pub live: usize,
    /// The age of the stalest heartbeat among them.
    #[serde(rename = "oldest_heartbeat_ms", serialize_with = "super::millis")]
    pub oldest_heartbeat: Duration,
    /// Their environment was retired after they started: they do not count for the gate.
    pub retired: bool,
    /// Outside the range of the contract the gate was asked about (always false from
    /// [`groups`]).
    pub blocks: bool,
}

/// The live instances in groups of environment, app and version (retired ones apart), in
/// that order.
#[must_use]
pub fn groups<'a>(
    instances: impl IntoIterator<Item = &'a Instance>,
    ttl: Duration,
) -> Vec<InstanceGroup> {
    let mut by: BTreeMap<(bool, Option<&str>, &str, &str), InstanceGroup> = BTreeMap::new();
    for i in instances.into_iter().filter(|i| i.is_live(ttl)) {
        let retired = i.retired_at.is_some();
        let key = (
            retired,
            i.environment.as_deref(),
            i.app_name.as_str(),
            i.app_version.as_str(),
        );
        let group = by.entry(key).or_insert_with(|| InstanceGroup {
            environment: i.environment.clone(),
            app: i.app_name.clone(),
            version: i.app_version.clone(),
            live: 0,
            oldest_heartbeat: Duration::ZERO,
            retired,
            blocks: false,
        });
        group.live += 1;
        group.oldest_heartbeat = group.oldest_heartbeat.max(i.heartbeat_age);
    }
    by.into_values().collect()
}

/// The groups of the instances a requirement is about, each marked when it blocks.
pub(super) fn judged(
    instances: &[Instance],
    req: &Requirement,
    order: &RolloutOrder,
    ttl: Duration,
) -> Vec<InstanceGroup> {
    let concerned = instances
        .iter()
        .filter(|i| req.clauses().iter().any(|c| c.concerns(Some(&i.app_name))));
    let mut all = groups(concerned, ttl);
    for g in &mut all {
        g.blocks = !g.retired
            && req.clauses().iter().any(|c| {
                c.concerns(Some(&g.app)) && c.admits(Some(&g.app), &g.version, order) != Ok(true)
            });
    }
    all
}

impl fmt::Display for InstanceGroup {
    /// `blue: shop 2.3.0, 2 live, oldest heartbeat 3.1s ago`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.environment, self.retired) {
            (Some(env), false) => write!(f, "{env}: ")?,
            (Some(env), true) => write!(f, "{env} (retired): ")?,
            (None, _) => {}
        }
        write!(f, "{} {}, ", self.app, self.version)?;
        if self.retired {
            write!(f, "{} still heartbeating, not counted", self.live)
        } else {
            write!(
                f,
                "{} live, oldest heartbeat {:.1}s ago",
                self.live,
                self.oldest_heartbeat.as_secs_f64()
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance(env: Option<&str>, version: &str, age: u64, retired: bool) -> Instance {
        Instance {
            id: format!("{env:?}-{version}-{age}"),
            app_name: "shop".into(),
            app_version: version.into(),
            host: "h".into(),
            started_at: chrono::Utc::now(),
            heartbeat_at: chrono::Utc::now(),
            stopped_at: None,
            environment: env.map(str::to_string),
            retired_at: retired.then(chrono::Utc::now),
            heartbeat_age: Duration::from_secs(age),
        }
    }

    #[test]
    fn counts_by_environment_and_version() {
        let all = [
            instance(Some("blue"), "2.3.0", 4, false),
            instance(Some("blue"), "2.3.0", 9, false),
            instance(Some("green"), "2.4.0", 1, false),
            instance(Some("green"), "2.4.0", 120, false),
            instance(Some("old"), "2.2.0", 2, true),
            instance(None, "2.4.0", 3, false),
        ];
        let req = Requirement::parse(">=2.4.0").unwrap();
        let lines: Vec<String> = judged(
            &all,
            &req,
            &RolloutOrder::default(),
            Duration::from_secs(60),
        )
        .iter()
        .map(|g| format!("{g}{}", if g.blocks { " BLOCKS" } else { "" }))
        .collect();
        assert_eq!(
            lines,
            [
                "shop 2.4.0, 1 live, oldest heartbeat 3.0s ago",
                "blue: shop 2.3.0, 2 live, oldest heartbeat 9.0s ago BLOCKS",
                "green: shop 2.4.0, 1 live, oldest heartbeat 1.0s ago",
                "old (retired): shop 2.2.0, 1 still heartbeating, not counted",
            ]
        );
    }
}
