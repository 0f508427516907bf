#!/usr/bin/env bash
# Fleet benchmark (not a test; not run in CI): DATABASES databases (default 100) on the local
# PostgreSQL, each brought up to MIGRATIONS small migrations (default 20), three ways in the
# same run, each on its own fresh set of databases, in two rounds (the second reversed):
#   loop     a shell loop of `bellows expand --database-url ...`, one database after another
#   fleet 1  `bellows fleet expand --concurrency 1` (one process, one target at a time)
#   fleet N  `bellows fleet expand --concurrency N` (default 4)
# and prints the wall time of each and the ratios against the loop. ENGINE=mariadb runs it on
# the local MariaDB instead. The databases are created and dropped by the script (names
# bench_fleet_<set>_<n>_<pid>).
#
#   bench/fleet/run.sh
#   DATABASES=40 CONCURRENCY=8 ENGINE=mariadb bench/fleet/run.sh
#   BELLOWS_BIN=target/debug/bellows bench/fleet/run.sh   # skip the release build
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$(dirname "$here")")"
n="${DATABASES:-100}"
m="${MIGRATIONS:-20}"
concurrency="${CONCURRENCY:-4}"
engine="${ENGINE:-postgres}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"

if [[ -n "${BELLOWS_BIN:-}" ]]; then
  bellows="$BELLOWS_BIN" # an existing build, e.g. a debug one
else
  cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin bellows
  bellows="$target_dir/release/bellows"
fi

work="$(mktemp -d)"
case "$engine" in
  postgres)
    base="postgres://postgres@127.0.0.1:5432"
    admin() { PGOPTIONS='--client-min-messages=warning' psql -h 127.0.0.1 -U postgres -d postgres -qAtc "$1" >/dev/null; } ;;
  mariadb)
    base="mysql://root@127.0.0.1:3306"
    admin() { mariadb -h 127.0.0.1 -u root -e "$1"; } ;;
  *) echo "ENGINE is postgres or mariadb" >&2; exit 2 ;;
esac
name() { echo "bench_fleet_$1_$2_$$"; }
cleanup() {
  for set in loop one many; do
    for i in $(seq 1 "$n"); do admin "DROP DATABASE IF EXISTS $(name "$set" "$i")" || true; done
  done
  rm -rf "$work"
}
trap cleanup EXIT

# Twenty small migrations: a table, a column, an index, a check (as an app's history has).
mkdir -p "$work/migrations"
for j in $(seq 1 "$m"); do
  case $((j % 4)) in
    1) sql="CREATE TABLE t$j (id int PRIMARY KEY, name varchar(80) NOT NULL);" ;;
    2) sql="ALTER TABLE t$((j - 1)) ADD COLUMN note varchar(200);" ;;
    3) sql="CREATE INDEX i$j ON t$((j - 2)) (name);" ;;
    0) sql="CREATE TABLE t$j (id int PRIMARY KEY, qty int NOT NULL CHECK (qty >= 0));" ;;
  esac
  printf '%s\n' "$sql" > "$work/migrations/$(printf '%04d' "$j")_m$j.sql"
done

expand_loop() {
  while read -r url; do
    "$bellows" -q expand --database-url "$url" --migrations "$work/migrations" > /dev/null
  done < "$1"
}
expand_fleet() {
  "$bellows" -q fleet expand --concurrency "$2" --targets "$1" --migrations "$work/migrations" > /dev/null
}
now() { date +%s.%N; }

# Two rounds, the second in the reverse order, each on fresh databases: other load on the
# machine and the server's own state (checkpoints after CREATE DATABASE) then weigh on every
# way alike. Times are the sum of both rounds.
declare -A took=([loop]=0 [one]=0 [many]=0)
for round in 1 2; do
  for set in loop one many; do
    : > "$work/$set.txt"
    for i in $(seq 1 "$n"); do
      admin "DROP DATABASE IF EXISTS $(name "$set" "$i")"
      admin "CREATE DATABASE $(name "$set" "$i")"
      echo "$base/$(name "$set" "$i")" >> "$work/$set.txt"
    done
  done
  order=(loop one many)
  if [[ $round == 2 ]]; then order=(many one loop); fi
  for way in "${order[@]}"; do
    t0=$(now)
    case $way in
      loop) expand_loop "$work/loop.txt" ;;
      one) expand_fleet "$work/one.txt" 1 ;;
      many) expand_fleet "$work/many.txt" "$concurrency" ;;
    esac
    took[$way]=$(awk -v a="${took[$way]}" -v t0="$t0" -v t1="$(now)" 'BEGIN { print a + t1 - t0 }')
  done
done

awk -v loop="${took[loop]}" -v one="${took[one]}" -v many="${took[many]}" -v n="$n" -v m="$m" \
  -v k="$concurrency" -v e="$engine" 'BEGIN {
  printf "%s: %d databases x %d migrations (%d phases), two rounds\n", e, n, m, n * m
  printf "  loop of bellows expand   %7.2f s  (%.0f ms a database)\n", loop, loop * 1000 / (2 * n)
  printf "  fleet, concurrency 1     %7.2f s  %.2fx the loop\n", one, loop / one
  printf "  fleet, concurrency %-3d   %7.2f s  %.2fx the loop\n", k, many, loop / many
}'
echo "  load: $(uptime | sed 's/.*load average/load average/')"
