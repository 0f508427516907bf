//! `bellows rollout`: what the release pipeline records (a finished rollout, a retired
//! environment) and asks (can this version still run: the rollback guard).

use super::render::{count, json};
use super::settings::UrlArgs;
use super::{commands, Format};
use bellows::engine::Runner;
use bellows::gate::Compatibility;
use bellows::Result;

#[derive(Debug, clap::Subcommand)]
pub enum RolloutCommand {
    /// Record that the app finished rolling out at this version (run it from the pipeline).
    /// A version that a contracted migration excludes is refused (a rollback past the point
    /// of no return).
    Record {
        /// The app version now running everywhere (semver, or a git SHA or build number:
        /// those order by when they were first recorded).
        #[arg(long, value_name = "VERSION")]
        app_version: String,
        /// The app that rolled out, for contracts that say `requires-app="APP>=..."`
        /// (without it the rollout counts for every app).
        #[arg(long, value_name = "NAME")]
        app: Option<String>,
        /// Record it even though a contracted migration excludes the version (logged).
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        db: UrlArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Can this app version run on the schema as it is? Exit 0 yes, 1 no, naming every
    /// contracted migration that excludes it (for a pipeline's rollback step).
    Check {
        /// The version to roll back (or forward) to.
        #[arg(long, value_name = "VERSION")]
        app_version: String,
        /// The app, for contracts that name apps (without it every clause counts).
        #[arg(long, value_name = "NAME")]
        app: Option<String>,
        #[command(flatten)]
        db: UrlArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Record that an environment (a blue/green colour, a canary, a region) is gone: its
    /// instances stop counting for the gate at once, heartbeat or not.
    Retire {
        /// The environment instances registered with.
        #[arg(long, value_name = "NAME")]
        env: String,
        #[command(flatten)]
        db: UrlArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

/// Run one `rollout` command; its exit code.
pub fn run(command: RolloutCommand, ctx: &commands::Context) -> i32 {
    match command {
        RolloutCommand::Record {
            app_version,
            app,
            force,
            db,
            format,
        } => ctx.run_without_migrations(&db.into(), move |runner| {
            Box::pin(record(runner, app, app_version, force, format))
        }),
        RolloutCommand::Check {
            app_version,
            app,
            db,
            format,
        } => ctx.run_without_migrations(&db.into(), move |runner| {
            Box::pin(check(runner, app, app_version, format))
        }),
        RolloutCommand::Retire { env, db, format } => ctx
            .run_without_migrations(&db.into(), move |runner| {
                Box::pin(retire(runner, env, format))
            }),
    }
}

/// `bellows rollout record`.
async fn record(
    runner: &mut Runner,
    app: Option<String>,
    app_version: String,
    force: bool,
    format: Format,
) -> Result<i32> {
    runner
        .record_rollout(app.as_deref(), &app_version, force)
        .await?;
    if format == Format::Json {
        let mut recorded = serde_json::json!({ "app_version": app_version });
        if let Some(app) = &app {
            recorded["app"] = serde_json::json!(app);
        }
        json(&serde_json::json!({ "recorded": recorded }));
    } else {
        let app = app.unwrap_or_else(|| "app".into());
        outln!("recorded: {app} {app_version} is rolled out");
    }
    Ok(0)
}

/// `bellows rollout check`: exit 0 when the version can run, 1 when not.
async fn check(
    runner: &mut Runner,
    app: Option<String>,
    app_version: String,
    format: Format,
) -> Result<i32> {
    let answer = runner.rollout_check(app.as_deref(), &app_version).await?;
    let code = i32::from(!answer.is_compatible());
    if format == Format::Json {
        let mut value = serde_json::to_value(&answer).unwrap_or_default();
        value["compatible"] = serde_json::json!(answer.is_compatible());
        json(&value);
    } else {
        human(&answer);
    }
    Ok(code)
}

fn human(answer: &Compatibility) {
    let who = format!(
        "{} {}",
        answer.app.as_deref().unwrap_or("app"),
        answer.app_version
    );
    if answer.unrecorded {
        outln!(
            "note: {} was never recorded with `bellows rollout record`: taken as newer than every recorded version",
            answer.app_version
        );
    }
    if answer.is_compatible() {
        outln!("yes: {who} can run on the schema as it is (no contracted migration excludes it)");
        return;
    }
    outln!(
        "no: {who} cannot run on the schema as it is; {} {} it:",
        count(
            answer.excluded_by.len() as u64,
            "contracted migration",
            "contracted migrations"
        ),
        if answer.excluded_by.len() == 1 {
            "excludes"
        } else {
            "exclude"
        }
    );
    for excluded in &answer.excluded_by {
        outln!("  - {excluded}");
    }
    outln!(
        "A contract is the point of no return for the versions it excludes: roll forward instead."
    );
}

/// `bellows rollout retire`.
async fn retire(runner: &mut Runner, env: String, format: Format) -> Result<i32> {
    let stopped = runner.retire_environment(&env).await?;
    if format == Format::Json {
        json(&serde_json::json!({ "retired": env, "instances": stopped }));
        return Ok(0);
    }
    outln!(
        "retired {env}: {} no longer {} for the gate",
        count(stopped.len() as u64, "live instance", "live instances"),
        if stopped.len() == 1 {
            "counts"
        } else {
            "count"
        }
    );
    for group in bellows::gate::groups(&stopped, std::time::Duration::MAX) {
        let n = count(group.live as u64, "instance", "instances");
        outln!("  - {} {}: {n}", group.app, group.version);
    }
    Ok(0)
}
