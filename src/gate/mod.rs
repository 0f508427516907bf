//! The rollout gate (DESIGN §7): may a contract phase run now? This release reads one
//! source, the rollouts the release pipeline records (`bellows rollout record`).

use crate::db::Rollout;
use semver::{Version, VersionReq};
use serde::Serialize;

/// The gate's answer, with the evidence for it.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    /// The contract may run.
    pub open: bool,
    /// The requirement checked (`None`: the contract states none).
    pub requires_app: Option<String>,
    /// What the gate saw and why it decided so.
    pub reason: String,
}

/// Decide for a contract phase requiring `requires` from the latest recorded rollout.
#[must_use]
pub fn decide(requires: Option<&VersionReq>, latest: Option<&Rollout>) -> Decision {
    let Some(req) = requires else {
        return Decision {
            open: true,
            requires_app: None,
            reason: "the contract states no requires-app: no gate".into(),
        };
    };
    let requires_app = Some(req.to_string());
    let Some(rollout) = latest else {
        return Decision {
            open: false,
            requires_app,
            reason: format!(
                "requires app {req}, but no rollout has been recorded; after deploying, run `bellows rollout record --app-version <version>`"
            ),
        };
    };
    let seen = format!(
        "latest recorded rollout: {} (at {}, by {})",
        rollout.app_version,
        rollout.recorded_at.format("%Y-%m-%d %H:%M:%S UTC"),
        rollout.recorded_by
    );
    match Version::parse(&rollout.app_version) {
        Ok(v) if req.matches(&v) => Decision {
            open: true,
            requires_app,
            reason: format!("requires app {req}; {seen}"),
        },
        Ok(_) => Decision {
            open: false,
            requires_app,
            reason: format!("requires app {req}, not met: {seen}"),
        },
        Err(e) => Decision {
            open: false,
            requires_app,
            reason: format!("requires app {req}; {seen} is not semver ({e})"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn rollout(v: &str) -> Rollout {
        Rollout {
            app_version: v.into(),
            recorded_at: Utc::now(),
            recorded_by: "ci".into(),
        }
    }

    #[test]
    fn decides_from_the_latest_rollout() {
        let req = VersionReq::parse(">=2.4.0").unwrap();
        assert!(decide(Some(&req), Some(&rollout("2.4.0"))).open);
        assert!(decide(Some(&req), Some(&rollout("2.10.1"))).open);
        let closed = decide(Some(&req), Some(&rollout("2.3.9")));
        assert!(!closed.open);
        assert!(closed.reason.contains("2.3.9"), "{}", closed.reason);
        let none = decide(Some(&req), None);
        assert!(!none.open && none.reason.contains("rollout record"));
        assert!(decide(None, None).open);
        assert!(!decide(Some(&req), Some(&rollout("banana"))).open);
    }
}
