#!/usr/bin/env bash
# scripts/postgres-server.sh start|stop [DIR] — a throwaway PostgreSQL 15 cluster for the tests and benchmarks, on
# loopback port ${FIELDCAMP_PG_PORT:-55432}, trusting local connections, with durability switched off (it holds nothing
# worth keeping). Installs Debian's postgresql-15 when missing. PostgreSQL refuses to run as root, so as root the
# cluster belongs to the postgres user. `start` prints the connection string (without a database name) on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
command=${1:?usage: $0 start|stop [DIR]}
dir=${2:-${TMPDIR:-/tmp}/fieldcamp-postgres}
port=${FIELDCAMP_PG_PORT:-55432}
bin=/usr/lib/postgresql/15/bin

as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$command" in
start)
    [ -x "$bin/postgres" ] || scripts/apt-install.sh postgresql-15 >&2
    [ -x "$bin/postgres" ] || { echo "PostgreSQL 15 could not be installed ($bin/postgres is missing)." >&2; exit 1; }
    if [ -f "$dir/postmaster.pid" ]; then as_owner "$bin/pg_ctl" -D "$dir" -m immediate stop >/dev/null 2>&1 || true; fi
    rm -rf "$dir"
    mkdir -p "$dir"
    [ "$(id -u)" -ne 0 ] || chown postgres: "$dir"
    as_owner "$bin/initdb" -D "$dir" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir.log" 2>&1 \
        || { cat "$dir.log" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 start -o \
        "-h 127.0.0.1 -p $port -k $dir -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        >"$dir.log" 2>&1 || { cat "$dir.log" "$dir/server.log" >&2; exit 1; }
    echo "Host=127.0.0.1;Port=$port;Username=postgres"
    ;;
stop)
    [ -f "$dir/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$dir" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$dir" "$dir.log"
    ;;
*) echo "usage: $0 start|stop [DIR]" >&2; exit 2 ;;
esac
