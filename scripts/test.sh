#!/usr/bin/env bash
# The one test command: databases up, formatting, lints, then the three test lanes.
#   pure lane      no database, no network: the library's unit tests (lint rules, SQL, the
#                  migration format, the lifecycle, generators) and tests/pure
#   database lane  tests/it against the real PostgreSQL and MariaDB, but the slow ones
#   slow lane      replicas, million-row backfills and the recipes' zero-downtime proofs
# `scripts/test.sh pure` (or `db`, `slow`) runs one lane after the checks.
set -euo pipefail
cd "$(dirname "$0")/.."
lane="${1:-all}"

# Tests of tests/it that make up the slow lane (by module path).
SLOW=(proof:: galera:: fleet::a_fleet_expand fleet::a_fleet_backfill backfill::replica_lag:: replication:: backfill::concurrent:: library::the_example_app)

if [[ "$lane" != pure ]]; then
  scripts/services.sh
fi

echo "== cargo fmt --check"
cargo fmt --check
# The lint rules' modules are declared by the registry macro, which cargo fmt does not enter.
rustfmt --edition 2021 --check src/lint/rules/*.rs
echo "== cargo clippy"
cargo clippy --all-targets -- -D warnings
echo "== library without the CLI (no clap)"
cargo check --lib --no-default-features --features postgres

if [[ "$lane" == all || "$lane" == pure ]]; then
  echo "== pure lane (no database, no network)"
  # Without a network namespace where one can be made, so that a test that reaches for a
  # server fails here instead of passing by luck.
  isolate=()
  if unshare -n true 2>/dev/null; then isolate=(unshare -n); fi
  cargo test --lib --test pure --no-run
  "${isolate[@]}" cargo test --offline --lib --test pure
  cargo test --doc
fi

skip=()
for s in "${SLOW[@]}"; do skip+=(--skip "$s"); done
if [[ "$lane" == all || "$lane" == db ]]; then
  echo "== database lane"
  cargo test --test it -- "${skip[@]}"
  cargo test --examples --bins
  echo "== the demo, without pauses, on both engines"
  cargo build --quiet --bin bellows --example demo
  demo_out="$(mktemp)"
  for url in postgres://postgres@127.0.0.1:5432/bellows_demo_ci mysql://root@127.0.0.1:3306/bellows_demo_ci; do
    if ! DEMO_DATABASE_URL="$url" DEMO_ROWS=5000 DEMO_PAUSE=0 cargo run --quiet --example demo >"$demo_out" 2>&1; then
      cat "$demo_out"
      exit 1
    fi
    echo "demo on ${url%%:*}: $(grep -c ' requests   0 errors' "$demo_out") app versions without an error"
  done
  rm -f "$demo_out"
fi
if [[ "$lane" == all || "$lane" == slow ]]; then
  echo "== slow lane (replicas, million-row backfills, proofs, a Galera cluster)"
  # The Galera test starts a 3-node cluster with Debian's provider and rsync state transfers.
  if { [[ ! -e /usr/lib/galera/libgalera_smm.so ]] || ! command -v rsync >/dev/null; } \
    && command -v apt-get >/dev/null && [[ "$(id -u)" == 0 ]]; then
    apt-get install -y -q galera-4 rsync || { apt-get update -q && apt-get install -y -q galera-4 rsync; }
  fi
  cargo test --test it -- "${SLOW[@]}"
fi
