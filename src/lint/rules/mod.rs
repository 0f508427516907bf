//! One file per rule. Each file holds a unit struct implementing [`Rule`](super::Rule) and
//! is listed once in the [registry](super::registry).

pub mod require_concurrent_index;
pub mod unparsed_statement;
pub mod unused_allow;
