#!/usr/bin/env bash
# Linter speed benchmark (issue 14; not a test, not run in CI). Builds bellows (release) and
# runs bench/lint (a cargo example): generated real-shaped PostgreSQL folders linted by bellows
# and, in the same run, by squawk; prints statements/s, the ratio, the 4,000-renames file,
# linear time (1x vs 10x the input) and the unparsed share.
#
#   bench/lint.sh                          # squawk from PATH
#   SQUAWK=/path/to/squawk bench/lint.sh   # another squawk. 2.40.0 is the reference:
#                                          #   cargo install squawk --version 2.40.0 --locked
#                                          #   (or the same release: pip install squawk-cli==2.40.0)
#   BASELINE=/path/to/bellows bench/lint.sh  # also time another build, e.g. main's
#   FILES=3000 RUNS=5 bench/lint.sh        # a bigger project, best of more runs
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
target="${CARGO_TARGET_DIR:-$root/target}"

cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin bellows
# The driver only generates files and times the binaries: the dev profile serves.
cargo build --quiet --manifest-path "$root/Cargo.toml" --example bench_lint
if [[ -z "${SQUAWK:-}" ]]; then
  SQUAWK="$(command -v squawk || true)"
fi
if [[ -n "$SQUAWK" ]]; then echo "squawk: $SQUAWK ($("$SQUAWK" --version 2>/dev/null))"; fi
env BELLOWS="$target/release/bellows" ${SQUAWK:+SQUAWK="$SQUAWK"} "$target/debug/examples/bench_lint"
