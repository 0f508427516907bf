//! SQL text handling that needs no database: dialects, statement splitting, source positions
//! and the statement facts the runner needs (does it refuse a transaction?).

mod classify;
mod depth;
mod dialect;
mod position;
mod split;

pub(crate) use classify::{classify, leading_words};
pub(crate) use depth::{parse_bounded, too_deep, MAX_OPERATOR_CHAIN, RECURSION_LIMIT};
pub use dialect::Dialect;
pub(crate) use position::{LineIndex, Pos};
pub(crate) use split::{split, Statement};
