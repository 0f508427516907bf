//! Linter tests that need no database: output formats (insta snapshots), the command line
//! (exit codes, stdin, folders, config, `--changed-since`), the rule catalogue against its
//! documentation, and robustness on arbitrary input.

mod cli;
mod docs;
mod folder;
mod formats;
mod limits;
mod precision;
mod props;
