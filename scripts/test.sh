#!/usr/bin/env bash
# The one test command: databases up, formatting, lints, the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/services.sh
echo "== cargo fmt --check"
cargo fmt --check
echo "== cargo clippy"
cargo clippy --all-targets -- -D warnings
echo "== library without the CLI (no clap)"
cargo check --lib --no-default-features --features postgres
echo "== cargo test"
cargo test --all-targets
cargo test --doc
