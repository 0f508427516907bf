//! Running one job over every target of a fleet: at most `concurrency` targets at once, each
//! with its own connection, lock and state; after a failure no new target starts unless
//! `keep_going`; a progress display on stderr as targets finish. The library's log lines
//! carry the target they came from (a tracing span).

use super::view::{Outcome, TargetReport};
use bellows::db::{redact_message, DatabaseUrl};
use bellows::engine::{CheckedMigrations, MigrationStatus, Runner, Settings};
use bellows::{Dialect, Result};
use futures_util::stream::{self, StreamExt as _};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use tracing::Instrument as _;

/// What a job says of one target it ran on.
pub struct Verdict {
    /// Why the target refused (a closed gate, a migration not ready): exit 1.
    pub refused: Option<String>,
    /// What happened, in a few words.
    pub summary: String,
    /// The command's own result, for `--format json`.
    pub detail: serde_json::Value,
}

impl Verdict {
    /// A target that did what was asked.
    pub fn done(summary: impl Into<String>, detail: serde_json::Value) -> Verdict {
        Verdict {
            refused: None,
            summary: summary.into(),
            detail,
        }
    }
}

/// A command's work on one target.
pub type Job =
    dyn for<'a> Fn(&'a mut Runner) -> Pin<Box<dyn Future<Output = Result<Verdict>> + 'a>>;

/// How the fleet runs.
pub struct Plan<'a> {
    pub targets: &'a [DatabaseUrl],
    pub migrations: &'a HashMap<Dialect, CheckedMigrations>,
    pub settings: &'a Settings,
    pub concurrency: usize,
    pub keep_going: bool,
    pub quiet: bool,
    /// Set by Ctrl-C: no new target starts.
    pub stop: std::sync::Arc<AtomicBool>,
}

/// Run `job` over every target; the reports in the targets' order.
pub async fn run(plan: &Plan<'_>, job: &Job) -> Vec<TargetReport> {
    let finished = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let total = plan.targets.len();
    let bar = progress_bar(total, plan.quiet);
    let mut reports: Vec<(usize, TargetReport)> = stream::iter(plan.targets.iter().enumerate())
        .map(|(i, url)| {
            let (finished, failed, bar) = (&finished, &failed, &bar);
            async move {
                let report = if plan.stop.load(Ordering::SeqCst)
                    || (failed.load(Ordering::SeqCst) && !plan.keep_going)
                {
                    TargetReport::not_started(url)
                } else {
                    let span = tracing::info_span!("target", db = %url);
                    one(plan, url, job).instrument(span).await
                };
                if report.outcome == Outcome::Failed {
                    failed.store(true, Ordering::SeqCst);
                }
                let n = finished.fetch_add(1, Ordering::SeqCst) + 1;
                let line = format!("[{n}/{total}] {}: {}", report.target, report.line());
                match bar {
                    Some(bar) => {
                        bar.println(line);
                        bar.inc(1);
                    }
                    None if !plan.quiet => eprintln!("{line}"),
                    None => {}
                }
                (i, report)
            }
        })
        .buffer_unordered(plan.concurrency.max(1))
        .collect()
        .await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    reports.sort_by_key(|(i, _)| *i);
    reports.into_iter().map(|(_, r)| r).collect()
}

/// A bar of finished targets above which each target's line is printed, when stderr is a
/// terminal (else plain lines).
fn progress_bar(total: usize, quiet: bool) -> Option<indicatif::ProgressBar> {
    if quiet || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("[{bar:30}] {pos}/{len} targets  {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    Some(bar)
}

/// Connect to one target, run the job, then read where the target stands.
async fn one(plan: &Plan<'_>, url: &DatabaseUrl, job: &Job) -> TargetReport {
    let failed = |e: bellows::Error| {
        TargetReport::new(url, Outcome::Failed, redact_message(&e.to_string(), url))
    };
    let Some(checked) = plan.migrations.get(&url.dialect()) else {
        return failed(bellows::Error::Config(
            "no migrations for this dialect".into(),
        ));
    };
    let mut runner = match Runner::connect(url, checked.clone(), plan.settings.clone()).await {
        Ok(r) => r,
        Err(e) => return failed(e),
    };
    let verdict = job(&mut runner).await;
    let status = runner.status().await.ok();
    let mut report = match verdict {
        Ok(v) => {
            let outcome = if v.refused.is_some() {
                Outcome::Refused
            } else {
                Outcome::Done
            };
            let mut r = TargetReport::new(url, outcome, v.refused.unwrap_or(v.summary));
            r.detail = v.detail;
            r
        }
        // A refusal (drift, out of order, a version the schema excludes) is not a failure.
        Err(e) if e.is_refusal() => {
            TargetReport::new(url, Outcome::Refused, redact_message(&e.to_string(), url))
        }
        Err(e) => failed(e),
    };
    if let Some(status) = status {
        report.locate(&status);
    }
    report
}

impl TargetReport {
    /// Where the target stands: its latest migration that ran, and how many wait.
    fn locate(&mut self, status: &[MigrationStatus]) {
        use bellows::db::State;
        let latest = status.iter().rev().find(|m| m.state != State::Pending);
        self.version = latest.map(|m| m.version);
        self.state = latest.map_or_else(|| "nothing applied".into(), |m| m.state.to_string());
        self.pending = status.iter().filter(|m| m.state == State::Pending).count();
    }
}
