//! The recipe ops, one file each: its declaration (`SPEC`), its arguments and its sections
//! for PostgreSQL and for MySQL/MariaDB. Adding an op is its file plus one line below (and
//! its doc page and proof test, which a test demands).

mod add_foreign_key;
mod add_index;
mod add_not_null;
mod add_unique;
mod change_type;
mod drop_column;
mod rename_column;
mod rename_table;

use super::op::OpSpec;

/// Every op, in the order `bellows new --help` lists them.
pub static OPS: &[&OpSpec] = &[
    &rename_column::SPEC,
    &change_type::SPEC,
    &add_not_null::SPEC,
    &add_foreign_key::SPEC,
    &add_unique::SPEC,
    &add_index::SPEC,
    &drop_column::SPEC,
    &rename_table::SPEC,
];
