//! The combined view of a fleet run: per target (URL without its password) its outcome,
//! latest migration and state; the targets counted per outcome and per state; the list of
//! targets that failed or refused; the exit code (0 all done, 1 some refused, 2 some failed
//! or not started).

use super::super::Format;
use bellows::db::DatabaseUrl;
use serde::Serialize;
use std::collections::BTreeMap;

/// How a target's run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Did what was asked (or found nothing to do).
    Done,
    /// Refused: a closed gate, a migration not ready (exit 1).
    Refused,
    /// An error (exit 2).
    Failed,
    /// Not started: an earlier target failed (without `--keep-going`) or Ctrl-C (exit 2).
    NotStarted,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Done => "done",
            Outcome::Refused => "refused",
            Outcome::Failed => "failed",
            Outcome::NotStarted => "not started",
        }
    }
}

/// One target's line of the view.
#[derive(Debug, Clone, Serialize)]
pub struct TargetReport {
    /// The URL, password redacted.
    pub target: String,
    pub outcome: Outcome,
    /// What happened, or the refusal or error.
    pub summary: String,
    /// The latest migration that ran there.
    pub version: Option<i64>,
    /// Its state (`empty` when none ran, `unknown` when unreadable).
    pub state: String,
    /// Migrations not started there.
    pub pending: usize,
    /// The command's own result.
    #[serde(skip_serializing_if = "serde_json::Value::is_null")]
    pub detail: serde_json::Value,
}

impl TargetReport {
    pub fn new(url: &DatabaseUrl, outcome: Outcome, summary: String) -> TargetReport {
        TargetReport {
            target: url.to_string(),
            outcome,
            summary,
            version: None,
            state: "unknown".into(),
            pending: 0,
            detail: serde_json::Value::Null,
        }
    }

    pub fn not_started(url: &DatabaseUrl) -> TargetReport {
        TargetReport::new(url, Outcome::NotStarted, "not started".into())
    }

    /// The progress line of a finished target.
    pub fn line(&self) -> String {
        match self.outcome {
            Outcome::Done => self.summary.clone(),
            other => format!("{}: {}", other.as_str(), self.summary),
        }
    }

    /// The latest migration's state and version, e.g. `expanded at 3`.
    fn place(&self) -> String {
        match self.version {
            Some(v) => format!("{} at {v}", self.state),
            None => self.state.clone(),
        }
    }
}

/// Print the view; the exit code.
pub fn render(command: &str, reports: &[TargetReport], format: Format) -> i32 {
    let mut outcomes: BTreeMap<Outcome, usize> = BTreeMap::new();
    let mut states: BTreeMap<String, usize> = BTreeMap::new();
    for r in reports {
        *outcomes.entry(r.outcome).or_default() += 1;
        *states.entry(r.place()).or_default() += 1;
    }
    let code = exit_code(reports);
    if format == Format::Json {
        let outcomes: BTreeMap<&str, usize> =
            outcomes.iter().map(|(o, n)| (o.as_str(), *n)).collect();
        let json = serde_json::json!({
            "command": command, "targets": reports, "outcomes": outcomes,
            "states": states, "exit_code": code,
        });
        outln!("{}", serde_json::to_string(&json).unwrap_or_default());
        return code;
    }
    let width = reports.iter().map(|r| r.target.len()).max().unwrap_or(0);
    for r in reports {
        outln!("{:width$}  {:<16}  {}", r.target, r.place(), r.line());
    }
    let counted = |m: &BTreeMap<String, usize>| {
        m.iter()
            .map(|(k, n)| format!("{k}: {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    outln!("");
    outln!("{command} over {} targets", reports.len());
    outln!("  states (latest migration): {}", counted(&states));
    let by_outcome: BTreeMap<String, usize> = outcomes
        .iter()
        .map(|(o, n)| (o.as_str().to_string(), *n))
        .collect();
    outln!("  outcomes: {}", counted(&by_outcome));
    for outcome in [Outcome::Failed, Outcome::Refused, Outcome::NotStarted] {
        let listed: Vec<&TargetReport> = reports.iter().filter(|r| r.outcome == outcome).collect();
        if listed.is_empty() {
            continue;
        }
        outln!("{} ({}):", outcome.as_str(), listed.len());
        for r in listed {
            outln!("  {}: {}", r.target, r.summary);
        }
    }
    if code == 2 {
        outln!("rerun the same command to resume: targets with nothing left are no-ops, the others go on where they stopped");
    }
    code
}

/// 2 when a target failed or did not start, else 1 when one refused, else 0.
pub fn exit_code(reports: &[TargetReport]) -> i32 {
    if reports
        .iter()
        .any(|r| matches!(r.outcome, Outcome::Failed | Outcome::NotStarted))
    {
        2
    } else if reports.iter().any(|r| r.outcome == Outcome::Refused) {
        1
    } else {
        0
    }
}
