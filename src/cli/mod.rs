//! Command-line interface: clap arguments turned into settings once, commands dispatched,
//! results rendered for humans (or JSON), errors mapped to exit codes.

/// `println!` that treats a closed stdout (`bellows status | head`) as the end, not an error.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
        }
    }};
}

mod adopt;
mod commands;
mod config;
mod fleet;
mod init;
mod lint;
mod new;
mod pause_kind;
mod progress;
mod render;
mod rollout;
mod settings;
mod shell;
mod watch;

use clap::{Parser, Subcommand, ValueEnum};
use config::FileConfig;
use settings::{BackfillArgs, DbArgs, ReadArgs, UrlArgs};
use std::path::PathBuf;

/// Zero-downtime schema migrations for PostgreSQL and MySQL/MariaDB: expand, migrate, contract.
#[derive(Debug, Parser)]
#[command(name = "bellows", version, about, long_about = None)]
struct Cli {
    /// Config file (default: ./bellows.toml when present).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Only warnings and errors on stderr.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

/// Output format of the database commands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    #[default]
    Human,
    /// For scripts.
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start a project here: a migrations/ folder and a commented bellows.toml.
    Init,
    /// Lint migration files for unsafe SQL (no database needed).
    Lint(lint::LintArgs),
    /// Record the migrations another tool ran (sqlx, dbmate, golang-migrate, Rails,
    /// refinery, Flyway) as applied, so `expand` runs only the new files.
    Adopt {
        #[command(flatten)]
        adopt: adopt::AdoptArgs,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Write a new migration file: empty (its four section markers commented), or a
    /// safe-change recipe with --op (rename-column, add-column, add-not-null, ...).
    New(new::NewArgs),
    /// Apply every pending expand phase, in version order.
    Expand {
        #[command(flatten)]
        db: DbArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Run the pending backfills of expanded migrations (up to VERSION), in version order.
    /// Ctrl-C stops after the current batch; running it again resumes.
    Backfill {
        /// Backfill up to and including this version.
        version: Option<i64>,
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        throttle: BackfillArgs,
        /// Output format (json: one event per line).
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Expand, then backfill: every pending phase short of contract.
    Up {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        throttle: BackfillArgs,
        /// Output format (json: one event per line).
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Run contract phases in version order (up to VERSION), when ready and the gate passes.
    Contract {
        /// Contract up to and including this version.
        version: Option<i64>,
        /// Skip the rollout gate (recorded in the events log). Never skips readiness.
        #[arg(long)]
        force: bool,
        /// While the gate is closed, poll it for up to this long (e.g. 30m), then exit 1.
        #[arg(long, value_name = "DURATION")]
        wait: Option<String>,
        #[command(flatten)]
        db: DbArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Undo the expand phase of VERSION with its down section, and mark it aborted.
    Abort {
        /// The migration to abort.
        version: i64,
        #[command(flatten)]
        db: DbArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Show each migration's state, when it got there, and what comes next.
    Status {
        #[command(flatten)]
        db: ReadArgs,
        #[command(flatten)]
        view: watch::StatusArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Dry run: the statements each pending phase would run (no database: every phase).
    Plan {
        #[command(flatten)]
        db: ReadArgs,
        /// Dialect to plan for when no database is configured (else bellows.toml, else postgres).
        #[arg(long)]
        dialect: Option<bellows::Dialect>,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Rollout state for the gate.
    #[command(subcommand)]
    Rollout(rollout::RolloutCommand),
    /// The rollout gate.
    #[command(subcommand)]
    Gate(GateCommand),
    /// List the app instances registered through the library.
    Instances {
        /// First delete instances silent for longer than this (e.g. 24h).
        #[arg(long, value_name = "DURATION")]
        prune: Option<String>,
        #[command(flatten)]
        db: UrlArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Run a database command over a fleet of databases (docs/fleet.md).
    Fleet(fleet::FleetArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(shell::CompletionsArgs),
    /// Print the manual page (roff), or write one per command with --dir.
    Man(shell::ManArgs),
}

#[derive(Debug, Subcommand)]
enum GateCommand {
    /// Print the gate's decision and its evidence for a contract (exit 0 open, 1 closed).
    Check {
        /// The migration (default: the first whose contract has not run).
        version: Option<i64>,
        #[command(flatten)]
        db: ReadArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

/// Run the command line; returns the process exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    init_logging(cli.quiet);
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let (file, config_path) = match FileConfig::load(cli.config.as_deref(), &cwd) {
        Ok(loaded) => loaded,
        Err(e) => return render::error(&e, None),
    };
    let ctx = commands::Context { file, config_path };
    dispatch(cli.command, &ctx, cli.quiet)
}

/// Run one command; its exit code.
fn dispatch(command: Command, ctx: &commands::Context, quiet: bool) -> i32 {
    match command {
        Command::Init => init::command(),
        Command::Completions(args) => shell::completions(&args),
        Command::Fleet(args) => fleet::run(args, ctx, quiet),
        Command::Man(args) => shell::man(&args),
        Command::Lint(args) => lint::run(&args, &ctx.file),
        Command::New(args) => new::command(&args, ctx),
        Command::Adopt { adopt, db } => {
            ctx.run(&db, move |runner| Box::pin(adopt::run(runner, adopt)))
        }
        Command::Expand { db, format } => {
            ctx.run(&db, |runner| Box::pin(commands::expand(runner, format)))
        }
        Command::Backfill {
            version,
            db,
            throttle,
            format,
        } => match throttle.resolve() {
            Ok(options) => ctx.run(&db, move |runner| {
                Box::pin(commands::backfill(runner, version, options, format, quiet))
            }),
            Err(e) => render::error(&e, None),
        },
        Command::Up {
            db,
            throttle,
            format,
        } => match throttle.resolve() {
            Ok(options) => ctx.run(&db, move |runner| {
                Box::pin(commands::up(runner, options, format, quiet))
            }),
            Err(e) => render::error(&e, None),
        },
        Command::Contract {
            version,
            force,
            wait,
            db,
            format,
        } => ctx.run(&db, move |runner| {
            Box::pin(commands::contract(runner, version, force, wait, format))
        }),
        Command::Gate(GateCommand::Check {
            version,
            db,
            format,
        }) => ctx.run(&db.into(), move |runner| {
            Box::pin(commands::gate_check(runner, version, format))
        }),
        Command::Instances { prune, db, format } => ctx
            .run_without_migrations(&db.into(), move |runner| {
                Box::pin(commands::instances(runner, prune, format))
            }),
        Command::Abort {
            version,
            db,
            format,
        } => ctx.run(&db, move |runner| {
            Box::pin(commands::abort(runner, version, format))
        }),
        Command::Status { db, view, format } => ctx.run(&db.into(), move |runner| {
            Box::pin(watch::status(runner, view, format))
        }),
        Command::Plan {
            db,
            dialect,
            format,
        } => ctx.plan(&db.into(), dialect, format),
        Command::Rollout(command) => rollout::run(command, ctx),
    }
}

fn init_logging(quiet: bool) {
    let default = if quiet { "warn" } else { "info" };
    let filter = tracing_subscriber::EnvFilter::try_from_env("BELLOWS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("bellows={default}")));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}
