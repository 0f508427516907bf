//! `bellows fleet COMMAND`: a database command run over many databases (a database per
//! tenant, shard or region) as one: targets from `--targets FILE` or `[fleet]` in
//! bellows.toml, `--concurrency N` at once, each target with its own lock and state, stop at
//! the first failure or `--keep-going`, one combined view (docs/fleet.md).

mod exec;
mod jobs;
mod targets;
mod view;

pub use targets::FleetFileConfig;

use super::commands::Context;
use super::settings::{self, BackfillArgs, DbArgs};
use super::{render, Format};
use bellows::engine::{AdoptFrom, CheckedMigrations, Settings};
use bellows::migration::load_dir;
use bellows::{Dialect, Error, Result};
use exec::{Job, Plan};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Arguments of `bellows fleet`.
#[derive(Debug, clap::Args)]
pub struct FleetArgs {
    #[command(subcommand)]
    command: FleetCommand,
    /// A file of target database URLs, one a line; `${VAR}` is read from the environment
    /// (else [fleet] in bellows.toml).
    #[arg(long, global = true, value_name = "FILE")]
    targets: Option<PathBuf>,
    /// Targets worked at once (else [fleet] concurrency, else 4).
    #[arg(long, global = true, value_name = "N")]
    concurrency: Option<usize>,
    /// After a target fails, go on with the others (default: start no new target).
    #[arg(long, global = true)]
    keep_going: bool,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, clap::Subcommand)]
enum FleetCommand {
    /// Each target's migrations: the latest that ran, its state, what is pending.
    Status {
        #[command(flatten)]
        db: DbArgs,
        /// Refuse (exit 1) targets where a migration needs a person.
        #[arg(long)]
        check: bool,
    },
    /// The phases each target would run.
    Plan {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Apply every pending expand phase on every target.
    Expand {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Run the pending backfills on every target (Ctrl-C: targets stop after their batch).
    Backfill {
        version: Option<i64>,
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        throttle: BackfillArgs,
    },
    /// Expand, then backfill, on every target.
    Up {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        throttle: BackfillArgs,
    },
    /// Contract each target whose gate passes (or, with --every-gate, every target only when
    /// all gates pass).
    Contract {
        version: Option<i64>,
        /// Skip the rollout gate (recorded on each target).
        #[arg(long)]
        force: bool,
        /// Check every target's gate first; contract nowhere unless all are open.
        #[arg(long)]
        every_gate: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// The rollout gate of each target (refused where closed).
    GateCheck {
        version: Option<i64>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Record the migrations another tool ran as applied, on every target.
    Adopt {
        /// The tool whose history to read (default: the one found on each target).
        #[arg(long, value_name = "TOOL", conflicts_with = "baseline")]
        from: Option<bellows::db::Tool>,
        /// No history to read: every file up to and including VERSION ran.
        #[arg(long, value_name = "VERSION")]
        baseline: Option<i64>,
        /// Adopt even though a history has versions no file in the folder has.
        #[arg(long)]
        allow_missing: bool,
        /// Adopt even though files differ from what ran.
        #[arg(long)]
        allow_changed: bool,
        /// Report only; record nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Record a finished rollout on every target.
    RolloutRecord {
        #[arg(long, value_name = "VERSION")]
        app_version: String,
        #[arg(long, value_name = "NAME")]
        app: Option<String>,
        /// Record it even where a contracted migration excludes the version.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

/// Run a fleet command; its exit code.
pub fn run(args: FleetArgs, ctx: &Context, quiet: bool) -> i32 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run_inner(args, ctx, quiet)) {
        Ok(code) => code,
        Err(e) => render::error(&e, None),
    }
}

async fn run_inner(args: FleetArgs, ctx: &Context, quiet: bool) -> Result<i32> {
    let fleet = &ctx.file.fleet;
    let var = |name: &str| std::env::var(name).ok();
    let queried = targets::query_lines(args.targets.as_deref(), fleet, &var).await?;
    let targets = targets::load(
        args.targets.as_deref(),
        fleet,
        ctx.config_path.as_deref(),
        &var,
        queried,
    )?;
    let db = match &args.command {
        FleetCommand::Status { db, .. }
        | FleetCommand::Plan { db }
        | FleetCommand::Expand { db }
        | FleetCommand::Backfill { db, .. }
        | FleetCommand::Up { db, .. }
        | FleetCommand::Contract { db, .. }
        | FleetCommand::GateCheck { db, .. }
        | FleetCommand::Adopt { db, .. }
        | FleetCommand::RolloutRecord { db, .. } => db.clone(),
    };
    if db.database_url.is_some() {
        return Err(Error::Config(
            "fleet commands take their databases from --targets or [fleet], not --database-url"
                .into(),
        ));
    }
    let (settings, migrations) = prepare(&db, ctx, &targets, &args.command)?;
    let stop = Arc::new(AtomicBool::new(false));
    stop_on_ctrl_c(&stop);
    let plan = Plan {
        targets: &targets,
        migrations: &migrations,
        settings: &settings,
        concurrency: args.concurrency.or(fleet.concurrency).unwrap_or(4),
        keep_going: args.keep_going,
        quiet,
        stop: Arc::clone(&stop),
    };
    if !quiet {
        eprintln!(
            "{} target{}, {} at once{}",
            targets.len(),
            if targets.len() == 1 { "" } else { "s" },
            plan.concurrency.max(1).min(targets.len()),
            if plan.keep_going {
                ", keep going after failures"
            } else {
                ""
            }
        );
    }
    dispatch(args.command, &plan, args.format).await
}

/// The settings every target shares and the migrations checked once per dialect.
fn prepare(
    db: &DbArgs,
    ctx: &Context,
    targets: &[bellows::db::DatabaseUrl],
    command: &FleetCommand,
) -> Result<(Settings, HashMap<Dialect, CheckedMigrations>)> {
    let mut with_url = db.clone();
    with_url.database_url = targets.first().map(bellows::db::DatabaseUrl::expose);
    let resolved = settings::resolve(&with_url, &ctx.file, ctx.config_path.as_deref())?;
    let needs_files = !matches!(command, FleetCommand::RolloutRecord { .. });
    let mut migrations = HashMap::new();
    for dialect in targets.iter().map(bellows::db::DatabaseUrl::dialect) {
        if migrations.contains_key(&dialect) {
            continue;
        }
        let files = if needs_files {
            load_dir(&resolved.migrations_dir, dialect)?
        } else {
            Vec::new()
        };
        migrations.insert(dialect, CheckedMigrations::new(files, dialect)?);
    }
    Ok((resolved.settings, migrations))
}

/// Ctrl-C: targets running a backfill stop after their batch, no new target starts.
fn stop_on_ctrl_c(stop: &Arc<AtomicBool>) {
    let flag = Arc::clone(stop);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            flag.store(true, Ordering::SeqCst);
            eprintln!("stopping: no new target starts, backfills stop after their batch (Ctrl-C again to quit at once)");
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
}

async fn dispatch(command: FleetCommand, plan: &Plan<'_>, format: Format) -> Result<i32> {
    // Jobs own what they use: each target's future may outlive any borrow of this frame.
    let stop = Arc::clone(&plan.stop);
    let (name, reports) = match command {
        FleetCommand::Status { check, .. } => {
            let job: &Job = &move |r| Box::pin(jobs::status(r, check));
            ("status", exec::run(plan, job).await)
        }
        FleetCommand::Plan { .. } => ("plan", exec::run(plan, &|r| Box::pin(jobs::plan(r))).await),
        FleetCommand::Expand { .. } => (
            "expand",
            exec::run(plan, &|r| Box::pin(jobs::expand(r))).await,
        ),
        FleetCommand::Backfill {
            version, throttle, ..
        } => {
            let options = throttle.resolve()?;
            let job: &Job = &move |r| {
                let (options, stop) = (options.clone(), Arc::clone(&stop));
                Box::pin(async move { jobs::backfill(r, version, &options, &stop).await })
            };
            ("backfill", exec::run(plan, job).await)
        }
        FleetCommand::Up { throttle, .. } => {
            let options = throttle.resolve()?;
            let job: &Job = &move |r| {
                let (options, stop) = (options.clone(), Arc::clone(&stop));
                Box::pin(async move { jobs::up(r, &options, &stop).await })
            };
            ("up", exec::run(plan, job).await)
        }
        FleetCommand::Contract {
            version,
            force,
            every_gate,
            ..
        } => return contract(plan, version, force, every_gate, format).await,
        FleetCommand::GateCheck { version, .. } => {
            let job: &Job = &move |r| Box::pin(jobs::gate_check(r, version));
            ("gate check", exec::run(plan, job).await)
        }
        FleetCommand::Adopt {
            from,
            baseline,
            allow_missing,
            allow_changed,
            dry_run,
            ..
        } => {
            let options = bellows::engine::AdoptOptions {
                from: match (baseline, from) {
                    (Some(v), _) => AdoptFrom::Baseline(v),
                    (None, Some(tool)) => AdoptFrom::Tool(tool),
                    (None, None) => AdoptFrom::Detect,
                },
                allow_missing,
                allow_changed,
                dry_run,
            };
            let job: &Job = &move |r| Box::pin(jobs::adopt(r, options));
            ("adopt", exec::run(plan, job).await)
        }
        FleetCommand::RolloutRecord {
            app_version,
            app,
            force,
            ..
        } => {
            let job: &Job = &move |r| {
                let (app, app_version) = (app.clone(), app_version.clone());
                Box::pin(async move {
                    jobs::rollout_record(r, app.as_deref(), &app_version, force).await
                })
            };
            ("rollout record", exec::run(plan, job).await)
        }
    };
    Ok(view::render(name, &reports, format))
}

/// `fleet contract`: per target under its own gate, or with `every_gate` only when every
/// target's gate is open (checked first on all of them).
async fn contract(
    plan: &Plan<'_>,
    version: Option<i64>,
    force: bool,
    every_gate: bool,
    format: Format,
) -> Result<i32> {
    if every_gate && !force {
        let job: &Job = &move |r| Box::pin(jobs::gate_check(r, version));
        let gates = exec::run(plan, job).await;
        if view::exit_code(&gates) != 0 {
            if format == Format::Human {
                outln!("--every-gate: not every target's gate is open, so no target is contracted");
            }
            return Ok(view::render(
                "gate check (contract --every-gate)",
                &gates,
                format,
            ));
        }
    }
    let job: &Job = &move |r| Box::pin(jobs::contract(r, version, force));
    let reports = exec::run(plan, job).await;
    Ok(view::render("contract", &reports, format))
}
