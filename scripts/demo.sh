#!/usr/bin/env bash
# See bellows work: rename a column of a 200,000-row table while an old and a new version of
# an app both use it, with zero failed requests. About two minutes, mostly for reading, after
# a release build of bellows (several minutes the first time, seconds after that).
#
# Needs a PostgreSQL or MySQL/MariaDB you can create a database on (scripts/services.sh starts
# the local ones). The demo works in its own database, named in DEMO_DATABASE_URL (default
# postgres://postgres@127.0.0.1:5432/bellows_demo): dropped and created at the start, dropped
# at the end (also after Ctrl-C). It refuses a database holding tables it did not make.
#
#   DEMO_DATABASE_URL=mysql://root@127.0.0.1:3306/bellows_demo   the MySQL/MariaDB variant
#   DEMO_DATABASE_URL=postgres://me@db:5432/scratch              another server or database
#   KEEP=1                                   keep the database and the migration afterwards
#   DEMO_ROWS=1000000                        a bigger table (default 200000)
#   DEMO_PAUSE=0                             no pauses for reading (default 6 seconds)
#
# Exit 0 when neither app version saw an error and every row came through, 1 otherwise.
# The story is told by examples/demo.rs, which drives the real bellows binary.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "building bellows and the demo (release; the first build takes a few minutes) ..."
cargo build --release --quiet --bin bellows --example demo
exec cargo run --release --quiet --example demo
