//! `bellows lint`.

use bellows::config::FileConfig;

/// Arguments of `bellows lint`.
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Files or folders to lint.
    paths: Vec<std::path::PathBuf>,
}

/// Run the linter; returns the exit code.
pub fn run(args: &LintArgs, _file: &FileConfig) -> i32 {
    let _ = &args.paths;
    0
}
