//! `bellows adopt`: record the migrations another tool ran as applied, with a report of
//! what matched.

use super::Format;
use bellows::db::Tool;
use bellows::engine::{AdoptFrom, AdoptOptions, AdoptReport, AdoptVerdict, Runner};
use bellows::Result;

/// Flags of `bellows adopt`.
#[derive(Debug, Clone, clap::Args)]
pub struct AdoptArgs {
    /// The tool whose history to read (default: the one found): sqlx, dbmate,
    /// golang-migrate, rails, refinery or flyway.
    #[arg(long, value_name = "TOOL", conflicts_with = "baseline")]
    pub from: Option<Tool>,
    /// No history to read: every file up to and including VERSION ran.
    #[arg(long, value_name = "VERSION")]
    pub baseline: Option<i64>,
    /// Adopt even though the history has versions no file in the folder has.
    #[arg(long)]
    pub allow_missing: bool,
    /// Adopt even though files differ from what ran (recorded as they are now).
    #[arg(long)]
    pub allow_changed: bool,
    /// Report only; record nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

impl AdoptArgs {
    fn options(&self) -> AdoptOptions {
        let from = match (self.baseline, self.from) {
            (Some(v), _) => AdoptFrom::Baseline(v),
            (None, Some(tool)) => AdoptFrom::Tool(tool),
            (None, None) => AdoptFrom::Detect,
        };
        AdoptOptions {
            from,
            allow_missing: self.allow_missing,
            allow_changed: self.allow_changed,
            dry_run: self.dry_run,
        }
    }
}

/// Run it: exit 0 when adopted (or nothing to do), 1 when refused.
pub async fn run(runner: &mut Runner, args: AdoptArgs) -> Result<i32> {
    let report = runner.adopt(args.options()).await?;
    let code = i32::from(report.refused.is_some());
    if args.format == Format::Json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else {
        render(&report);
    }
    Ok(code)
}

fn render(report: &AdoptReport) {
    match &report.table {
        Some(table) => outln!("history: {} ({table})", report.from),
        None => outln!("history: none, files up to the baseline count as applied"),
    }
    let width = report.lines.iter().map(|l| l.name.len()).max().unwrap_or(0);
    let vwidth = report
        .lines
        .iter()
        .map(|l| l.version.len())
        .max()
        .unwrap_or(0);
    for l in &report.lines {
        let detail = l
            .detail
            .as_deref()
            .map(|d| format!(": {d}"))
            .unwrap_or_default();
        outln!(
            "  {:<vwidth$}  {:<width$}  {}{detail}",
            l.version,
            l.name,
            l.verdict.as_str()
        );
    }
    let pending = match count(report, AdoptVerdict::Pending) {
        0 => String::new(),
        1 => "; 1 pending (`bellows expand` runs it)".to_string(),
        n => format!("; {n} pending (`bellows expand` runs them)"),
    };
    if let Some(reason) = &report.refused {
        outln!("refused, nothing recorded: {reason}");
    } else if report.dry_run {
        let would = count(report, AdoptVerdict::Matched) + count(report, AdoptVerdict::Changed);
        outln!("dry run: would record {}{pending}", migrations(would));
    } else {
        outln!(
            "recorded {} as applied{pending}",
            migrations(report.recorded.len())
        );
    }
}

fn count(report: &AdoptReport, v: AdoptVerdict) -> usize {
    report.lines.iter().filter(|l| l.verdict == v).count()
}

fn migrations(n: usize) -> String {
    format!("{n} migration{}", if n == 1 { "" } else { "s" })
}
