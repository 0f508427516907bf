//! Linter tests: one module per rule under `rules/` (insta snapshots of the human output,
//! flagging and passing cases), output formats, the command line, docs, and robustness.

mod cli;
mod docs;
mod formats;
mod live;
mod props;
mod rules;
mod support;
