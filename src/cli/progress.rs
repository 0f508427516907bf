//! Showing backfills as they run: a progress bar per backfill on a terminal, a plain line
//! every few seconds otherwise, one JSON event per line with `--format json`.

use super::pause_kind::{kind, SAY_AGAIN_AFTER};
use super::Format;
use bellows::backfill::BackfillEvent;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// Plain progress lines come at most this often.
const LINE_EVERY: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Bar,
    Lines,
    Json,
    Quiet,
}

/// Turns backfill events into bars, lines or JSON.
pub struct Reporter {
    mode: Mode,
    bar: Option<ProgressBar>,
    last_line: Option<Instant>,
    /// The throttle pause going on: said once, summed until the next batch.
    pause: Option<Pause>,
    /// When a pause of each kind (its reason without the figures) was last said, per
    /// migration: a throttle that pauses between most batches is said once, not each time.
    said: HashMap<(i64, String), Instant>,
}

/// Pauses in a row for one reason.
#[derive(Debug)]
struct Pause {
    version: i64,
    reason: String,
    times: u32,
    ms: u64,
}

impl Reporter {
    pub fn new(format: Format, quiet: bool) -> Reporter {
        let mode = if format == Format::Json {
            Mode::Json
        } else if quiet {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            Mode::Bar
        } else {
            Mode::Lines
        };
        Reporter {
            mode,
            bar: None,
            last_line: None,
            pause: None,
            said: HashMap::new(),
        }
    }

    pub fn event(&mut self, e: &BackfillEvent) {
        if matches!(self.mode, Mode::Bar | Mode::Lines) && !self.pause_said(e) {
            return;
        }
        match self.mode {
            Mode::Json => outln!("{}", serde_json::to_string(e).unwrap_or_default()),
            Mode::Quiet => {}
            Mode::Bar => self.bar_event(e),
            Mode::Lines => self.line_event(e),
        }
    }

    /// Whether `e` is to be shown: a pause only when it starts (a throttle asks again every
    /// second or so, and the same line a hundred times says nothing more); whatever ends a
    /// run of pauses first says how long it lasted.
    fn pause_said(&mut self, e: &BackfillEvent) -> bool {
        if let BackfillEvent::Paused {
            version,
            reason,
            ms,
        } = e
        {
            let kind = kind(reason);
            if let Some(p) = self
                .pause
                .as_mut()
                .filter(|p| p.version == *version && p.reason == kind)
            {
                p.times += 1;
                p.ms += ms;
                return false;
            }
            self.pause = Some(Pause {
                version: *version,
                reason: kind.clone(),
                times: 1,
                ms: *ms,
            });
            let key = (*version, kind);
            let fresh = self
                .said
                .get(&key)
                .is_none_or(|at| at.elapsed() >= SAY_AGAIN_AFTER);
            if fresh {
                self.said.insert(key, Instant::now());
            }
            return fresh;
        }
        if let Some(p) = self.pause.take().filter(|p| p.times > 1) {
            let line = format!(
                "backfill {}: paused {} times, {} in all; going on",
                p.version,
                p.times,
                super::render::duration(Duration::from_millis(p.ms))
            );
            match &self.bar {
                Some(bar) => bar.println(line),
                None => eprintln!("{line}"),
            }
        }
        true
    }

    /// Leave the last bar on screen as it is.
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.abandon();
        }
    }

    fn bar_event(&mut self, e: &BackfillEvent) {
        match e {
            BackfillEvent::Started {
                version,
                name,
                rows_estimate,
                keys_done,
                ..
            } => {
                self.finish();
                let bar = ProgressBar::with_draw_target(
                    Some((*rows_estimate).max(*keys_done)),
                    ProgressDrawTarget::stderr(),
                );
                bar.set_style(
                    ProgressStyle::with_template(
                        "{prefix} [{bar:30}] {human_pos}/~{human_len} rows scanned  {msg}  ETA {eta}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
                );
                bar.set_prefix(format!("{version} {name}"));
                bar.set_position(*keys_done);
                bar.reset_eta();
                self.bar = Some(bar);
            }
            BackfillEvent::Batch {
                keys_done,
                batch_size,
                keys_per_sec,
                app_p95_ms,
                ..
            } => {
                if let Some(bar) = &self.bar {
                    if bar.length().is_some_and(|l| *keys_done > l) {
                        bar.set_length(*keys_done);
                    }
                    bar.set_position(*keys_done);
                    bar.set_message(format!(
                        "{keys_per_sec:.0}/s  batch {batch_size}{}",
                        app_latency(*app_p95_ms)
                    ));
                }
            }
            other => {
                let line = describe(other);
                match self.bar.take() {
                    // A stopped run's bar stays where it stopped: only a finished one is full.
                    Some(bar) if matches!(other, BackfillEvent::Finished { .. }) => {
                        bar.finish_with_message("done");
                        eprintln!("{line}");
                    }
                    Some(bar) if matches!(other, BackfillEvent::Stopped { .. }) => {
                        bar.abandon_with_message("stopped");
                        eprintln!("{line}");
                        self.bar = Some(bar);
                    }
                    Some(bar) => {
                        bar.println(line);
                        self.bar = Some(bar);
                    }
                    None => eprintln!("{line}"),
                }
            }
        }
    }

    fn line_event(&mut self, e: &BackfillEvent) {
        if let BackfillEvent::Batch { .. } = e {
            if self.last_line.is_some_and(|t| t.elapsed() < LINE_EVERY) {
                return;
            }
            self.last_line = Some(Instant::now());
        }
        eprintln!("{}", describe(e));
    }
}

/// The latency guard's reading, for the progress line.
fn app_latency(p95_ms: Option<f64>) -> String {
    p95_ms.map_or_else(String::new, |ms| format!("  app p95 {ms:.1}ms"))
}

/// One plain line per event.
fn describe(e: &BackfillEvent) -> String {
    match e {
        BackfillEvent::Started {
            version,
            name,
            table,
            rows_estimate,
            keys_done,
            ..
        } => {
            let resume = if *keys_done > 0 {
                format!(", resuming after {keys_done} keys")
            } else {
                String::new()
            };
            format!("backfill {version} {name}: table {table}, ~{rows_estimate} rows{resume}")
        }
        BackfillEvent::Batch {
            version,
            rows_done,
            keys_done,
            rows_estimate,
            batch_size,
            rows_per_sec,
            keys_per_sec,
            app_p95_ms,
            ..
        } => {
            let pct = (keys_done * 100)
                .checked_div(*rows_estimate)
                .map(|v| format!("{}%, ", v.min(100)))
                .unwrap_or_default();
            #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let eta = if *keys_per_sec > 0.0 {
                let left = rows_estimate.saturating_sub(*keys_done) as f64 / keys_per_sec;
                format!(", ETA {}s", left.ceil() as u64)
            } else {
                String::new()
            };
            format!(
                "backfill {version}: {pct}{keys_done}/~{rows_estimate} keys, {rows_done} rows processed, {rows_per_sec:.0} rows/s, batch {batch_size}{eta}{}",
                app_latency(*app_p95_ms)
            )
        }
        BackfillEvent::Paused {
            version,
            reason,
            ms,
        } => format!(
            "backfill {version}: pausing {}: {reason}",
            super::render::duration(Duration::from_millis(*ms))
        ),
        BackfillEvent::Retrying {
            version,
            attempt,
            error,
            batch_size,
        } => format!(
            "backfill {version}: batch failed (attempt {attempt}): {error}; retrying with {batch_size} keys"
        ),
        BackfillEvent::Finished {
            version,
            rows_done,
            remaining,
        } => {
            let left = if *remaining > 0 {
                format!("; warning: {remaining} rows still match the predicate: the contract waits for them; fix them, then run `bellows backfill {version}` again")
            } else {
                String::new()
            };
            format!("backfill {version}: finished, {rows_done} rows processed{left}")
        }
        BackfillEvent::Stopped { version, rows_done } => format!(
            "backfill {version}: stopped after {rows_done} rows; run it again to resume"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reporter(mode: Mode) -> Reporter {
        Reporter {
            mode,
            bar: None,
            last_line: None,
            pause: None,
            said: HashMap::new(),
        }
    }

    fn started() -> BackfillEvent {
        BackfillEvent::Started {
            version: 7,
            name: "copy".into(),
            table: "users".into(),
            rows_estimate: 1000,
            keys_done: 0,
            rows_done: 0,
        }
    }

    fn batch(keys_done: u64) -> BackfillEvent {
        BackfillEvent::Batch {
            version: 7,
            rows_done: keys_done,
            keys_done,
            rows_estimate: 1000,
            batch_keys: 100,
            batch_size: 100,
            batch_ms: 5,
            rows_per_sec: 1.0,
            keys_per_sec: 1.0,
            app_p95_ms: None,
        }
    }

    #[test]
    fn a_stopped_bar_stays_where_it_stopped() {
        let mut r = reporter(Mode::Bar);
        r.event(&started());
        r.event(&batch(300));
        r.event(&BackfillEvent::Stopped {
            version: 7,
            rows_done: 300,
        });
        let bar = r.bar.as_ref().expect("the bar is kept");
        assert_eq!((bar.position(), bar.length()), (300, Some(1000)));
        let mut r = reporter(Mode::Bar);
        r.event(&started());
        r.event(&batch(300));
        r.event(&BackfillEvent::Finished {
            version: 7,
            rows_done: 300,
            remaining: 0,
        });
        assert!(r.bar.is_none(), "a finished bar is done");
    }

    #[test]
    fn a_run_of_pauses_is_said_once() {
        let mut r = reporter(Mode::Lines);
        let paused = |reason: &str| BackfillEvent::Paused {
            version: 7,
            reason: reason.into(),
            ms: 1000,
        };
        let said: Vec<bool> = [
            paused("replica lags 12s"),
            paused("replica lags 12s"),
            paused("replica lags 12s"),
            paused("pause-while query true"),
        ]
        .iter()
        .map(|e| r.pause_said(e))
        .collect();
        assert_eq!(said, [true, false, false, true]);
        assert!(r.pause_said(&batch(100)), "batches are always shown");
        assert!(r.pause.is_none(), "a batch ends the run of pauses");
        assert!(
            !r.pause_said(&paused("replica lags 13s")),
            "a new run of a kind just said is not said again, whatever its figures"
        );
        assert!(r.pause_said(&batch(200)));
        for at in r.said.values_mut() {
            *at -= SAY_AGAIN_AFTER;
        }
        assert!(
            r.pause_said(&paused("replica lags 2.5s")),
            "a new run is said again once the last was said a while ago"
        );
    }
}
