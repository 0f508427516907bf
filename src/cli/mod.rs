//! Command-line interface: clap arguments turned into settings once, commands dispatched,
//! results rendered for humans (or JSON), errors mapped to exit codes.

mod lint;

use bellows::config::FileConfig;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Zero-downtime schema migrations for PostgreSQL and MySQL/MariaDB.
#[derive(Debug, Parser)]
#[command(name = "bellows", version, about, long_about = None)]
struct Cli {
    /// Config file (default: ./bellows.toml when present).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Lint migration files for unsafe SQL (no database needed).
    Lint(lint::LintArgs),
}

/// Run the command line; returns the process exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let file = match FileConfig::load(cli.config.as_deref(), &cwd) {
        Ok((file, _)) => file,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    match &cli.command {
        Command::Lint(args) => lint::run(args, &file),
    }
}
