//! Helpers the rules share, one module per job. They read the token view of a statement
//! ([`Tokens`](crate::lint::Tokens)), which lets the rules check statements the parser
//! cannot read and both dialects' spellings; the few that read the parsed statement say
//! `parsed` in their names and docs.

pub mod alter;
pub mod columns;
pub mod file;
pub mod rewrite;
pub mod scan;
pub mod spans;
