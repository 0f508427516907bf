//! Snapshot tests per rule: each file lints flagging and passing cases.

mod require_concurrent_index;
mod unparsed_statement;
mod unused_allow;
