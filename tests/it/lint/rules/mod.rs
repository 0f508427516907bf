//! Snapshot tests per rule: each file lints flagging and passing cases.

mod require_concurrent_index;
