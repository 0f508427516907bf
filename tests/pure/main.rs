//! The pure test lane: one integration test binary for everything that needs no database and
//! no network (`cargo test --test pure`, it passes under `unshare -n`). The database lane is
//! `tests/it/`. Each lint rule's own snapshot tests live beside it in `src/lint/rules/` and
//! run with `cargo test --lib`.

mod checks;
mod cli;
mod integrations;
mod layout;
mod lint;
mod shell;
