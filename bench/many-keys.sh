#!/usr/bin/env bash
# bench/many-keys.sh — the app with many keys in its store against the same app with ten (issue 16, "Many keys").
#
# Publishes src/Web in Release and seeds two stores from one demo workspace (a first start in Development): one with 10
# keys, one with BENCH_KEYS (1,000,000). The bench key is minted by the app's CLI; the others are copies of its row,
# each with its own id and the SHA-256 digest of its own well-formed secret (bench/many_keys.py, one SQL transaction,
# no HTTP: about a minute for a million on two cores). The stores are SQLite files, or with BENCH_PROVIDER=Postgres
# two databases in a throwaway PostgreSQL 15 cluster (scripts/postgres-server.sh on its own port and folder, durability
# off; the large database is a copy of the small one, CREATE DATABASE … TEMPLATE, then seeded through psql's COPY).
# The servers run in Production with the appsettings.json that ships; only the store and the company's shared limit
# (raised so that throughput never meets it) differ. It prints three figures, each for 10 keys and for BENCH_KEYS:
#   1. start-up: milliseconds from the server listening (its first /health 200) to the first 200 for the bench key
#      (both asked every 10 ms): what the target is about; and, from launching the process, to that first 200 and to
#      the first 200 from /health/ready; each server started alone, BENCH_STARTS times, the median reported
#   2. memory: the server's resident set (VmRSS) once ready and after the throughput runs, BENCH_KEYS minus 10 keys
#   3. throughput: wrk with the bench key (Authorization: Bearer) on GET /api/v1/company-info, both servers up side
#      by side and their runs interleaved, the median of BENCH_ROUNDS; the ratio BENCH_KEYS / 10 keys is the median of
#      the rounds' ratios
# Targets (issue 16): the first authenticated request within 500 ms of the server listening, at most 100 MB per million keys,
# throughput at least 0.95 of the 10-key figure. Exit status: 0 when the benchmark ran (whatever the figures); 1 when
# setup failed.
#
# Environment (all optional):
#   BENCH_PROVIDER=Sqlite           the store: Sqlite, or Postgres
#   BENCH_PG_PORT=55433             with Postgres: the throwaway cluster's port (the tests use 55432: never that one)
#   BENCH_KEYS=1000000              keys in the large store (100000 for a quick run)
#   BENCH_STARTS=3                  start-up measurements per store
#   BENCH_THREADS=2 BENCH_CONNECTIONS=32 BENCH_DURATION=10s   wrk -t/-c/-d for every measured run
#   BENCH_WARMUP=10s                one warm-up run per server before the measured ones
#   BENCH_ROUNDS=5                  measured runs per server, interleaved; the median is reported
#   BENCH_KEEP=1                    keep the work folder (logs, databases) instead of deleting it
set -Eeuo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)

PROVIDER=${BENCH_PROVIDER:-Sqlite}
PG_PORT=${BENCH_PG_PORT:-55433}
KEYS=${BENCH_KEYS:-1000000}
SMALL=10
STARTS=${BENCH_STARTS:-3}
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-10s}
ROUNDS=${BENCH_ROUNDS:-5}
KEEP=${BENCH_KEEP:-0}
COMPANY_LIMIT=100000000
API=/api/v1/company-info

log() { printf '[many-keys.sh] %s\n' "$*" >&2; }
die() { printf '[many-keys.sh] SETUP FAILED: %s\n' "$*" >&2; exit 1; }

[[ "$KEYS" =~ ^[0-9]+$ ]] && [ "$KEYS" -gt "$SMALL" ] || die "BENCH_KEYS must be a whole number above $SMALL"
case "$PROVIDER" in Sqlite | Postgres) ;; *) die "BENCH_PROVIDER must be Sqlite or Postgres, not $PROVIDER" ;; esac
[ "$PROVIDER" = Sqlite ] || [ "$PG_PORT" != 55432 ] || die "BENCH_PG_PORT=55432 is the tests' cluster; pick another port"

# ---------------------------------------------------------------------------------------------------- tools
command -v dotnet >/dev/null || die "the .NET SDK (dotnet) is not on PATH"
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v python3 >/dev/null || missing+=(python3)
command -v curl >/dev/null || missing+=(curl)
[ ${#missing[@]} -eq 0 ] || "$REPO/scripts/apt-install.sh" "${missing[@]}" || die "apt-get install ${missing[*]} failed"
command -v wrk >/dev/null || die "wrk still missing after apt-get install"
if [ "$PROVIDER" = Postgres ] && python3 -c 'import socket, sys; s=socket.socket(); sys.exit(s.connect_ex(("127.0.0.1", int(sys.argv[1]))) != 0)' "$PG_PORT"; then
    die "port $PG_PORT is taken; set BENCH_PG_PORT to a free one"
fi

# ---------------------------------------------------------------------------------------------------- work folder, cleanup
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fieldcamp-many-keys.XXXXXX")
APP="$WORK/app"
PG_DIR="$WORK-postgres"      # beside the work folder, not in it: as root, the cluster belongs to the postgres user
PG_STARTED=0
declare -A SERVER_PID=() SERVER_BASE=()
stop_server() { # stop_server NAME
    local pid=${SERVER_PID[$1]:-}
    [ -n "$pid" ] || return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
    SERVER_PID[$1]=""
}
cleanup() {
    local status=$? name
    for name in "${!SERVER_PID[@]}"; do stop_server "$name"; done
    [ "$PG_STARTED" = 0 ] || FIELDCAMP_PG_PORT=$PG_PORT "$REPO/scripts/postgres-server.sh" stop "$PG_DIR" || true
    if [ "$KEEP" = 1 ] || [ "$status" -ne 0 ]; then
        log "work folder kept: $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------------- build
log "dotnet publish src/Web (Release) -> $APP"
attempt=1
until dotnet publish "$REPO/src/Web/FieldCamp.Web.csproj" -c Release -o "$APP" --artifacts-path "$WORK/artifacts" \
        --disable-build-servers -nologo -v q >"$WORK/publish.log" 2>&1; do
    if [ "$attempt" -ge 3 ]; then tail -40 "$WORK/publish.log" >&2; die "dotnet publish failed (see above)"; fi
    log "dotnet publish failed (attempt $attempt); retrying in 20 s"
    attempt=$((attempt + 1))
    sleep 20
done
[ -f "$APP/FieldCamp.Web.dll" ] || die "publish produced no FieldCamp.Web.dll"

# ---------------------------------------------------------------------------------------------------- stores
# A store is named by DB: a SQLite file, or a PostgreSQL database's name.
if [ "$PROVIDER" = Postgres ]; then
    log "starting a throwaway PostgreSQL 15 cluster on 127.0.0.1:$PG_PORT ($PG_DIR)"
    PG_STARTED=1
    PG_BASE=$(FIELDCAMP_PG_PORT=$PG_PORT "$REPO/scripts/postgres-server.sh" start "$PG_DIR") || die "PostgreSQL did not start"
fi
conninfo() { printf 'host=127.0.0.1 port=%s user=postgres dbname=%s' "$PG_PORT" "$1"; } # conninfo DB: for psql
psql_value() { psql "$(conninfo "$1")" -v ON_ERROR_STOP=1 -X -qtA -c "$2"; }              # psql_value DB SQL
server_env() { # server_env DB: the settings that differ from what ships
    if [ "$PROVIDER" = Postgres ]; then
        printf '%s\n' "Database__Provider=Postgres" "ConnectionStrings__Default=$PG_BASE;Database=$1"
    else
        printf '%s\n' "ConnectionStrings__Default=Data Source=$1"
    fi
    printf '%s\n' "RateLimits__RequestsPerMinute=$COMPANY_LIMIT"
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

start_server() { # start_server NAME DB ENVIRONMENT: starts the app on a free port and waits for /health/ready
    local name=$1 db=$2 environment=$3 port base pid
    port=$(free_port); base="http://127.0.0.1:$port"
    log "starting the $name server on $base ($environment, $(basename "$db"))"
    mapfile -t settings < <(server_env "$db")
    (cd "$APP" && exec env "${settings[@]}" dotnet FieldCamp.Web.dll --environment "$environment" --urls "$base") \
        >>"$WORK/server-$name.log" 2>&1 &
    pid=$!
    SERVER_PID[$name]=$pid; SERVER_BASE[$name]=$base
    for i in $(seq 1 240); do
        kill -0 "$pid" 2>/dev/null || { tail -40 "$WORK/server-$name.log" >&2; die "the $name server exited during startup"; }
        [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$base/health/ready" || true)" = 200 ] && break
        [ "$i" -lt 240 ] || { tail -40 "$WORK/server-$name.log" >&2; die "the $name server was not ready within 120 s"; }
        sleep 0.5
    done
}

if [ "$PROVIDER" = Postgres ]; then
    SMALL_DB="fieldcamp_keys_$SMALL"
    LARGE_DB="fieldcamp_keys_$KEYS"
    psql_value postgres "CREATE DATABASE $SMALL_DB" >/dev/null || die "CREATE DATABASE $SMALL_DB failed"
else
    SMALL_DB="$WORK/keys-$SMALL.db"
    LARGE_DB="$WORK/keys-$KEYS.db"
fi
start_server seed "$SMALL_DB" Development
stop_server seed
log "minting the bench key with the CLI"
mapfile -t settings < <(server_env "$SMALL_DB")
KEY=$(cd "$APP" && env "${settings[@]}" dotnet FieldCamp.Web.dll apikey create --company acme --name bench --scopes "*" \
    --expires-in-days 90 2>"$WORK/cli.err") || { cat "$WORK/cli.err" >&2; die "apikey create failed"; }
KEY=$(printf '%s' "$KEY" | tr -d '[:space:]')
python3 "$BENCH_DIR/keys.py" check "$KEY" || die "the minted key does not pass keys.py's checksum check (format drift?)"
log "seeding: $SMALL keys, then a copy with $KEYS"
if [ "$PROVIDER" = Postgres ]; then
    KEY_ID=$(psql_value "$SMALL_DB" "SELECT \"Id\" FROM \"ApiKeys\" WHERE \"Name\" = 'bench'") && [ -n "$KEY_ID" ] \
        || die "the bench key is not in the store"
    python3 "$BENCH_DIR/many_keys.py" seed-postgres "$(conninfo "$SMALL_DB")" "$SMALL" "$KEY_ID" || die "seeding $SMALL keys failed"
    # A copy of the whole database (no server is connected to it now), then the many keys added to the copy.
    psql_value postgres "CREATE DATABASE $LARGE_DB TEMPLATE $SMALL_DB" >/dev/null || die "copying $SMALL_DB failed"
    python3 "$BENCH_DIR/many_keys.py" seed-postgres "$(conninfo "$LARGE_DB")" "$KEYS" "$KEY_ID" || die "seeding $KEYS keys failed"
    log "database sizes: $(psql_value postgres "SELECT pg_size_pretty(pg_database_size('$SMALL_DB'))") and" \
        "$(psql_value postgres "SELECT pg_size_pretty(pg_database_size('$LARGE_DB'))")"
else
    KEY_ID=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT Id FROM ApiKeys WHERE Name = ?", ("bench",)).fetchone()[0])' "$SMALL_DB") \
        || die "the bench key is not in the store"
    python3 "$BENCH_DIR/many_keys.py" seed "$SMALL_DB" "$SMALL" "$KEY_ID" || die "seeding $SMALL keys failed"
    cp "$SMALL_DB" "$LARGE_DB"
    python3 "$BENCH_DIR/many_keys.py" seed "$LARGE_DB" "$KEYS" "$KEY_ID" || die "seeding $KEYS keys failed"
    log "store files: $(du -h "$SMALL_DB" | cut -f1) and $(du -h "$LARGE_DB" | cut -f1)"
fi

# ---------------------------------------------------------------------------------------------------- 1. start-up
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
declare -A FIRST=() READY=() AFTER_LISTENING=()
for n in $(seq 1 "$STARTS"); do
    for store in small large; do
        db=$([ "$store" = small ] && echo "$SMALL_DB" || echo "$LARGE_DB")
        port=$(free_port)
        mapfile -t settings < <(server_env "$db")
        got=$(cd "$APP" && python3 "$BENCH_DIR/many_keys.py" first-request "http://127.0.0.1:$port$API" "$KEY" "$WORK/start-$store.log" -- \
            env "${settings[@]}" dotnet FieldCamp.Web.dll --environment Production --urls "http://127.0.0.1:$port") \
            || die "start-up measurement $n ($store) failed"
        read -r first ready listening <<<"$got"
        log "start $n, $store store: listening after $listening ms, first authenticated 200 after $first ms, ready after $ready ms"
        FIRST[$store]+="$first "; READY[$store]+="$ready "; AFTER_LISTENING[$store]+="$((first - listening)) "
    done
done
first_small=$(tr ' ' '\n' <<<"${FIRST[small]}" | grep . | median); first_large=$(tr ' ' '\n' <<<"${FIRST[large]}" | grep . | median)
ready_small=$(tr ' ' '\n' <<<"${READY[small]}" | grep . | median); ready_large=$(tr ' ' '\n' <<<"${READY[large]}" | grep . | median)
after_small=$(tr ' ' '\n' <<<"${AFTER_LISTENING[small]}" | grep . | median); after_large=$(tr ' ' '\n' <<<"${AFTER_LISTENING[large]}" | grep . | median)

# ---------------------------------------------------------------------------------------------------- 2, 3. memory, throughput
rss_mb() { awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/${SERVER_PID[$1]}/status"; }
start_server small "$SMALL_DB" Production
start_server large "$LARGE_DB" Production
sleep 2
declare -A IDLE=() RPS=()
for store in small large; do IDLE[$store]=$(rss_mb "$store"); done
wrk_run() { # wrk_run NAME DURATION -> requests/s; fails on any non-2xx answer
    local out
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$2" -H "Authorization: Bearer $KEY" "${SERVER_BASE[$1]}$API")
    if grep -q "Non-2xx" <<<"$out"; then printf '%s\n' "$out" >&2; die "the $1 server answered something other than 200"; fi
    awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$out"
}
for store in small large; do log "warm-up, $store store ($WARMUP)"; wrk_run "$store" "$WARMUP" >/dev/null; done
for round in $(seq 1 "$ROUNDS"); do
    for store in small large; do
        rps=$(wrk_run "$store" "$DURATION")
        log "round $round, $store store: $rps requests/s"
        RPS[$store]+="$rps "
    done
done
declare -A LOADED=()
for store in small large; do LOADED[$store]=$(rss_mb "$store"); done
rps_small=$(tr ' ' '\n' <<<"${RPS[small]}" | grep . | median); rps_large=$(tr ' ' '\n' <<<"${RPS[large]}" | grep . | median)
# The ratio is the median of the per-round ratios: each round's two runs are back to back, so they share the machine's phase.
read -ra small_runs <<<"${RPS[small]}"; read -ra large_runs <<<"${RPS[large]}"
RATIOS=""
for i in "${!small_runs[@]}"; do RATIOS+="$(awk -v a="${large_runs[$i]}" -v b="${small_runs[$i]}" 'BEGIN { printf "%.3f", a / b }') "; done

# ---------------------------------------------------------------------------------------------------- figures
per_million() { awk -v d="$1" -v k="$KEYS" 'BEGIN { printf "%.0f", d * 1000000 / k }'; }
idle_diff=$((IDLE[large] - IDLE[small])); loaded_diff=$((LOADED[large] - LOADED[small]))
ratio=$(tr ' ' '\n' <<<"$RATIOS" | grep . | sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
verdict() { if [ "$1" = 1 ]; then echo "meets"; else echo "MISSES"; fi; }
cat <<REPORT

Many keys: $KEYS keys against $SMALL, $PROVIDER$([ "$PROVIDER" = Sqlite ] || echo " $(psql_value postgres "SHOW server_version" | cut -d' ' -f1) (throwaway cluster, fsync off)"), Production settings as shipped, $(nproc) cores
($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); load average $(cut -d' ' -f1-3 /proc/loadavg))

1. start-up (median of $STARTS)      $SMALL keys     $KEYS keys
   first authenticated 200, from the server listening (/health 200)
                               $(printf '%8s ms' "$after_small")  $(printf '%8s ms' "$after_large")   target <= 500 ms: $(verdict "$([ "$after_large" -le 500 ] && echo 1 || echo 0)")
   first authenticated 200, from launching the process
                               $(printf '%8s ms' "$first_small")  $(printf '%8s ms' "$first_large")
   /health/ready 200, from launching the process
                               $(printf '%8s ms' "$ready_small")  $(printf '%8s ms' "$ready_large")
   from launch, the first 200 took $((first_large - first_small)) ms longer with $KEYS keys
2. memory (VmRSS)
   once ready                  $(printf '%8s MB' "${IDLE[small]}")  $(printf '%8s MB' "${IDLE[large]}")   difference $idle_diff MB ($(per_million "$idle_diff") MB per million keys)
   after the throughput runs   $(printf '%8s MB' "${LOADED[small]}")  $(printf '%8s MB' "${LOADED[large]}")   difference $loaded_diff MB ($(per_million "$loaded_diff") MB per million keys)
   target <= 100 MB per million keys, after the runs: $(verdict "$([ "$(per_million "$loaded_diff")" -le 100 ] && echo 1 || echo 0)")
   ("once ready" includes what the start-up read of the digests left for the garbage collector: until the first
   collection, which the runs bring, the server holds it; what stays is the digest array, 8 MB per million keys)
3. throughput (median of $ROUNDS, wrk -t$THREADS -c$CONNECTIONS -d$DURATION, Bearer key, GET $API)
   requests/s                  $(printf '%11s' "$rps_small")  $(printf '%11s' "$rps_large")
   ratio $ratio (median of the rounds' ratios: $RATIOS)   target >= 0.95: $(verdict "$(awk -v r="$ratio" 'BEGIN { print (r >= 0.95) ? 1 : 0 }')")
REPORT
