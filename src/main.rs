//! The `bellows` command: parse arguments, run, exit 0 (ok), 1 (refused/findings) or 2
//! (operational error).

fn main() {
    std::process::exit(bellows_cli::main());
}

#[path = "cli/mod.rs"]
mod bellows_cli;
