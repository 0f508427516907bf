//! Linter tests: one module per rule under `rules/` (insta snapshots of the human output,
//! flagging and passing cases), output formats, the command line, and robustness.

mod rules;
mod support;
