#!/usr/bin/env bash
# bench/scale.sh — one instance against two on PostgreSQL and Redis, behind nginx, and revocation's propagation between
# them (issue 16, "Tests" → "Benchmark").
#
# Publishes src/Web in Release once, starts a throwaway PostgreSQL 15 cluster (scripts/postgres-server.sh, on its own
# port and folder, durability off) and a throwaway redis-server (own port, no persistence), seeds the demo workspace
# into the database "fieldcamp_bench" by a first start in Development, and mints the bench key with the CLI. Then, all
# side by side, in Production with the shipped appsettings.json:
#   A, B   two instances on that database, both with Redis:Configuration (shared limits, key changes, key ring) and
#          ForwardedHeaders:KnownProxies 127.0.0.1 (they sit behind nginx, as in the README)
#   S      one instance on a SQLite file of its own, without Redis (as one instance ships), for comparison
#   nginx  config written to the work folder, two listeners: "one" proxies to A alone, "two" to A and B (round robin,
#          keep-alive to the upstreams), so one instance and two are both measured through the same proxy
# Only the store, Redis, the forwarded-headers setting and the company's shared limit (RateLimits__RequestsPerMinute,
# raised so that no scenario meets it) differ from what ships.
#
# Scenarios (wrk through bench/cycle.lua, as bench/auth.sh; x = the key sent as X-Api-Key instead of Bearer):
#   one, onex   GET /api/v1/company-info with the key through nginx, upstream A alone            -> 200
#   two, twox   the same, upstream A and B                                                       -> 200
#   pa, pb, pbx, pa2   straight at A: GET /health, the key (Bearer, X-Api-Key), GET /health again -> 200
#   sa, sb, sbx, sa2   the same straight at S (SQLite, no Redis)                                  -> 200
# Each scenario first runs BENCH_WARMUP unmeasured while every answer's status is tallied (anything but 200 fails the
# run), then BENCH_ROUNDS measured rounds, every round running all scenarios in the order above, so that one and two,
# and PostgreSQL+Redis and SQLite, see the same phase of the machine. Figures (medians of the per-round ratios):
#   (a) two ÷ one through nginx;  (b) key ÷ health straight at A (health = the mean of pa and pa2, as in auth.sh);
#   (c) key ÷ health straight at S.
# Then revocation's propagation, BENCH_REVOCATIONS times (bench/probe.py propagation): a key created through A's API,
# made warm on B (200s from B), revoked with DELETE on A, and B asked on a kept-alive connection as fast as it answers
# until it says 401 key_revoked: milliseconds from the DELETE's answer (and from its sending) to that 401, median and
# worst; and once with the CLI (`apikey revoke`, which publishes too), from its exit and from its launch.
#
# Exit status: 0 when the benchmark ran (whatever the figures); 1 when setup failed; 3 when a scenario got other
# answers than 200 or B took no share of the two-instance load (the numbers would not mean what they say).
#
# Environment (all optional):
#   BENCH_THREADS=2 BENCH_CONNECTIONS=32 BENCH_DURATION=10s   wrk -t/-c/-d for every measured run
#   BENCH_WARMUP=10s                duration of each scenario's warm-up/check run
#   BENCH_ROUNDS=3                  measured rounds; the median is reported
#   BENCH_REVOCATIONS=20            revocations through the API (0 skips them, and the CLI's)
#   BENCH_CLI_REVOCATION=1          also one revocation with the CLI (0 skips it)
#   BENCH_PG_PORT=55433             the throwaway cluster's port (the tests use 55432: never that one)
#   BENCH_NGINX_WORKERS=auto        nginx's worker_processes
#   BENCH_KEEP=1                    keep the work folder (logs, wrk output, configs) instead of deleting it
set -Eeuo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)

THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-10s}
ROUNDS=${BENCH_ROUNDS:-3}
REVOCATIONS=${BENCH_REVOCATIONS:-20}
CLI_REVOCATION=${BENCH_CLI_REVOCATION:-1}
PG_PORT=${BENCH_PG_PORT:-55433}
NGINX_WORKERS=${BENCH_NGINX_WORKERS:-auto}
KEEP=${BENCH_KEEP:-0}
COMPANY_LIMIT=100000000
API=/api/v1/company-info

log() { printf '[scale.sh] %s\n' "$*" >&2; }
die() { printf '[scale.sh] SETUP FAILED: %s\n' "$*" >&2; exit 1; }

[ "$PG_PORT" != 55432 ] || die "BENCH_PG_PORT=55432 is the tests' cluster; pick another port"

# ---------------------------------------------------------------------------------------------------- tools
command -v dotnet >/dev/null || die "the .NET SDK (dotnet) is not on PATH"
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v python3 >/dev/null || missing+=(python3)
command -v curl >/dev/null || missing+=(curl)
[ -x /usr/bin/redis-server ] || missing+=(redis-server)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
[ ${#missing[@]} -eq 0 ] || "$REPO/scripts/apt-install.sh" "${missing[@]}" || die "apt-get install ${missing[*]} failed"
command -v wrk >/dev/null || die "wrk still missing after apt-get install"
[ -x /usr/bin/redis-server ] && [ -x /usr/sbin/nginx ] || die "redis-server or nginx still missing after apt-get install"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port_taken() { python3 -c 'import socket, sys; s=socket.socket(); sys.exit(s.connect_ex(("127.0.0.1", int(sys.argv[1]))) != 0)' "$1"; }
! port_taken "$PG_PORT" || die "port $PG_PORT is taken; set BENCH_PG_PORT to a free one"

# ---------------------------------------------------------------------------------------------------- work folder, cleanup
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fieldcamp-scale.XXXXXX")
APP="$WORK/app"
PG_DIR="$WORK-postgres"      # beside the work folder, not in it: as root, the cluster belongs to the postgres user
PG_STARTED=0
declare -A SERVER_PID=() SERVER_BASE=() SERVER_LOG=()
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

# ---------------------------------------------------------------------------------------------------- PostgreSQL, Redis
log "starting a throwaway PostgreSQL 15 cluster on 127.0.0.1:$PG_PORT ($PG_DIR)"
PG_STARTED=1
PG_BASE=$(FIELDCAMP_PG_PORT=$PG_PORT "$REPO/scripts/postgres-server.sh" start "$PG_DIR") || die "PostgreSQL did not start"
psql_bench() { psql "host=127.0.0.1 port=$PG_PORT user=postgres dbname=${PSQL_DB:-postgres}" -v ON_ERROR_STOP=1 -qtA "$@"; }
psql_bench -c "CREATE DATABASE fieldcamp_bench" || die "CREATE DATABASE fieldcamp_bench failed"
PG_VERSION=$(psql_bench -c "SHOW server_version")

REDIS_PORT=$(free_port)
mkdir -p "$WORK/redis"
log "starting a throwaway redis-server on 127.0.0.1:$REDIS_PORT (no persistence)"
(cd "$WORK/redis" && exec /usr/bin/redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
    --dir "$WORK/redis" --daemonize no) >"$WORK/redis.log" 2>&1 &
SERVER_PID[redis]=$!
for i in $(seq 1 50); do
    [ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null || true)" = PONG ] && break
    [ "$i" -lt 50 ] || { cat "$WORK/redis.log" >&2; die "redis-server did not answer PING within 5 s"; }
    sleep 0.1
done
REDIS_VERSION=$(redis-cli -p "$REDIS_PORT" info server | tr -d '\r' | sed -n 's/^redis_version://p')

# ---------------------------------------------------------------------------------------------------- servers
PG_ENV=(
    "Database__Provider=Postgres"
    "ConnectionStrings__Default=$PG_BASE;Database=fieldcamp_bench"
    "Redis__Configuration=127.0.0.1:$REDIS_PORT"
    "ForwardedHeaders__KnownProxies__0=127.0.0.1"
    "RateLimits__RequestsPerMinute=$COMPANY_LIMIT"
)
SQLITE_ENV=(
    "ConnectionStrings__Default=Data Source=$WORK/bench.db"
    "RateLimits__RequestsPerMinute=$COMPANY_LIMIT"
)
start_server() { # start_server NAME STORE(pg|sqlite) ENVIRONMENT: starts the app on a free port, waits for /health/ready
    local name=$1 environment=$3 port base logfile pid
    local -n settings="${2^^}_ENV"
    port=$(free_port); base="http://127.0.0.1:$port"; logfile="$WORK/server-$name.log"
    log "starting the $name server on $base ($environment, $2)"
    (cd "$APP" && exec env "${settings[@]}" dotnet FieldCamp.Web.dll --environment "$environment" --urls "$base") \
        >>"$logfile" 2>&1 &
    pid=$!
    SERVER_PID[$name]=$pid; SERVER_BASE[$name]=$base; SERVER_LOG[$name]=$logfile
    for i in $(seq 1 240); do
        kill -0 "$pid" 2>/dev/null || { tail -40 "$logfile" >&2; die "the $name server exited during startup"; }
        [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$base/health/ready" || true)" = 200 ] && break
        [ "$i" -lt 240 ] || { tail -40 "$logfile" >&2; die "GET /health/ready on the $name server did not answer 200 within 120 s"; }
        sleep 0.5
    done
}
cli() { # cli STORE ARGS...: the app's command line against that store
    local -n settings="${1^^}_ENV"; shift
    (cd "$APP" && env "${settings[@]}" dotnet FieldCamp.Web.dll "$@")
}
mint_cli() { # mint_cli STORE: the bench key, minted with the CLI
    local key
    key=$(cli "$1" apikey create --company acme --name bench --scopes "*" --expires-in-days 90 2>"$WORK/cli.err") \
        || { cat "$WORK/cli.err" >&2; die "apikey create ($1) failed"; }
    key=$(printf '%s' "$key" | tr -d '[:space:]')
    python3 "$BENCH_DIR/keys.py" check "$key" || die "the minted key does not pass keys.py's checksum check (format drift?)"
    printf '%s' "$key"
}

# First starts in Development seed the demo workspace (company "acme"); the measured servers then run in Production.
start_server seed-pg pg Development
stop_server seed-pg
start_server seed-sqlite sqlite Development
stop_server seed-sqlite
log "minting the bench keys with the CLI (apikey create --company acme --name bench --scopes '*')"
KEY_PG=$(mint_cli pg)
KEY_SQ=$(mint_cli sqlite)
printf '%s\n' "$KEY_PG" >"$WORK/key-pg.txt"
printf '%s\n' "$KEY_SQ" >"$WORK/key-sqlite.txt"

start_server A pg Production
start_server B pg Production
start_server S sqlite Production

# ---------------------------------------------------------------------------------------------------- nginx
NGINX_DIR="$WORK/nginx"
mkdir -p "$NGINX_DIR/tmp"
PORT_ONE=$(free_port); PORT_TWO=$(free_port)
A_HOSTPORT=${SERVER_BASE[A]#http://}; B_HOSTPORT=${SERVER_BASE[B]#http://}
{
    # As root, nginx's workers would otherwise run as nobody, who cannot enter the work folder (mktemp made it 0700).
    [ "$(id -u)" -ne 0 ] || echo "user root;"
    cat <<NGINX
daemon off;
worker_processes $NGINX_WORKERS;
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $NGINX_DIR/tmp/client_body;
    proxy_temp_path $NGINX_DIR/tmp/proxy;
    fastcgi_temp_path $NGINX_DIR/tmp/fastcgi;
    uwsgi_temp_path $NGINX_DIR/tmp/uwsgi;
    scgi_temp_path $NGINX_DIR/tmp/scgi;
    keepalive_requests 10000000;          # wrk's connections stay open for the whole run

    upstream fieldcamp_one {
        server $A_HOSTPORT;
        keepalive 64;
        keepalive_requests 10000000;
    }
    upstream fieldcamp_two {
        server $A_HOSTPORT;
        server $B_HOSTPORT;
        keepalive 64;
        keepalive_requests 10000000;
    }
    proxy_http_version 1.1;               # keep-alive to the instances
    proxy_set_header Connection "";
    proxy_set_header Host \$host;
    proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto \$scheme;

    server {
        listen 127.0.0.1:$PORT_ONE;
        location / { proxy_pass http://fieldcamp_one; }
    }
    server {
        listen 127.0.0.1:$PORT_TWO;
        location / { proxy_pass http://fieldcamp_two; }
    }
}
NGINX
} >"$NGINX_DIR/nginx.conf"
/usr/sbin/nginx -t -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -e "$NGINX_DIR/error.log" >"$WORK/nginx-test.log" 2>&1 \
    || { cat "$WORK/nginx-test.log" >&2; die "nginx -t refused the config ($NGINX_DIR/nginx.conf)"; }
log "starting nginx: one instance on 127.0.0.1:$PORT_ONE, two on 127.0.0.1:$PORT_TWO ($NGINX_DIR/nginx.conf)"
/usr/sbin/nginx -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -e "$NGINX_DIR/error.log" >>"$WORK/nginx.log" 2>&1 &
SERVER_PID[nginx]=$!
SERVER_BASE[one]="http://127.0.0.1:$PORT_ONE"; SERVER_BASE[two]="http://127.0.0.1:$PORT_TWO"
for i in $(seq 1 50); do
    [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "${SERVER_BASE[two]}/health" || true)" = 200 ] && break
    [ "$i" -lt 50 ] || { cat "$WORK/nginx.log" "$NGINX_DIR/error.log" >&2; die "nginx did not answer within 5 s"; }
    sleep 0.1
done
NGINX_VERSION=$(/usr/sbin/nginx -v 2>&1 | sed 's/^nginx version: //')

# ---------------------------------------------------------------------------------------------------- pre-flight checks
expect() { # expect NAME URL STATUS BODY_SUBSTRING [curl header args...]
    local name=$1 url=$2 status=$3 needle=$4 got; shift 4
    got=$(curl -s -o "$WORK/expect.body" -w '%{http_code}' -m 10 "$@" "$url" || true)
    if [ "$got" != "$status" ] || ! grep -q -- "$needle" "$WORK/expect.body"; then
        log "$name: expected $status with '$needle', got $got: $(head -c 400 "$WORK/expect.body")"
        return 1
    fi
    log "check ok: $name -> $got ($needle)"
}
ok=1
for target in one two A B; do
    expect "key, Bearer, $target" "${SERVER_BASE[$target]}$API" 200 '"api_key"' -H "Authorization: Bearer $KEY_PG" || ok=0
    expect "key, X-Api-Key, $target" "${SERVER_BASE[$target]}$API" 200 '"api_key"' -H "X-Api-Key: $KEY_PG" || ok=0
done
expect "key, Bearer, S" "${SERVER_BASE[S]}$API" 200 '"api_key"' -H "Authorization: Bearer $KEY_SQ" || ok=0
expect "health, A" "${SERVER_BASE[A]}/health" 200 Healthy || ok=0
expect "health, S" "${SERVER_BASE[S]}/health" 200 Healthy || ok=0
expect "ready, A (PostgreSQL and Redis)" "${SERVER_BASE[A]}/health/ready" 200 Healthy || ok=0
[ "$ok" = 1 ] || die "the servers do not answer as expected; not benchmarking"

# ---------------------------------------------------------------------------------------------------- scenarios
declare -A URL MODES FILES PIDS LABELS
ORDER=()
def() { # def ID TARGET PATH MODE FILE "PIDS TO WATCH" LABEL
    URL[$1]="${SERVER_BASE[$2]}$3"; MODES[$1]=$4; FILES[$1]=$5; PIDS[$1]=$6; LABELS[$1]=$7; ORDER+=("$1")
}
AB="${SERVER_PID[A]} ${SERVER_PID[B]}"
# One and two back to back, per header; then the ratios' sides back to back on each server, health before and after.
def one  one $API    bearer    "$WORK/key-pg.txt"     "$AB" "one) nginx -> A, key, Bearer"
def two  two $API    bearer    "$WORK/key-pg.txt"     "$AB" "two) nginx -> A+B, key, Bearer"
def onex one $API    x-api-key "$WORK/key-pg.txt"     "$AB" "onex) nginx -> A, key, X-Api-Key"
def twox two $API    x-api-key "$WORK/key-pg.txt"     "$AB" "twox) nginx -> A+B, key, X-Api-Key"
def pa   A   /health none      -                      "${SERVER_PID[A]}" "pa) A (PG+Redis), GET /health"
def pb   A   $API    bearer    "$WORK/key-pg.txt"     "${SERVER_PID[A]}" "pb) A (PG+Redis), key, Bearer"
def pbx  A   $API    x-api-key "$WORK/key-pg.txt"     "${SERVER_PID[A]}" "pbx) A (PG+Redis), key, X-Api-Key"
def pa2  A   /health none      -                      "${SERVER_PID[A]}" "pa2) A (PG+Redis), GET /health again"
def sa   S   /health none      -                      "${SERVER_PID[S]}" "sa) S (SQLite), GET /health"
def sb   S   $API    bearer    "$WORK/key-sqlite.txt" "${SERVER_PID[S]}" "sb) S (SQLite), key, Bearer"
def sbx  S   $API    x-api-key "$WORK/key-sqlite.txt" "${SERVER_PID[S]}" "sbx) S (SQLite), key, X-Api-Key"
def sa2  S   /health none      -                      "${SERVER_PID[S]}" "sa2) S (SQLite), GET /health again"

# ---------------------------------------------------------------------------------------------------- measuring
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_mb() { awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
CLK_TCK=$(getconf CLK_TCK)
# Waits until the given processes are idle (together under 5 % of a core for two samples in a row), so work queued by
# one scenario (the usage writer's backlog, the logger's queue) is not billed to the next.
wait_idle() { # wait_idle "PID..."
    local start prev now calm=0 pid
    start=$(date +%s)
    prev=0; for pid in $1; do prev=$((prev + $(cpu_ticks "$pid"))); done
    while :; do
        sleep 0.5
        now=0; for pid in $1; do now=$((now + $(cpu_ticks "$pid"))); done
        if [ $(( (now - prev) * 100 )) -le $(( CLK_TCK * 5 / 2 )) ]; then calm=$((calm + 1)); else calm=0; fi
        prev=$now
        [ "$calm" -ge 2 ] && break
        [ $(( $(date +%s) - start )) -le 120 ] || { log "servers still busy after 120 s; going on"; break; }
    done
}
run_wrk() { # run_wrk SCENARIO DURATION CHECK OUTFILE
    local s=$1 out=$4
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$2" --latency -s "$BENCH_DIR/cycle.lua" "${URL[$s]}" \
        -- "${MODES[$s]}" "${FILES[$s]}" "$THREADS" cycle "$3" >"$out" 2>&1 \
        || { cat "$out" >&2; die "wrk failed for scenario $s"; }
}
field() { sed -n "s/.*[ ]$2=\([0-9]*\).*/\1/p" "$1" | head -1; } # field FILE NAME  (from the BENCH_RESULT line)
redis_commands() { redis-cli -p "$REDIS_PORT" info stats | tr -d '\r' | sed -n 's/^total_commands_processed://p'; }
pg_transactions() { psql_bench -c "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = 'fieldcamp_bench'"; }
declare -A RPS_ALL P50 P99 PROBLEMS B_SHARE REDIS_PER PG_PER
INVALID=0
note_problem() { PROBLEMS[$1]="${PROBLEMS[$1]:+${PROBLEMS[$1]}; }$2"; INVALID=1; }

warm_and_check() { # every answer of the warm-up run must be a 200
    local s=$1 out="$WORK/wrk-$1-warmup.txt" statuses requests
    case "$s" in pa2 | sa2) return 0 ;; esac
    run_wrk "$s" "$WARMUP" check "$out"
    statuses=$(sed -n 's/^BENCH_STATUS //p' "$out"); requests=$(field "$out" requests)
    log "warm-up ${LABELS[$s]}: $requests requests, answers: $statuses"
    [ "$statuses" = "200=$requests" ] || note_problem "$s" "warm-up answers $statuses (expected 200 only)"
    sleep 0.5; wait_idle "${PIDS[$s]}"
}
measure() { # measure SCENARIO ROUND
    local s=$1 r=$2 out="$WORK/wrk-$1-round$2.txt" a0 b0 a1 b1 requests dur non2xx sockerr redis0 pg0
    a0=$(cpu_ticks "${SERVER_PID[A]}"); b0=$(cpu_ticks "${SERVER_PID[B]}")
    redis0=$(redis_commands); pg0=$(pg_transactions)
    run_wrk "$s" "$DURATION" nocheck "$out"
    a1=$(cpu_ticks "${SERVER_PID[A]}"); b1=$(cpu_ticks "${SERVER_PID[B]}")
    requests=$(field "$out" requests); dur=$(field "$out" duration_us); non2xx=$(field "$out" non2xx)
    sockerr=$(( $(field "$out" connect) + $(field "$out" read) + $(field "$out" write) + $(field "$out" timeout) ))
    RPS_ALL[$s]="${RPS_ALL[$s]:-} $(awk -v n="$requests" -v d="$dur" 'BEGIN { printf "%.0f", n / (d / 1e6) }')"
    P50[$s]=$(field "$out" p50_us); P99[$s]=$(field "$out" p99_us)
    [ "$non2xx" -eq 0 ] || note_problem "$s" "round $r: $non2xx non-2xx answers of $requests"
    [ "$sockerr" -eq 0 ] || note_problem "$s" "round $r: $sockerr socket errors/timeouts"
    # Through the two-instance upstream, B must take about half the work: its share of A's and B's CPU shows it.
    if [[ "$s" == two* ]]; then
        B_SHARE[$s]=$(awk -v a=$((a1 - a0)) -v b=$((b1 - b0)) 'BEGIN { printf "%.2f", a + b ? b / (a + b) : 0 }')
        awk -v x="${B_SHARE[$s]}" 'BEGIN { exit !(x < 0.3) }' && note_problem "$s" "round $r: B did only ${B_SHARE[$s]} of the servers' CPU"
    fi
    for pid in ${PIDS[$s]}; do kill -0 "$pid" 2>/dev/null || die "a server died during scenario $s"; done
    wait_idle "${PIDS[$s]}"
    # After the drain (and PostgreSQL's statistics, flushed within a second): what each request cost the shared services.
    REDIS_PER[$s]=$(awk -v d=$(( $(redis_commands) - redis0 )) -v n="$requests" 'BEGIN { printf "%.2f", n ? d / n : 0 }')
    PG_PER[$s]=$(awk -v d=$(( $(pg_transactions) - pg0 )) -v n="$requests" 'BEGIN { printf "%.4f", n ? d / n : 0 }')
    log "measured ${LABELS[$s]} (round $r): $requests requests, $(echo "${RPS_ALL[$s]}" | awk '{ print $NF }') req/s"
}

log "wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $ROUNDS round(s) of: ${ORDER[*]} (warm-up/check runs: $WARMUP); $(nproc) CPUs shared by wrk, nginx and the servers"
for s in "${ORDER[@]}"; do warm_and_check "$s"; done
for r in $(seq 1 "$ROUNDS"); do
    for s in "${ORDER[@]}"; do measure "$s" "$r"; done
done

# ---------------------------------------------------------------------------------------------------- revocation
PROPAGATION="" CLI_PROPAGATION=""
if [ "$REVOCATIONS" -gt 0 ]; then
    log "revocation's propagation: $REVOCATIONS keys created on A, warm on B, revoked on A, B polled until 401"
    PROPAGATION=$(python3 "$BENCH_DIR/probe.py" propagation "${SERVER_BASE[A]}" "${SERVER_BASE[B]}" "$KEY_PG" "$REVOCATIONS" \
        2> >(tee "$WORK/propagation.log" >&2)) || die "the propagation measurement failed (see above)"
    if [ "$CLI_REVOCATION" = 1 ]; then
        log "once more, revoking with the CLI (apikey revoke)"

        CLI_PROPAGATION=$(cd "$APP" && python3 "$BENCH_DIR/probe.py" propagation-cli "${SERVER_BASE[A]}" "${SERVER_BASE[B]}" \
            "$KEY_PG" -- env "${PG_ENV[@]}" dotnet FieldCamp.Web.dll apikey revoke) || die "the CLI propagation measurement failed"
    fi
fi

# ---------------------------------------------------------------------------------------------------- report
median() { tr ' ,' '\n\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
worst() { tr ' ,' '\n\n' | grep -v '^$' | sort -g | tail -1; }
ms_median() { printf '%.1f' "$(median)"; }
declare -A RPS
for s in "${ORDER[@]}"; do RPS[$s]=$(echo "${RPS_ALL[$s]}" | median); done
# Health per round: the mean of the runs before and after the key runs.
mean_runs() { paste -d' ' <(echo "${RPS_ALL[$1]}" | tr ' ' '\n' | grep -v '^$') <(echo "${RPS_ALL[$2]}" | tr ' ' '\n' | grep -v '^$') \
    | awk '{ printf " %.0f", ($1 + $2) / 2 }'; }
RPS_ALL[phealth]=$(mean_runs pa pa2); RPS_ALL[shealth]=$(mean_runs sa sa2)
declare -A RATIO RATIO_ROUNDS
ratio() { # ratio NAME NUM DEN: the median of the per-round ratios, and the rounds'
    local out
    out=$(awk -v n="${RPS_ALL[$2]}" -v d="${RPS_ALL[$3]}" 'BEGIN {
        k = split(n, num, " "); split(d, den, " ")
        for (i = 1; i <= k; i++) { r[i] = den[i] > 0 ? num[i] / den[i] : 0; each = each sprintf(" %.2f", r[i]) }
        for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (r[j] < r[i]) { x = r[i]; r[i] = r[j]; r[j] = x }
        printf "%.3f|%s", k % 2 ? r[(k + 1) / 2] : (r[k / 2] + r[k / 2 + 1]) / 2, each }')
    RATIO[$1]=${out%%|*}; RATIO_ROUNDS[$1]=${out#*|}
}
ratio scale two one; ratio scalex twox onex
ratio pgkey pb phealth; ratio pgkeyx pbx phealth
ratio sqkey sb shealth; ratio sqkeyx sbx shealth

MEM_KB=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
echo
echo "FieldCamp Console — one instance against two, PostgreSQL + Redis ($(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $((MEM_KB / 1024)) MB RAM, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "PostgreSQL $PG_VERSION (throwaway cluster, fsync, synchronous_commit and full_page_writes off), Redis $REDIS_VERSION (no persistence), $NGINX_VERSION ($NGINX_WORKERS workers)"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $ROUNDS round(s), warm-up $WARMUP per scenario; wrk, nginx, redis, PostgreSQL and the three servers share the CPUs"
echo
printf '%-42s %9s %7s %7s %9s %8s  %s\n' "scenario" "req/s" "p50 ms" "p99 ms" "redis/req" "pg tx/req" "answers"
printf '%-42s %9s %7s %7s %9s %8s  %s\n' "--------" "-----" "------" "------" "---------" "--------" "-------"
for s in "${ORDER[@]}"; do
    note=${PROBLEMS[$s]:-all 200}
    [ -z "${B_SHARE[$s]:-}" ] || note="$note; B's share of the servers' CPU ${B_SHARE[$s]}"
    redis_per=${REDIS_PER[$s]}; pg_per=${PG_PER[$s]}
    [[ "$s" != s* ]] || { redis_per=-; pg_per=-; }   # S uses neither
    printf '%-42s %9s %7.2f %7.2f %9s %8s  %s\n' "${LABELS[$s]}" "${RPS[$s]}" \
        "$(awk -v v="${P50[$s]}" 'BEGIN { print v / 1000 }')" "$(awk -v v="${P99[$s]}" 'BEGIN { print v / 1000 }')" \
        "$redis_per" "$pg_per" "$note"
done
if [ "$ROUNDS" -gt 1 ]; then
    echo; echo "req/s per round (the table shows the median; latencies are from the last round):"
    for s in "${ORDER[@]}"; do printf '  %-42s%s\n' "${LABELS[$s]}" "${RPS_ALL[$s]}"; done
fi
echo "redis/req: commands Redis processed per request (last round; commands a script runs count too, and the heartbeats"
echo "and announcements are included); pg tx/req: PostgreSQL transactions in fieldcamp_bench per request (the usage"
echo "writer's batches included). Redis commands over the whole run, by name (calls, µs each in Redis):"
redis-cli -p "$REDIS_PORT" info commandstats | tr -d '\r' \
    | sed -n 's/^cmdstat_\([^:]*\):calls=\([0-9]*\),usec=[0-9]*,usec_per_call=\([0-9.]*\).*/\2 \1 \3/p' \
    | sort -rn | head -8 | awk '{ printf "  %s=%s (%.1f)", $2, $1, $3 } END { print "" }'
echo "redis-server's CPU over the whole run: $(redis-cli -p "$REDIS_PORT" info cpu | tr -d '\r' \
    | awk -F: '/^used_cpu_(user|sys):/ { t += $2 } END { printf "%.1f s", t }')"
echo
echo "figure                                                     value   rounds"
printf '%-56s %7s  %s\n' "(a) two instances / one, through nginx, Bearer" "${RATIO[scale]}" "${RATIO_ROUNDS[scale]}"
printf '%-56s %7s  %s\n' "(a) two instances / one, through nginx, X-Api-Key" "${RATIO[scalex]}" "${RATIO_ROUNDS[scalex]}"
printf '%-56s %7s  %s\n' "(b) key / health at A (PostgreSQL+Redis), Bearer" "${RATIO[pgkey]}" "${RATIO_ROUNDS[pgkey]}"
printf '%-56s %7s  %s\n' "(b) key / health at A (PostgreSQL+Redis), X-Api-Key" "${RATIO[pgkeyx]}" "${RATIO_ROUNDS[pgkeyx]}"
printf '%-56s %7s  %s\n' "(c) key / health at S (SQLite, no Redis), Bearer" "${RATIO[sqkey]}" "${RATIO_ROUNDS[sqkey]}"
printf '%-56s %7s  %s\n' "(c) key / health at S (SQLite, no Redis), X-Api-Key" "${RATIO[sqkeyx]}" "${RATIO_ROUNDS[sqkeyx]}"
if [ -n "$PROPAGATION" ]; then
    read -r after_answer after_send <<<"$PROPAGATION"
    printf '%-56s %7s  %s\n' "revocation on A -> 401 on B, ms after the DELETE's answer" \
        "$(echo "$after_answer" | ms_median)" "worst $(echo "$after_answer" | worst) of $REVOCATIONS (target < 1000)"
    printf '%-56s %7s  %s\n' "  the same, ms after the DELETE was sent" \
        "$(echo "$after_send" | ms_median)" "worst $(echo "$after_send" | worst)"
    echo "  each, ms after the answer: $after_answer"
fi
if [ -n "$CLI_PROPAGATION" ]; then
    read -r after_exit after_launch <<<"$CLI_PROPAGATION"
    printf '%-56s %7s  %s\n' "apikey revoke (CLI) -> 401 on B, ms after the CLI exited" "$after_exit" \
        "$after_launch ms after it was launched (negative: B refused the key before the CLI had exited)"
fi
echo
for name in A B S; do
    errors=$(grep -c -i -E '^fail:|exception' "${SERVER_LOG[$name]}" || true)
    echo "$name server: RSS $(rss_mb "${SERVER_PID[$name]}") MB; error/exception lines in its log: $errors (log: ${SERVER_LOG[$name]})"
done

if [ "$INVALID" = 1 ]; then
    KEEP=1
    log "some scenarios got unexpected answers (see the table): these numbers do not measure what they claim"
    exit 3
fi
exit 0
