//! The database commands: connect, build a runner, run, render the outcome.

use super::{render, settings, Format};
use bellows::config::FileConfig;
use bellows::engine::{plan_offline, validate, BackfillOptions, Runner};
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
            validate(&migrations, url.dialect())?;
            let db = bellows::db::connect(&url).await?;
            let mut runner = Runner::new(db, migrations, resolved.settings)?;
            work(&mut runner).await
        });
        match result {
            Ok(code) => code,
            Err(e) => render::error(&e, Some(&url)),
        }
    }

    /// `plan`: against the database when one is configured, else every phase offline.
    pub fn plan(&self, args: &DbArgs, format: Format) -> i32 {
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
        let dialect = self.file.lint.dialect.unwrap_or(Dialect::Postgres);
        let planned = load_dir(&dir, dialect).and_then(|m| plan_offline(&m, &[], dialect));
        match planned {
            Ok(plan) => render::plan(
                &plan,
                format,
                Some("no database configured: showing every phase of every migration"),
            ),
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

/// `bellows contract`.
pub async fn contract(
    runner: &mut Runner,
    version: Option<i64>,
    force: bool,
    format: Format,
) -> Result<i32> {
    let outcome = runner.contract(version, force).await?;
    Ok(render::contract(&outcome, format))
}

/// `bellows abort`.
pub async fn abort(runner: &mut Runner, version: i64) -> Result<i32> {
    let applied = runner.abort(version).await?;
    outln!(
        "aborted {} {}: down phase ran ({}, {:.1?})",
        applied.version,
        applied.name,
        render::statements(applied.statements),
        applied.duration
    );
    Ok(0)
}

/// `bellows status`.
pub async fn status(runner: &mut Runner, format: Format) -> Result<i32> {
    let status = runner.status().await?;
    render::status(&status, format);
    Ok(0)
}

/// `bellows rollout record`.
pub async fn rollout_record(runner: &mut Runner, app_version: String) -> Result<i32> {
    runner.record_rollout(&app_version).await?;
    outln!("recorded: app {app_version} is rolled out");
    Ok(0)
}
