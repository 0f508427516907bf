//! `bellows status --watch`: follow a running backfill (progress, rate, rows) or a contract
//! waiting for its gate, redrawn on a terminal and one line per change otherwise (CI logs),
//! until nothing runs or waits, or Ctrl-C.

use super::config::parse_duration;
use super::{render, Format};
use bellows::db::State;
use bellows::engine::{Activity, MigrationStatus, Next, Runner};
use bellows::Result;
use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

/// The flags of `status` beside where the database is: `--check`, or `--watch`.
#[derive(Debug, Clone, clap::Args)]
pub struct StatusArgs {
    /// Exit 1 when a migration needs a person: drifted, failed or interrupted half way,
    /// out of order, or recorded without its file.
    #[arg(long)]
    pub check: bool,
    /// Follow a running backfill or a contract waiting for its gate until nothing runs or
    /// waits (Ctrl-C stops): redrawn on a terminal, one line per change otherwise.
    #[arg(long, conflicts_with = "check")]
    pub watch: bool,
    /// How often --watch reads the database, e.g. 500ms (default 2s).
    #[arg(long, value_name = "DURATION", requires = "watch")]
    pub interval: Option<String>,
}

const DEFAULT_INTERVAL: Duration = Duration::from_secs(2);

/// Rates are averaged over the reads of about this long, so batches committing between
/// reads do not make them jump.
const RATE_WINDOW: Duration = Duration::from_secs(10);

/// A backfill's rows and keys when last read, for its rate.
struct Sample {
    at: Instant,
    rows: u64,
    keys: u64,
}

/// A backfill's rates over the last reads.
#[derive(Debug, Clone, Copy)]
struct Rate {
    rows_per_sec: f64,
    keys_per_sec: f64,
}

/// What the previous reads saw.
#[derive(Default)]
struct Watch {
    samples: BTreeMap<i64, VecDeque<Sample>>,
    lines: BTreeMap<i64, String>,
    activity: Option<String>,
}

/// `bellows status`, once or with `--watch`.
pub async fn status(runner: &mut Runner, view: StatusArgs, format: Format) -> Result<i32> {
    if view.watch {
        run(runner, &view, format).await
    } else {
        super::commands::status(runner, view.check, format).await
    }
}

/// `bellows status --watch`; exit 0 when nothing runs or waits any more, or on Ctrl-C.
async fn run(runner: &mut Runner, args: &StatusArgs, format: Format) -> Result<i32> {
    let interval = match &args.interval {
        Some(i) => parse_duration("--interval", i)?.max(Duration::from_millis(100)),
        None => DEFAULT_INTERVAL,
    };
    let redraw = format == Format::Human && std::io::IsTerminal::is_terminal(&std::io::stdout());
    let mut watch = Watch::default();
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        let status = runner.status().await?;
        let activity = runner.activity().await;
        let rates = watch.rates(&status);
        if redraw {
            draw(&status, &activity, &rates, interval);
        } else {
            watch.print_changes(&status, &activity, &rates, format);
        }
        if !activity.running() && !status.iter().any(waiting_for_gate) {
            end(
                format,
                "idle",
                "nothing runs or waits any more: stopped watching",
            );
            return Ok(0);
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            _ = &mut ctrl_c => {
                end(format, "stopped", "stopped watching (Ctrl-C)");
                return Ok(0);
            }
        }
    }
}

/// A contract that may run but whose gate is closed.
fn waiting_for_gate(r: &MigrationStatus) -> bool {
    matches!(r.next, Next::Contract { .. }) && r.gate.as_ref().is_some_and(|g| !g.open)
}

fn end(format: Format, event: &str, text: &str) {
    if format == Format::Json {
        event_line(&serde_json::json!({ "event": event }));
    } else {
        outln!("{text}");
    }
}

/// One JSON event on one line.
fn event_line(event: &serde_json::Value) {
    outln!("{}", serde_json::to_string(event).unwrap_or_default());
}

impl Watch {
    /// Each unfinished backfill's rates over the last reads (none on the first).
    fn rates(&mut self, status: &[MigrationStatus]) -> BTreeMap<i64, Rate> {
        let now = Instant::now();
        let mut rates = BTreeMap::new();
        for r in status {
            let Some(p) = r.backfill.as_ref().filter(|p| !p.finished) else {
                continue;
            };
            let samples = self.samples.entry(r.version).or_default();
            while samples.len() > 1
                && samples
                    .get(1)
                    .is_some_and(|s| now.duration_since(s.at) >= RATE_WINDOW)
            {
                samples.pop_front();
            }
            if let Some(oldest) = samples.front() {
                let secs = now.duration_since(oldest.at).as_secs_f64();
                #[allow(clippy::cast_precision_loss)]
                let per_sec = |now: u64, then: u64| now.saturating_sub(then) as f64 / secs;
                if secs > 0.0 {
                    let rate = Rate {
                        rows_per_sec: per_sec(p.rows_done, oldest.rows),
                        keys_per_sec: per_sec(p.keys_done, oldest.keys),
                    };
                    rates.insert(r.version, rate);
                }
            }
            samples.push_back(Sample {
                at: now,
                rows: p.rows_done,
                keys: p.keys_done,
            });
        }
        rates
    }

    /// One line per migration whose line changed (on the first read, those that run or
    /// wait), and one when the locks' holders change.
    fn print_changes(
        &mut self,
        status: &[MigrationStatus],
        activity: &Activity,
        rates: &BTreeMap<i64, Rate>,
        format: Format,
    ) {
        let first = self.lines.is_empty() && self.activity.is_none();
        let running = running_line(activity);
        if self.activity.as_deref().map(kind) != Some(kind(&running)) {
            if format == Format::Json {
                event_line(&serde_json::json!({ "event": "activity", "activity": activity }));
            } else {
                outln!("{running}");
            }
            self.activity = Some(running);
        }
        for r in status {
            let rate = rates.get(&r.version).copied();
            // A line is printed when what it says changed, not only its rate.
            let key = line(r, None);
            let changed = self.lines.get(&r.version) != Some(&key);
            if changed && (!first || followed(r)) {
                if format == Format::Json {
                    event_line(&serde_json::json!({
                        "event": "migration",
                        "migration": r,
                        "rows_per_sec": rate.map(|r| r.rows_per_sec.round()),
                    }));
                } else {
                    outln!("{}", line(r, rate));
                }
            }
            self.lines.insert(r.version, key);
        }
    }
}

/// What the locks say, in words ("running: ..." or "no bellows run holds a lock").
fn running_line(a: &Activity) -> String {
    match (&a.backfill_lock, &a.migration_lock) {
        (Some(holder), _) => format!("running: a backfill, contract or abort ({holder})"),
        (None, Some(holder)) => format!("running: an expand or a command starting ({holder})"),
        (None, None) => "no bellows run holds a lock".into(),
    }
}

/// The part of a [`running_line`] that says what runs, without the holder (whose times
/// change every second).
fn kind(line: &str) -> &str {
    line.split(" (").next().unwrap_or(line)
}

/// Whether the first read shows this migration: it runs, stopped half way, or waits.
fn followed(r: &MigrationStatus) -> bool {
    waiting_for_gate(r)
        || r.backfill.as_ref().is_some_and(|p| !p.finished)
        || matches!(
            r.state,
            State::Expanding | State::Backfilling | State::Contracting | State::Aborting
        )
}

/// A migration in one line: state, its backfill's progress and rate, or the gate it waits for.
fn line(r: &MigrationStatus, rate: Option<Rate>) -> String {
    let mut out = format!("{} {}: {}", r.version, r.name, r.state.as_str());
    match &r.backfill {
        Some(p) if p.finished => out.push_str(&format!(", {} rows", p.rows_done)),
        Some(p) => {
            let pct = (p.keys_done * 100)
                .checked_div(p.rows_estimate)
                .map(|v| format!("{}% ", v.min(100)))
                .unwrap_or_default();
            out.push_str(&format!(
                ", {pct}({}/~{} keys), {} rows, batch {}",
                p.keys_done, p.rows_estimate, p.rows_done, p.batch_size
            ));
            if let Some(rate) = rate {
                out.push_str(&format!(", {:.0} rows/s", rate.rows_per_sec));
            }
        }
        None => {}
    }
    if let (Next::Contract { .. }, Some(gate)) = (&r.next, &r.gate) {
        let verdict = if gate.open { "open" } else { "closed" };
        out.push_str(&format!(", gate {verdict}: {}", gate.reason));
    }
    out
}

/// The whole screen again: the status table, what runs, each backfill's rate and time left.
fn draw(
    status: &[MigrationStatus],
    activity: &Activity,
    rates: &BTreeMap<i64, Rate>,
    interval: Duration,
) {
    outln!("\x1b[H\x1b[2J");
    outln!(
        "bellows status --watch: every {}, Ctrl-C to stop; {}\n",
        render::duration(interval),
        render::time(chrono::Utc::now())
    );
    render::status(status, Format::Human);
    outln!("\n{}", running_line(activity));
    for r in status {
        let (Some(p), Some(rate)) = (&r.backfill, rates.get(&r.version)) else {
            continue;
        };
        #[allow(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss
        )]
        let left = if rate.keys_per_sec > 0.0 {
            let secs = p.rows_estimate.saturating_sub(p.keys_done) as f64 / rate.keys_per_sec;
            format!(
                ", about {} left",
                render::duration(Duration::from_secs(secs.ceil() as u64))
            )
        } else {
            String::new()
        };
        outln!(
            "backfill {} {}: {:.0} rows/s, {} rows so far{left}",
            r.version,
            r.name,
            rate.rows_per_sec,
            p.rows_done
        );
    }
}
