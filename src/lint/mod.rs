//! The dry-run linter (DESIGN §5).
