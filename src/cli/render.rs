//! Rendering outcomes and errors for people (aligned text) and scripts (JSON). Every error
//! passes through password redaction before it is printed.

use super::Format;
use bellows::backfill::{BackfillOutcome, Ending};
use bellows::db::Instance;
use bellows::db::{redact_message, DatabaseUrl};
use bellows::engine::{Applied, ContractOutcome, MigrationStatus, Next, PlannedPhase};
use bellows::gate::{Decision, Verdict};
use bellows::{Error, Remedy};
use std::time::Duration;

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
    format!("{n} statement{}", if n == 1 { "" } else { "s" })
}

fn json(value: &impl serde::Serialize) {
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
            "{phase}ed {} {} ({}, {:.1?})",
            a.version,
            a.name,
            statements(a.statements),
            a.duration
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
            "{what} {} {}: {} rows in {:.1}s ({rate:.0} rows/s, {} batches, longest {} ms)",
            o.version,
            o.name,
            o.rows,
            Duration::from_millis(o.duration_ms).as_secs_f64(),
            o.batches,
            o.max_batch_ms
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
            "contracted {} {} ({}, {:.1?}){forced}",
            a.version,
            a.name,
            statements(a.statements),
            a.duration
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
        "{:<16} {:<name_width$} {:<12} {:<20} NEXT",
        "VERSION",
        "NAME",
        "STATE",
        "WHEN"
    );
    for r in rows {
        let when =
            r.at.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                .unwrap_or_else(|| "-".into());
        let state = match &r.next {
            Next::Drifted { .. } => "drifted",
            _ => r.state.as_str(),
        };
        outln!(
            "{:<16} {:<name_width$} {:<12} {:<20} {}",
            r.version,
            r.name,
            state,
            when,
            next(&r.next, r.version) + &backfill_progress(r) + &remarks(r)
        );
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

/// The gate's decision with each source's evidence; exit 0 open, 1 closed.
pub fn gate(checked: Option<&(i64, String, Decision)>, format: Format) -> i32 {
    let Some((version, name, decision)) = checked else {
        if format == Format::Json {
            json(&serde_json::json!({ "pending": null }));
        } else {
            outln!("no contract is pending");
        }
        return 0;
    };
    let code = i32::from(!decision.open);
    if format == Format::Json {
        json(&serde_json::json!({ "version": version, "name": name, "decision": decision }));
        return code;
    }
    let verdict = if decision.open { "OPEN" } else { "CLOSED" };
    outln!("gate for {version} {name}: {verdict}");
    outln!("  {}", decision.headline);
    for source in &decision.sources {
        let mark = match source.verdict {
            Verdict::Supports => "supports",
            Verdict::Contradicts => "blocks",
            Verdict::NoEvidence => "no evidence",
        };
        outln!("  {:?} ({mark}): {}", source.source, source.summary);
        // Evidence the summary already says in full is not repeated.
        for line in source
            .evidence
            .iter()
            .filter(|l| !source.summary.contains(l.as_str()))
        {
            outln!("    - {line}");
        }
    }
    code
}

/// Registered instances.
pub fn instances(instances: &[Instance], format: Format) {
    if format == Format::Json {
        return json(&serde_json::json!({ "instances": instances }));
    }
    if instances.is_empty() {
        outln!("no app instances registered");
        return;
    }
    outln!(
        "{:<40} {:<16} {:<12} {:<20} LAST HEARTBEAT",
        "INSTANCE",
        "APP",
        "VERSION",
        "HOST"
    );
    for i in instances {
        let last = match i.stopped_at {
            Some(t) => format!("stopped {}", t.format("%Y-%m-%d %H:%M:%S")),
            None => format!("{:.0}s ago", i.heartbeat_age.as_secs_f64()),
        };
        outln!(
            "{:<40} {:<16} {:<12} {:<20} {last}",
            i.id,
            i.app_name,
            i.app_version,
            i.host
        );
    }
}
