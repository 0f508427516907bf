//! Each fleet command's work on one target, as a [`Verdict`]: what it did, whether the
//! target refused, and the command's own result for JSON.

use super::exec::Verdict;
use bellows::engine::{BackfillOptions, MigrationStatus, Runner};
use bellows::Result;
use serde_json::json;
use std::sync::atomic::AtomicBool;

fn phases(n: usize) -> String {
    if n == 1 {
        "1 phase".into()
    } else {
        format!("{n} phases")
    }
}

/// `expand` on one target.
pub async fn expand(runner: &mut Runner) -> Result<Verdict> {
    let applied = runner.expand().await?;
    let summary = if applied.is_empty() {
        "nothing to expand".into()
    } else {
        format!("expanded {}", phases(applied.len()))
    };
    Ok(Verdict::done(summary, json!({ "applied": applied })))
}

fn backfill_summary(outcomes: &[bellows::backfill::BackfillOutcome]) -> (Option<String>, String) {
    use bellows::backfill::Ending;
    let rows: u64 = outcomes.iter().map(|o| o.rows).sum();
    let stopped = outcomes.iter().any(|o| o.ending == Ending::Stopped);
    let summary = if outcomes.is_empty() {
        "nothing to backfill".into()
    } else {
        format!("backfilled {rows} rows in {} backfills", outcomes.len())
    };
    let refused = stopped.then(|| format!("stopped by Ctrl-C after {rows} rows (resumable)"));
    (refused, summary)
}

/// `backfill` on one target.
pub async fn backfill(
    runner: &mut Runner,
    version: Option<i64>,
    options: &BackfillOptions,
    stop: &AtomicBool,
) -> Result<Verdict> {
    let outcomes = runner.backfill(version, options, stop, &mut |_| {}).await?;
    let (refused, summary) = backfill_summary(&outcomes);
    Ok(Verdict {
        refused,
        summary,
        detail: json!({ "backfills": outcomes }),
    })
}

/// `up` on one target.
pub async fn up(
    runner: &mut Runner,
    options: &BackfillOptions,
    stop: &AtomicBool,
) -> Result<Verdict> {
    let (applied, outcomes) = runner.up(options, stop, &mut |_| {}).await?;
    let (refused, backfilled) = backfill_summary(&outcomes);
    Ok(Verdict {
        refused,
        summary: format!("expanded {}, {backfilled}", phases(applied.len())),
        detail: json!({ "applied": applied, "backfills": outcomes }),
    })
}

/// `contract` on one target: refused when its gate is closed or a migration is not ready.
pub async fn contract(runner: &mut Runner, version: Option<i64>, force: bool) -> Result<Verdict> {
    let outcome = runner.contract(version, force).await?;
    let summary = if outcome.applied.is_empty() {
        "nothing contracted".into()
    } else {
        format!("contracted {}", phases(outcome.applied.len()))
    };
    let refused = outcome
        .refused
        .as_ref()
        .map(|r| format!("{} {} waits: {}", r.version, r.name, r.reason));
    Ok(Verdict {
        refused,
        summary,
        detail: serde_json::to_value(&outcome).unwrap_or_default(),
    })
}

/// `gate check` on one target: refused when the gate is closed.
pub async fn gate_check(runner: &mut Runner, version: Option<i64>) -> Result<Verdict> {
    let Some((version, name, decision)) = runner.gate_check(version).await? else {
        return Ok(Verdict::done("no contract pending", json!(null)));
    };
    let detail = json!({ "version": version, "name": name, "decision": decision });
    if decision.open {
        Ok(Verdict::done(
            format!("gate open for {version} {name}"),
            detail,
        ))
    } else {
        Ok(Verdict {
            refused: Some(format!(
                "gate closed for {version} {name}: {}",
                decision.reason
            )),
            summary: String::new(),
            detail,
        })
    }
}

/// `status` on one target; with `check`, refused when a migration needs a person.
pub async fn status(runner: &mut Runner, check: bool) -> Result<Verdict> {
    let status = runner.status().await?;
    let attention: Vec<i64> = status
        .iter()
        .filter(|m| m.needs_attention())
        .map(|m| m.version)
        .collect();
    let pending = status
        .iter()
        .filter(|m| m.state == bellows::db::State::Pending)
        .count();
    let mut summary = format!("{pending} pending");
    if !attention.is_empty() {
        summary.push_str(&format!(", needs attention: {attention:?}"));
    }
    Ok(Verdict {
        refused: (check && !attention.is_empty()).then(|| summary.clone()),
        summary,
        detail: json!({ "migrations": status.iter().map(brief).collect::<Vec<_>>() }),
    })
}

fn brief(m: &MigrationStatus) -> serde_json::Value {
    json!({ "version": m.version, "name": m.name, "state": m.state, "next": m.next })
}

/// `plan` on one target.
pub async fn plan(runner: &mut Runner) -> Result<Verdict> {
    let plan = runner.plan().await?;
    let summary = format!("{} to run", phases(plan.len()));
    Ok(Verdict::done(summary, json!({ "plan": plan })))
}

/// `rollout record` on one target.
pub async fn rollout_record(
    runner: &mut Runner,
    app: Option<&str>,
    version: &str,
    force: bool,
) -> Result<Verdict> {
    runner.record_rollout(app, version, force).await?;
    let app = app.unwrap_or("app");
    Ok(Verdict::done(
        format!("recorded {app} {version}"),
        json!({ "app": app, "app_version": version }),
    ))
}

/// `adopt` on one target: refused when its history does not match the folder.
pub async fn adopt(runner: &mut Runner, options: bellows::engine::AdoptOptions) -> Result<Verdict> {
    let report = runner.adopt(options).await?;
    let summary = if report.dry_run {
        format!(
            "would record {} versions from {}",
            report.lines.len(),
            report.from
        )
    } else {
        format!(
            "recorded {} versions from {}",
            report.recorded.len(),
            report.from
        )
    };
    Ok(Verdict {
        refused: report.refused.clone(),
        summary,
        detail: serde_json::to_value(&report).unwrap_or_default(),
    })
}
