//! `bellows completions SHELL` and `bellows man`: shell completion scripts and manual pages,
//! generated from the same clap definition the command line parses with.

use bellows::{Error, Result};
use clap::CommandFactory;
use std::path::{Path, PathBuf};

/// Arguments of `bellows completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to write the completion script for.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

/// Arguments of `bellows man`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write bellows.1 and one page per subcommand (bellows-expand.1, ...) into this folder
    /// instead of printing bellows.1.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// The completion script on stdout; the exit code.
pub fn completions(args: &CompletionsArgs) -> i32 {
    let mut cmd = super::Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "bellows", &mut std::io::stdout());
    0
}

/// The manual page on stdout, or every page into `--dir`; the exit code.
pub fn man(args: &ManArgs) -> i32 {
    let result = match &args.dir {
        Some(dir) => write_pages(dir),
        None => clap_mangen::Man::new(super::Cli::command())
            .render(&mut std::io::stdout())
            .map_err(|source| io_error("stdout", source)),
    };
    match result {
        Ok(()) => 0,
        Err(e) => super::render::error(&e, None),
    }
}

fn write_pages(dir: &Path) -> Result<()> {
    let at = dir.display().to_string();
    std::fs::create_dir_all(dir).map_err(|source| io_error(&at, source))?;
    clap_mangen::generate_to(super::Cli::command(), dir).map_err(|source| io_error(&at, source))?;
    outln!("wrote the manual pages into {at}");
    Ok(())
}

fn io_error(path: &str, source: std::io::Error) -> Error {
    Error::Io {
        path: path.to_string(),
        source,
    }
}
