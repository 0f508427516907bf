//! Linter tests that need a database: `bellows lint --database-url` reading live table sizes
//! and the server version. Everything else about the linter runs in the pure lane
//! (`tests/pure/`) and in each rule's own tests (`src/lint/rules/`).

mod live;
