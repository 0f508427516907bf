//! The pipeline source: the latest rollout recorded with `bellows rollout record`.

use super::{Clause, RolloutOrder, SourceKind, SourceReport, Verdict};
use crate::db::Rollout;

/// The verdict of the latest rollout recorded for the clause's app (a rollout recorded
/// without `--app` counts for every app; for a clause about every app, the latest of each
/// app must be in range). One below the range is no evidence (the heartbeats may know
/// better), not a contradiction.
#[must_use]
pub(super) fn report(rollouts: &[Rollout], clause: &Clause, order: &RolloutOrder) -> SourceReport {
    let mut latest: Vec<&Rollout> = Vec::new();
    for r in rollouts.iter().rev() {
        let app_seen = latest.iter().any(|l| l.app_name == r.app_name);
        if clause.concerns(r.app_name.as_deref()) && !app_seen {
            latest.push(r);
        }
        if clause.app.is_some() && !latest.is_empty() {
            break;
        }
    }
    let mut reports = latest.iter().map(|r| one(r, clause, order));
    let Some(first) = reports.next() else {
        return SourceReport {
            source: SourceKind::Pipeline,
            verdict: Verdict::NoEvidence,
            summary: "no rollout recorded (after deploying, run `bellows rollout record --app <name> --app-version <version>`)".into(),
            evidence: Vec::new(),
        };
    };
    reports.fold(first, |mut all, next| {
        if next.verdict != Verdict::Supports {
            all.verdict = next.verdict;
            all.summary = next.summary;
        }
        all.evidence.extend(next.evidence);
        all
    })
}

fn one(rollout: &Rollout, clause: &Clause, order: &RolloutOrder) -> SourceReport {
    let seen = format!(
        "latest recorded rollout {}{} (at {}, by {})",
        rollout
            .app_name
            .as_ref()
            .map(|a| format!("of {a} "))
            .unwrap_or_default(),
        rollout.app_version,
        rollout.recorded_at.format("%Y-%m-%d %H:%M:%S UTC"),
        rollout.recorded_by
    );
    let admitted = clause.admits(rollout.app_name.as_deref(), &rollout.app_version, order);
    let (verdict, summary) = match admitted {
        Ok(true) => (Verdict::Supports, seen.clone()),
        Ok(false) => (Verdict::NoEvidence, format!("{seen}, not met")),
        Err(why) => (Verdict::NoEvidence, format!("{seen}: {why}")),
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
            app_name: None,
            app_version: v.into(),
            recorded_at: Utc::now(),
            recorded_by: "ci".into(),
        }
    }

    #[test]
    fn decides_from_the_latest_rollout() {
        let req = crate::gate::Requirement::parse(">=2.4.0").unwrap();
        let req = &req.clauses()[0];
        let order = RolloutOrder::default();
        let report = |r: Option<&Rollout>, c: &Clause| {
            super::report(r.map(std::slice::from_ref).unwrap_or_default(), c, &order)
        };
        assert_eq!(
            report(Some(&rollout("2.4.0")), req).verdict,
            Verdict::Supports
        );
        assert_eq!(
            report(Some(&rollout("2.10.1")), req).verdict,
            Verdict::Supports
        );
        let below = report(Some(&rollout("2.3.9")), req);
        assert_eq!(below.verdict, Verdict::NoEvidence);
        assert!(
            below.summary.contains("2.3.9") && below.summary.contains("not met"),
            "{}",
            below.summary
        );
        assert!(report(None, req).summary.contains("rollout record"));
        assert_eq!(
            report(Some(&rollout("banana")), req).verdict,
            Verdict::NoEvidence
        );
    }
}
