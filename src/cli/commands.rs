//! The database commands: connect, build a runner, run, render the outcome.

use super::config::{parse_duration, FileConfig};
use super::{render, settings, Format};
use bellows::engine::{plan_offline, BackfillOptions, CheckedMigrations, MigrationStatus, Runner};
use bellows::migration::load_dir;
use bellows::{Dialect, Result};
use settings::DbArgs;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A command's work: borrows the runner, returns the exit code.
type Work<'a> = Pin<Box<dyn Future<Output = Result<i32>> + 'a>>;

/// What every command shares.
pub struct Context {
    pub file: FileConfig,
    pub config_path: Option<PathBuf>,
}

impl Context {
    /// Resolve settings, load migrations, connect, run `work`, render errors.
    pub fn run<F>(&self, args: &DbArgs, work: F) -> i32
    where
        F: for<'a> FnOnce(&'a mut Runner) -> Work<'a>,
    {
        self.run_with(args, true, work)
    }

    /// Like [`Context::run`], for commands that need no migration files.
    pub fn run_without_migrations<F>(&self, args: &DbArgs, work: F) -> i32
    where
        F: for<'a> FnOnce(&'a mut Runner) -> Work<'a>,
    {
        self.run_with(args, false, work)
    }

    fn run_with<F>(&self, args: &DbArgs, load_migrations: bool, work: F) -> i32
    where
        F: for<'a> FnOnce(&'a mut Runner) -> Work<'a>,
    {
        let resolved = match settings::resolve(args, &self.file, self.config_path.as_deref()) {
            Ok(r) => r,
            Err(e) => return render::error(&e, None),
        };
        let url = resolved.url.clone();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        let result = runtime.block_on(async {
            let migrations = if load_migrations {
                load_dir(&resolved.migrations_dir, url.dialect())?
            } else {
                Vec::new()
            };
            let checked = CheckedMigrations::new(migrations, url.dialect())?;
            let mut runner = Runner::connect(&url, checked, resolved.settings).await?;
            work(&mut runner).await
        });
        match result {
            Ok(code) => code,
            Err(e) => render::error(&e, Some(&url)),
        }
    }

    /// `plan`: against the database when one is configured, else every phase offline.
    pub fn plan(&self, args: &DbArgs, dialect: Option<Dialect>, format: Format) -> i32 {
        if settings::database_url(args, &self.file).is_ok() {
            return self.run(args, move |runner| {
                Box::pin(async move {
                    let plan = runner.plan().await?;
                    Ok(render::plan(&plan, format, None))
                })
            });
        }
        let dir = settings::migrations_dir(
            args.migrations.as_deref(),
            &self.file,
            self.config_path.as_deref(),
        );
        let dialect = dialect
            .or(self.file.lint.dialect)
            .unwrap_or(Dialect::Postgres);
        let planned = load_dir(&dir, dialect)
            .and_then(|m| CheckedMigrations::new(m, dialect))
            .map(|m| plan_offline(&m));
        let note = format!("no database configured: every phase of every migration, as {dialect} would run it (--dialect to change)");
        match planned {
            Ok(plan) => render::plan(&plan, format, Some(&note)),
            Err(e) => render::error(&e, None),
        }
    }
}

/// `bellows expand`.
pub async fn expand(runner: &mut Runner, format: Format) -> Result<i32> {
    let applied = runner.expand().await?;
    render::applied(&applied, format, "expand", runner.migrations().len());
    Ok(0)
}

/// A flag set by the first Ctrl-C (stop after the batch in flight); a second one exits.
fn stop_on_ctrl_c() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            flag.store(true, Ordering::SeqCst);
            eprintln!("stopping after the current batch (Ctrl-C again to quit at once; the batch in flight is then rolled back)");
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
    stop
}

/// `bellows backfill`: exit 130 when stopped by Ctrl-C before the end.
pub async fn backfill(
    runner: &mut Runner,
    version: Option<i64>,
    options: BackfillOptions,
    format: Format,
    quiet: bool,
) -> Result<i32> {
    let stop = stop_on_ctrl_c();
    let mut reporter = super::progress::Reporter::new(format, quiet);
    let outcomes = runner
        .backfill(version, &options, &stop, &mut |e| reporter.event(e))
        .await;
    reporter.finish();
    Ok(render::backfilled(&outcomes?, format))
}

/// `bellows up`: expand, then backfill.
pub async fn up(
    runner: &mut Runner,
    options: BackfillOptions,
    format: Format,
    quiet: bool,
) -> Result<i32> {
    let stop = stop_on_ctrl_c();
    let mut reporter = super::progress::Reporter::new(format, quiet);
    let result = runner.up(&options, &stop, &mut |e| reporter.event(e)).await;
    reporter.finish();
    let (applied, outcomes) = result?;
    if format == Format::Json {
        outln!(
            "{}",
            serde_json::to_string(&serde_json::json!({ "event": "expanded", "applied": applied }))
                .unwrap_or_default()
        );
    } else {
        render::applied(&applied, format, "expand", runner.migrations().len());
    }
    Ok(render::backfilled(&outcomes, format))
}

/// `bellows contract`; with `--wait`, polls a closed gate (lock released in between).
pub async fn contract(
    runner: &mut Runner,
    version: Option<i64>,
    force: bool,
    wait: Option<String>,
    format: Format,
) -> Result<i32> {
    let wait = wait
        .map(|w| parse_duration("--wait", &w))
        .transpose()?
        .unwrap_or_default();
    let deadline = std::time::Instant::now() + wait;
    let mut outcome = runner.contract(version, force).await?;
    while outcome.refused.as_ref().is_some_and(|r| r.gate_closed)
        && std::time::Instant::now() < deadline
    {
        if let Some(r) = &outcome.refused {
            tracing::info!(
                "gate closed for {} {}: {}; asking again in {POLL:?}",
                r.version,
                r.name,
                r.reason
            );
        }
        tokio::time::sleep(POLL.min(deadline.saturating_duration_since(std::time::Instant::now())))
            .await;
        let next = match runner.poll_contract(version, force).await {
            Err(bellows::Error::LockBusy { .. }) => continue,
            other => other?,
        };
        outcome.applied.extend(next.applied);
        outcome.forced.extend(next.forced);
        outcome.refused = next.refused;
    }
    Ok(render::contract(&outcome, format))
}

/// How often `contract --wait` asks the gate again.
const POLL: std::time::Duration = std::time::Duration::from_secs(2);

/// `bellows gate check`.
pub async fn gate_check(runner: &mut Runner, version: Option<i64>, format: Format) -> Result<i32> {
    let checked = runner.gate_check(version).await?;
    Ok(render::gate(checked.as_ref(), format))
}

/// `bellows instances`; with `--prune`, also how many it removed.
pub async fn instances(runner: &mut Runner, prune: Option<String>, format: Format) -> Result<i32> {
    let prune = prune.map(|p| parse_duration("--prune", &p)).transpose()?;
    // The instances before pruning, so the count of those it removed can be said.
    let before = match prune {
        Some(_) => Some(runner.instances(None).await?),
        None => None,
    };
    let instances = runner.instances(prune).await?;
    let pruned = before.map(|before| {
        before
            .iter()
            .filter(|b| !instances.iter().any(|i| i.id == b.id))
            .count()
    });
    let groups = bellows::gate::groups(&instances, runner.settings().gate.ttl);
    render::instances(&instances, &groups, pruned, format);
    Ok(0)
}

/// `bellows abort`.
pub async fn abort(runner: &mut Runner, version: i64, format: Format) -> Result<i32> {
    let applied = runner.abort(version).await?;
    if format == Format::Json {
        render::json(&serde_json::json!({ "aborted": applied }));
        return Ok(0);
    }
    outln!(
        "aborted {} {}: down phase ran ({}, {})",
        applied.version,
        applied.name,
        render::statements(applied.statements),
        render::duration(applied.duration)
    );
    Ok(0)
}

/// `bellows status`.
pub async fn status(runner: &mut Runner, check: bool, format: Format) -> Result<i32> {
    let status = runner.status().await?;
    render::status(&status, format);
    Ok(i32::from(
        check && status.iter().any(MigrationStatus::needs_attention),
    ))
}
