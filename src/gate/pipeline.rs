//! The pipeline source: the latest rollout recorded with `bellows rollout record`.

use super::{parse_version, SourceKind, SourceReport, Verdict};
use crate::db::Rollout;
use semver::VersionReq;

/// The verdict of the latest recorded rollout. One below the range is no evidence (the
/// heartbeats may know better), not a contradiction.
#[must_use]
pub(super) fn report(latest: Option<&Rollout>, req: &VersionReq) -> SourceReport {
    let Some(rollout) = latest else {
        return SourceReport {
            source: SourceKind::Pipeline,
            verdict: Verdict::NoEvidence,
            summary: "no rollout recorded (after deploying, run `bellows rollout record --app-version <version>`)".into(),
            evidence: Vec::new(),
        };
    };
    let seen = format!(
        "latest recorded rollout {} (at {}, by {})",
        rollout.app_version,
        rollout.recorded_at.format("%Y-%m-%d %H:%M:%S UTC"),
        rollout.recorded_by
    );
    let (verdict, summary) = match parse_version(&rollout.app_version) {
        Some(v) if req.matches(&v) => (Verdict::Supports, seen.clone()),
        Some(_) => (Verdict::NoEvidence, format!("{seen}, not met")),
        None => (Verdict::NoEvidence, format!("{seen} is not semver")),
    };
    SourceReport {
        source: SourceKind::Pipeline,
        verdict,
        summary,
        evidence: vec![seen],
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
        assert_eq!(
            report(Some(&rollout("2.4.0")), &req).verdict,
            Verdict::Supports
        );
        assert_eq!(
            report(Some(&rollout("2.10.1")), &req).verdict,
            Verdict::Supports
        );
        let below = report(Some(&rollout("2.3.9")), &req);
        assert_eq!(below.verdict, Verdict::NoEvidence);
        assert!(
            below.summary.contains("2.3.9") && below.summary.contains("not met"),
            "{}",
            below.summary
        );
        assert!(report(None, &req).summary.contains("rollout record"));
        assert_eq!(
            report(Some(&rollout("banana")), &req).verdict,
            Verdict::NoEvidence
        );
    }
}
