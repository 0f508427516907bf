#!/usr/bin/env bash
# Linter speed benchmark (not a test; not run in CI).
#
# Generates a corpus of PostgreSQL migrations (FILES files x STATEMENTS statements each,
# default 500 x 24 = 12,000 statements), lints it with a release build of bellows and prints
# statements/s. When `squawk` is on the PATH it lints the same files and prints the ratio.
#
#   bench/lint.sh                 # default corpus
#   FILES=2000 bench/lint.sh      # bigger corpus
#   CORPUS=path/to/migrations bench/lint.sh   # an existing folder of .sql files instead
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
files="${FILES:-500}"
per_file="${STATEMENTS:-24}"
runs="${RUNS:-5}"

cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin bellows
bellows="$root/target/release/bellows"

if [[ -n "${CORPUS:-}" ]]; then
  corpus="$CORPUS"
else
  corpus="$(mktemp -d)"
  trap 'rm -rf "$corpus"' EXIT
  awk -v files="$files" -v per="$per_file" -v dir="$corpus" 'BEGIN {
    for (f = 1; f <= files; f++) {
      path = sprintf("%s/%08d_m%d.sql", dir, f, f)
      t = "t" f
      print "CREATE TABLE " t " (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());" > path
      for (s = 2; s <= per; s++) {
        k = s % 8
        if (k == 0) line = "ALTER TABLE users" f % 50 " ADD COLUMN c" s " text;"
        else if (k == 1) line = "CREATE INDEX CONCURRENTLY idx_" f "_" s " ON orders" f % 40 " (customer_id, created_at) WHERE deleted_at IS NULL;"
        else if (k == 2) line = "UPDATE accounts SET status = '\''active'\'' WHERE id BETWEEN " s * 1000 " AND " s * 1000 + 999 ";"
        else if (k == 3) line = "INSERT INTO " t " (name) VALUES ('\''a'\''), ('\''b'\''), ('\''c'\'');"
        else if (k == 4) line = "ALTER TABLE payments ADD CONSTRAINT chk_" f "_" s " CHECK (amount >= 0) NOT VALID;"
        else if (k == 5) line = "COMMENT ON COLUMN " t ".name IS '\''display name, shown in the UI'\'';"
        else if (k == 6) line = "CREATE INDEX idx_" t "_" s " ON " t " (lower(name), created_at DESC);"
        else line = "SELECT count(*) FROM invoices i JOIN customers c ON c.id = i.customer_id WHERE i.total > 100 GROUP BY c.region;"
        print line > path
      }
      close(path)
    }
  }'
fi

statements="$("$bellows" lint "$corpus" --format json --fail-on error | awk -F'[:,]' '/"statements"/ { gsub(/ /, "", $2); print $2 }')"
now() { date +%s%N; }
best=""
for _ in $(seq "$runs"); do
  start="$(now)"
  "$bellows" lint "$corpus" --format json --fail-on error > /dev/null || true
  took=$(( $(now) - start ))
  if [[ -z "$best" || "$took" -lt "$best" ]]; then best="$took"; fi
done
rate=$(( statements * 1000000000 / best ))
echo "bellows: $statements statements in $(( best / 1000000 )) ms (best of $runs) = $rate statements/s on $(nproc) core(s)"

if command -v squawk > /dev/null; then
  squawk_best=""
  for _ in $(seq "$runs"); do
    start="$(now)"
    squawk "$corpus"/*.sql > /dev/null 2>&1 || true
    took=$(( $(now) - start ))
    if [[ -z "$squawk_best" || "$took" -lt "$squawk_best" ]]; then squawk_best="$took"; fi
  done
  squawk_rate=$(( statements * 1000000000 / squawk_best ))
  echo "squawk $(squawk --version 2>/dev/null | awk '{print $NF}'): $(( squawk_best / 1000000 )) ms = $squawk_rate statements/s"
  awk -v a="$rate" -v b="$squawk_rate" 'BEGIN { printf "ratio bellows/squawk: %.2fx\n", a / b }'
else
  echo "squawk not on PATH: skipped the comparison (cargo install squawk --version 2.40.0 --locked)"
fi
