//! Soak windows: a contract with `soak=24h` (or `[gate] soak`) runs only once its
//! requirement has held continuously that long. When it first held is recorded per
//! requirement (database clock); it starts again whenever the requirement is seen not to
//! hold: the gate closed, the latest recorded rollout of an app outside the range (a rollback
//! recorded), or, found afterwards from their rows, an old instance that was live or a
//! rollback recorded after that time.

use super::{Decision, Requirement, RolloutOrder};
use crate::db::{store, Backend, Instance, Rollout};
use crate::Result;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// Where a contract's soak window stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Soak {
    /// How long the requirement must hold.
    #[serde(rename = "window_ms", serialize_with = "super::millis")]
    pub window: Duration,
    /// How long it has held so far (`None`: it does not hold now).
    #[serde(rename = "held_ms", serialize_with = "super::opt_millis")]
    pub held: Option<Duration>,
    /// How long until the window is over (zero: over).
    #[serde(rename = "left_ms", serialize_with = "super::millis")]
    pub left: Duration,
}

/// What the gate read, for the soak's evidence.
pub(super) struct Seen<'a> {
    pub(super) instances: &'a [Instance],
    pub(super) rollouts: &'a [Rollout],
    pub(super) order: &'a RolloutOrder,
    pub(super) ttl: Duration,
}

/// Keep `decision` closed until `req` has held for `window`, and record when it first held.
///
/// # Errors
/// Database errors.
pub(super) async fn apply(
    db: &mut dyn Backend,
    req: &Requirement,
    window: Duration,
    decision: &mut Decision,
    seen: &Seen<'_>,
) -> Result<()> {
    let text = req.to_string();
    let rolled_back = latest_outside(seen.rollouts, req, seen.order);
    if !decision.open || rolled_back.is_some() {
        store::clear_held(db, &text).await?;
        decision.soak = Some(Soak {
            window,
            held: None,
            left: window,
        });
        if let (Some(why), true) = (rolled_back, decision.open) {
            decision.open = false;
            decision.headline = format!(
                "requires app {req}; {why}: the soak window of {} starts again once it holds",
                human(window)
            );
            decision.reason.clone_from(&decision.headline);
        }
        return Ok(());
    }
    let (now, stored) = store::held_since(db, &text).await?;
    let broken = last_broken(seen, req).unwrap_or(i64::MIN);
    let since = stored.unwrap_or(now).max(broken).min(now);
    if stored != Some(since) {
        store::set_held(db, &text, u64::try_from(now - since).unwrap_or(0)).await?;
    }
    let held = Duration::from_millis(u64::try_from(now - since).unwrap_or(0));
    let left = window.saturating_sub(held);
    decision.soak = Some(Soak {
        window,
        held: Some(held),
        left,
    });
    if left.is_zero() {
        decision.headline = format!(
            "{}; it has held for {} (soak window {})",
            decision.headline,
            human(held),
            human(window)
        );
    } else {
        decision.open = false;
        decision.headline = format!(
            "requires app {req}; soaking: it has held for {} of the {} window, {} left",
            human(held),
            human(window),
            human(left)
        );
        decision.reason = format!("{} ({})", decision.headline, decision.reason);
    }
    Ok(())
}

/// A duration to the second, as people write it (`23h 59m 58s`).
fn human(d: Duration) -> String {
    humantime::format_duration(Duration::from_secs(d.as_secs())).to_string()
}

/// The latest recorded rollout of an app the requirement is about, when it is outside the
/// range (a rollback was recorded).
fn latest_outside(rollouts: &[Rollout], req: &Requirement, order: &RolloutOrder) -> Option<String> {
    for clause in req.clauses() {
        let mut apps_seen: Vec<Option<&str>> = Vec::new();
        for r in rollouts.iter().rev() {
            let app = r.app_name.as_deref();
            if !clause.concerns(app) || apps_seen.contains(&app) {
                continue;
            }
            apps_seen.push(app);
            if clause.admits(app, &r.app_version, order) != Ok(true) {
                let of = app.map(|a| format!(" of {a}")).unwrap_or_default();
                return Some(format!(
                    "the latest recorded rollout{of} is {}, outside {clause}",
                    r.app_version
                ));
            }
        }
    }
    None
}

/// The last moment the requirement was seen not holding, by the rows (epoch milliseconds,
/// database clock): when an instance outside the range last counted (deregistered, retired,
/// or its last heartbeat plus the TTL), and when an app's rollouts came back in range after
/// one outside it.
fn last_broken(seen: &Seen<'_>, req: &Requirement) -> Option<i64> {
    let ttl = i64::try_from(seen.ttl.as_millis()).unwrap_or(i64::MAX);
    let outside = |app: Option<&str>, version: &str| {
        req.clauses()
            .iter()
            .any(|c| c.concerns(app) && c.admits(app, version, seen.order) != Ok(true))
    };
    let instances = seen
        .instances
        .iter()
        .filter(|i| outside(Some(&i.app_name), &i.app_version))
        .map(|i| {
            let gone = i.stopped_at.map_or_else(
                || i.heartbeat_at.timestamp_millis().saturating_add(ttl),
                |t| t.timestamp_millis(),
            );
            i.retired_at
                .map_or(gone, |r| gone.min(r.timestamp_millis()))
        });
    let mut after_outside: BTreeMap<Option<&str>, bool> = BTreeMap::new();
    let mut back_in_range = Vec::new();
    for r in seen.rollouts {
        let app = r.app_name.as_deref();
        if !req.clauses().iter().any(|c| c.concerns(app)) {
            continue;
        }
        let was_outside = after_outside.entry(app).or_default();
        if outside(app, &r.app_version) {
            *was_outside = true;
        } else if *was_outside {
            *was_outside = false;
            back_in_range.push(r.recorded_at.timestamp_millis());
        }
    }
    instances.chain(back_in_range).max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, TimeZone, Utc};

    fn at(ms: i64) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(ms).unwrap()
    }

    fn rollout(app: &str, version: &str, ms: i64) -> Rollout {
        Rollout {
            app_name: Some(app.into()),
            app_version: version.into(),
            recorded_at: at(ms),
            recorded_by: "ci".into(),
        }
    }

    fn instance(
        version: &str,
        heartbeat: i64,
        stopped: Option<i64>,
        retired: Option<i64>,
    ) -> Instance {
        Instance {
            id: version.into(),
            app_name: "shop".into(),
            app_version: version.into(),
            host: "h".into(),
            started_at: at(0),
            heartbeat_at: at(heartbeat),
            stopped_at: stopped.map(at),
            environment: None,
            retired_at: retired.map(at),
            heartbeat_age: Duration::from_secs(3600),
        }
    }

    #[test]
    fn the_rows_say_when_the_requirement_last_broke() {
        let req = Requirement::parse("shop>=2.4.0").unwrap();
        let order = RolloutOrder::default();
        let seen = |instances: &[Instance], rollouts: &[Rollout]| {
            let seen = Seen {
                instances,
                rollouts,
                order: &order,
                ttl: Duration::from_secs(60),
            };
            last_broken(&seen, &req)
        };
        // Forward only: nothing broke it.
        let forward = [
            rollout("shop", "2.3.0", 1_000),
            rollout("shop", "2.4.0", 2_000),
        ];
        assert_eq!(seen(&[], &forward[1..]), None);
        // 2.4.0 after 2.3.0: it holds again from the second record.
        assert_eq!(seen(&[], &forward), Some(2_000));
        let rolled_back = [
            rollout("shop", "2.4.0", 1_000),
            rollout("shop", "2.3.0", 5_000),
            rollout("worker", "0.1.0", 6_000),
            rollout("shop", "2.4.1", 7_000),
        ];
        assert_eq!(
            seen(&[], &rolled_back),
            Some(7_000),
            "the worker does not count"
        );
        // An old instance: its stop; a crashed one: its heartbeat plus the TTL; a retired one:
        // its retirement at the latest. New instances do not count.
        let old = [
            instance("2.3.0", 10_000, Some(12_000), None),
            instance("2.3.0", 20_000, None, None),
            instance("2.2.0", 90_000, None, Some(30_000)),
            instance("2.4.0", 99_000, None, None),
        ];
        assert_eq!(seen(&old[..1], &[]), Some(12_000));
        assert_eq!(seen(&old[..2], &[]), Some(80_000));
        assert_eq!(seen(&old[2..], &[]), Some(30_000));
        assert_eq!(
            latest_outside(&rolled_back[..2], &req, &order).as_deref(),
            Some("the latest recorded rollout of shop is 2.3.0, outside shop>=2.4.0")
        );
        assert_eq!(latest_outside(&rolled_back, &req, &order), None);
    }
}
