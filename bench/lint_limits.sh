#!/usr/bin/env bash
# Linter resource limits (issue 13, item 5): time, exit code and output size of `bellows lint`
# on inputs that used to overflow the stack or take quadratic time. Not a test; not run in CI.
#
#   bench/lint_limits.sh                          # builds this checkout (release)
#   BELLOWS=/path/to/bellows bench/lint_limits.sh # another build, e.g. main, to compare
#   TIMEOUT=60 bench/lint_limits.sh               # give up on one input after 60 s
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
timeout_s="${TIMEOUT:-120}"
if [[ -z "${BELLOWS:-}" ]]; then
  cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin bellows
  BELLOWS="${CARGO_TARGET_DIR:-$root/target}/release/bellows"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# 100,000 terms: SELECT 1 + 1 + ... + 1;
awk 'BEGIN { printf "SELECT 1"; for (i = 1; i < 100000; i++) printf " + 1"; print ";" }' > "$work/deep.sql"
# 8,000 statements on one line (~156 KB), each with a finding.
awk 'BEGIN { for (i = 0; i < 8000; i++) printf "CREATE INDEX i%d ON t (a);", i; print "" }' > "$work/long_line.sql"
# The same 8,000 statements with CR-only line endings.
awk 'BEGIN { for (i = 0; i < 8000; i++) printf "CREATE INDEX i%d ON t (a);\r", i }' > "$work/cr_only.sql"
# 640,000 semicolons on one line.
awk 'BEGIN { s = ";;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;"; for (i = 0; i < 10000; i++) printf "%s", s; print "" }' > "$work/semicolons.sql"

run() { # name dialect file
  local start end code bytes
  start="$(date +%s%N)"
  set +e
  timeout "$timeout_s" "$BELLOWS" lint --dialect "$2" --format human "$3" > "$work/out" 2> /dev/null
  code=$?
  set -e
  end="$(date +%s%N)"
  bytes="$(wc -c < "$work/out")"
  printf "%-12s %-9s %8d ms  exit %3d  output %12d bytes\n" "$1" "$2" $(( (end - start) / 1000000 )) "$code" "$bytes"
}

echo "bellows: $BELLOWS"
for d in postgres mysql mariadb; do run deep "$d" "$work/deep.sql"; done
run long_line postgres "$work/long_line.sql"
run cr_only postgres "$work/cr_only.sql"
run semicolons mysql "$work/semicolons.sql"
run semicolons postgres "$work/semicolons.sql"
