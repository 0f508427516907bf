//! SQL text handling that needs no database: dialects, statement splitting, source positions
//! and the statement facts the runner needs (does it refuse a transaction?).

mod classify;
mod dialect;
mod position;
mod split;

pub use classify::{classify, leading_words, StatementKind};
pub use dialect::Dialect;
pub use position::{LineIndex, Pos};
pub use split::{split, SplitError, Statement};
