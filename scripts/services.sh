#!/usr/bin/env bash
# Make sure PostgreSQL (127.0.0.1:5432) and MariaDB/MySQL (127.0.0.1:3306) answer: start the
# local servers if they are installed, else the containers of docker/compose.yml; then wait.
set -euo pipefail
cd "$(dirname "$0")/.."

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || psql -h 127.0.0.1 -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1; }
my_up() { mariadb-admin -h 127.0.0.1 -P 3306 -u root ping >/dev/null 2>&1 || mysqladmin -h 127.0.0.1 -P 3306 -u root ping >/dev/null 2>&1; }

start_pg() {
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  elif command -v docker >/dev/null; then
    docker compose -f docker/compose.yml up -d postgres
  else
    echo "PostgreSQL is not running and neither a local server nor docker is available" >&2; exit 1
  fi
}

start_my() {
  if [ -x /usr/sbin/mariadbd ]; then
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
  elif command -v docker >/dev/null; then
    docker compose -f docker/compose.yml up -d mariadb
  else
    echo "MariaDB/MySQL is not running and neither a local server nor docker is available" >&2; exit 1
  fi
}

wait_for() { # name check
  for _ in $(seq 1 60); do "$2" && return 0; sleep 1; done
  echo "$1 did not answer within 60 s" >&2; exit 1
}

pg_up || { echo "starting PostgreSQL" >&2; start_pg; }
my_up || { echo "starting MariaDB" >&2; start_my; }
wait_for PostgreSQL pg_up
wait_for MariaDB my_up
