//! Rendering outcomes and errors for people (aligned text) and scripts (JSON). Every error
//! passes through password redaction before it is printed.

use super::Format;
use bellows::backfill::{BackfillOutcome, Ending};
use bellows::db::{redact_message, DatabaseUrl};
use bellows::engine::{Applied, ContractOutcome, MigrationStatus, Next, PlannedPhase};
use bellows::{Error, Remedy};
use std::time::Duration;

#[path = "render_gate.rs"]
mod render_gate;
pub use render_gate::{gate, instances};

/// Print an error (with the source line when it points into a file); returns its exit code.
pub fn error(e: &Error, url: Option<&DatabaseUrl>) -> i32 {
    let mut message = format!("error: {e}");
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(&format!("\n  caused by: {text}"));
        }
        source = cause.source();
    }
    if let Some((file, Some(line))) = e.location() {
        if let Some(text) = std::fs::read_to_string(file)
            .ok()
            .and_then(|t| t.lines().nth(line.saturating_sub(1)).map(str::to_string))
        {
            message.push_str(&format!("\n  {line:>4} | {text}"));
        }
    }
    if let Some(hint) = e.remedy().map(remedy) {
        message.push_str(&format!("\n  hint: {hint}"));
    }
    if let Some(url) = url {
        message = redact_message(&message, url);
    }
    eprintln!("{message}");
    exit_code(e)
}

/// Exit code: 1 when bellows refused (state, drift, gate), 2 when it could not work (input,
/// connection, database errors).
pub fn exit_code(e: &Error) -> i32 {
    if e.is_refusal() {
        1
    } else {
        2
    }
}

/// A remedy, in the command line's terms.
fn remedy(r: Remedy) -> &'static str {
    match r {
        Remedy::AllowDrift => "restore the file, or pass --allow-drift if the change is intended",
        Remedy::WaitLonger => "retry later, or pass --lock-wait DURATION to wait for the lock",
        Remedy::MigrationsFolder => "pass --migrations DIR or set `migrations` in bellows.toml",
        Remedy::AllowOutOfOrder => {
            "if it does not depend on the later migrations, pass --allow-out-of-order (or set allow_out_of_order = true in bellows.toml)"
        }
        _ => "",
    }
}

/// "1 statement", "3 statements".
pub fn statements(n: usize) -> String {
    count(n as u64, "statement", "statements")
}

/// A duration as people read it, to one decimal: "7.2ms", "1.3s".
pub fn duration(d: Duration) -> String {
    format!("{d:.1?}")
}

/// "1 batch", "2 batches": `n` and its noun, `one` or `many`.
pub fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `value` as pretty JSON on stdout.
pub fn json(value: &impl serde::Serialize) {
    outln!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}

/// Phases applied by `expand`.
pub fn applied(applied: &[Applied], format: Format, phase: &str, total: usize) {
    if format == Format::Json {
        return json(&serde_json::json!({ "applied": applied }));
    }
    if applied.is_empty() {
        outln!("nothing to {phase}: all {total} migrations are past their {phase} phase");
    }
    for a in applied {
        outln!(
            "{phase}ed {} {} ({}, {})",
            a.version,
            a.name,
            statements(a.statements),
            duration(a.duration)
        );
    }
}

/// What `backfill` did; exit 130 when stopped before the end.
pub fn backfilled(outcomes: &[BackfillOutcome], format: Format) -> i32 {
    let stopped = outcomes.iter().any(|o| o.ending == Ending::Stopped);
    let code = if stopped { 130 } else { 0 };
    if format == Format::Json {
        outln!(
            "{}",
            serde_json::to_string(
                &serde_json::json!({ "event": "summary", "backfills": outcomes })
            )
            .unwrap_or_default()
        );
        return code;
    }
    if outcomes.is_empty() {
        outln!("nothing to backfill");
    }
    for o in outcomes {
        #[allow(clippy::cast_precision_loss)]
        let rate = o.rows as f64 * 1000.0 / o.duration_ms.max(1) as f64;
        let what = match o.ending {
            Ending::Finished => "backfilled",
            Ending::Stopped => "stopped (resumable)",
        };
        outln!(
            "{what} {} {}: {} in {} ({rate:.0} rows/s, {}, longest {})",
            o.version,
            o.name,
            count(o.rows, "row", "rows"),
            duration(Duration::from_millis(o.duration_ms)),
            count(o.batches, "batch", "batches"),
            duration(Duration::from_millis(o.max_batch_ms))
        );
        if o.remaining > 0 {
            eprintln!(
                "warning: {} {}: {} rows still match the backfill predicate; contract waits until none do",
                o.version, o.name, o.remaining
            );
        }
    }
    code
}

/// What `contract` did; exit 1 when a contract was refused.
pub fn contract(outcome: &ContractOutcome, format: Format) -> i32 {
    let code = i32::from(outcome.refused.is_some());
    if format == Format::Json {
        json(outcome);
        return code;
    }
    for a in &outcome.applied {
        let forced = if outcome.forced.contains(&a.version) {
            " [gate overridden by --force]"
        } else {
            ""
        };
        outln!(
            "contracted {} {} ({}, {}){forced}",
            a.version,
            a.name,
            statements(a.statements),
            duration(a.duration)
        );
    }
    match &outcome.refused {
        Some(r) => eprintln!(
            "refused: contract of {} {}: {}",
            r.version, r.name, r.reason
        ),
        None if outcome.applied.is_empty() => outln!("nothing to contract"),
        None => {}
    }
    code
}

/// `status` as a table or JSON.
pub fn status(rows: &[MigrationStatus], format: Format) {
    if format == Format::Json {
        return json(&serde_json::json!({ "migrations": rows }));
    }
    if rows.is_empty() {
        outln!("no migrations");
        return;
    }
    let name_width = rows.iter().map(|r| r.name.len()).max().unwrap_or(4).max(4);
    outln!(
        "{:<16} {:<name_width$} {:<12} {:<23} NEXT",
        "VERSION",
        "NAME",
        "STATE",
        "WHEN"
    );
    let colour = colour_stdout();
    for r in rows {
        let when = r.at.map(time).unwrap_or_else(|| "-".into());
        let state = match &r.next {
            Next::Drifted { .. } => "drifted",
            _ => r.state.as_str(),
        };
        let failed = r.failure.is_some();
        let state = paint(
            &format!("{state:<12}"),
            state_colour(&r.next, failed),
            colour,
        );
        outln!(
            "{:<16} {:<name_width$} {state} {:<23} {}",
            r.version,
            r.name,
            when,
            next(&r.next, r.version) + &backfill_progress(r) + &remarks(r)
        );
    }
}

/// A time as stored (UTC), saying so: "2026-11-23 11:20:03 UTC".
pub fn time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// Colour on stdout: a terminal without `NO_COLOR`, or `CLICOLOR_FORCE` set (not to 0).
pub fn colour_stdout() -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0");
    if set("CLICOLOR_FORCE") {
        return true;
    }
    !set("NO_COLOR") && std::io::IsTerminal::is_terminal(&std::io::stdout())
}

/// The ANSI colour of a row's state, by what comes next: green done, yellow waiting for a
/// command, red needing a person (failed, interrupted, drifted, file missing), dim aborted.
fn state_colour(next: &Next, failed: bool) -> &'static str {
    match next {
        _ if failed => "31",
        Next::Done => "32",
        Next::Aborted => "2",
        Next::Expand | Next::Backfill | Next::Contract { .. } => "33",
        _ => "31",
    }
}

/// `text` in the ANSI colour `code` when `on`.
fn paint(text: &str, code: &str, on: bool) -> String {
    if on {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// What else a person should know of a row: its failure, the gate's verdict, out of order.
fn remarks(r: &MigrationStatus) -> String {
    let mut out = String::new();
    if let Some(f) = &r.failure {
        let line = f.line.map(|l| format!(" (line {l})")).unwrap_or_default();
        out.push_str(&format!(
            "; failed{line}: {}",
            f.error.lines().next().unwrap_or_default()
        ));
    } else if matches!(
        r.next,
        Next::ResumeExpand { .. } | Next::ResumeContract { .. } | Next::ResumeAbort { .. }
    ) {
        out.push_str("; interrupted (the run stopped without an error: killed or disconnected)");
    }
    if let Some(gate) = &r.gate {
        let verdict = if gate.open { "open" } else { "closed" };
        out.push_str(&format!("; gate {verdict}: {}", gate.reason));
    }
    if r.out_of_order {
        out.push_str("; out of order: a later migration is already applied (expand refuses it without --allow-out-of-order)");
    }
    out
}

fn backfill_progress(r: &MigrationStatus) -> String {
    match &r.backfill {
        Some(p) if p.finished => format!(" [backfilled {} rows]", p.rows_done),
        Some(p) => {
            let pct = (p.keys_done * 100)
                .checked_div(p.rows_estimate)
                .map(|v| format!("{}%, ", v.min(100)))
                .unwrap_or_default();
            format!(
                " [backfill {pct}{}/~{} keys, {} rows, batch {}]",
                p.keys_done, p.rows_estimate, p.rows_done, p.batch_size
            )
        }
        None => String::new(),
    }
}

fn next(next: &Next, version: i64) -> String {
    match next {
        Next::Expand => "run `bellows expand`".into(),
        Next::ResumeExpand { statement } => {
            format!("run `bellows expand` (resumes at statement {statement})")
        }
        Next::Backfill => "run `bellows backfill`".into(),
        Next::Contract {
            requires_app: Some(req),
        } => format!("`bellows contract {version}` once app {req} is rolled out"),
        Next::Contract { requires_app: None } => format!("`bellows contract {version}`"),
        Next::ResumeContract { statement } => format!(
            "contract stopped at statement {statement}; fix what stopped it and run `bellows contract {version}` (resumes)"
        ),
        Next::ResumeAbort { statement } => format!(
            "down phase stopped at statement {statement}; run `bellows abort {version}` (resumes)"
        ),
        Next::Drifted { phase } => format!(
            "its {phase} phase changed on disk since it ran (drift): restore the file, or pass --allow-drift"
        ),
        Next::Done => "done".into(),
        Next::Aborted => "aborted; give the file a new version to apply it again".into(),
        Next::FileMissing => "its file is missing from the migrations folder".into(),
        // `Next` is #[non_exhaustive] for applications; the CLI names every variant above.
        _ => "see `bellows status --format json`".into(),
    }
}

/// The plan; returns 0.
pub fn plan(plan: &[PlannedPhase], format: Format, note: Option<&str>) -> i32 {
    if format == Format::Json {
        json(&serde_json::json!({ "phases": plan, "note": note }));
        return 0;
    }
    if let Some(note) = note {
        outln!("# {note}");
    }
    if plan.is_empty() {
        outln!("nothing to do: every phase has run");
    }
    for p in plan {
        let gate = p
            .requires_app
            .as_ref()
            .map(|r| format!(" (gate: requires app {r})"))
            .unwrap_or_default();
        let resume = if p.resume_from > 0 {
            format!(", resuming after statement {}", p.resume_from)
        } else {
            String::new()
        };
        outln!("== {} {} — {}{gate}{resume}", p.version, p.name, p.phase);
        for s in &p.statements {
            if p.phase == bellows::PhaseKind::Backfill {
                outln!("-- {}:{} [`bellows backfill`: key-range batches, each a transaction with its checkpoint]", p.file, s.line);
                outln!("{};", s.sql);
                continue;
            }
            let how = match (s.in_transaction, s.lock_timeout) {
                (true, _) => format!("step {} in transaction", s.step),
                (false, true) => format!("step {} alone, no transaction", s.step),
                (false, false) => format!("step {} alone, no transaction, no lock timeout", s.step),
            };
            outln!("-- {}:{} [{how}]", p.file, s.line);
            outln!("{};", s.sql);
        }
    }
    0
}
