//! Helpers the rules share, one module per job. Most read the token view of a statement
//! ([`Tokens`](crate::lint::Tokens)), which lets the rules check statements the parser
//! cannot read and both dialects' spellings; the few that work on what the parser read take
//! sqlparser's AST types or say `parsed` in their names.

pub(crate) mod alter;
pub(crate) mod bounds;
pub(crate) mod columns;
pub(crate) mod file;
pub(crate) mod known;
pub(crate) mod mysql;
pub(crate) mod recipes;
pub(crate) mod rewrite;
pub(crate) mod scan;
pub(crate) mod spans;
pub(crate) mod types;
