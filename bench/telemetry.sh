#!/usr/bin/env bash
# bench/telemetry.sh — what OpenTelemetry costs in throughput (issue 16, "Operations": less than 5 %).
#
# Publishes src/Web in Release once, seeds the demo workspace into a fresh SQLite file (a first start in Development),
# mints the bench key with the CLI, and gives each server its own copy of that file. Two servers then run side by side
# in Production with the shipped appsettings.json:
#   off  telemetry off, as shipped (no OTEL_* variable: the OpenTelemetry SDK is not registered)
#   on   OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:PORT, OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf,
#        OTEL_METRIC_EXPORT_INTERVAL=5000: metrics and traces exported to bench/otlp_sink.py, a stand-in collector that
#        answers 200 to every export and counts the bytes it receives (so the exporter really serializes and sends)
# Only the database and the company's shared limit (RateLimits__RequestsPerMinute, raised so that no run meets it)
# differ otherwise. wrk (through bench/cycle.lua, as bench/auth.sh) sends GET /api/v1/company-info with the key as
# Authorization: Bearer: each server has a warm-up run whose every answer must be 200, then BENCH_ROUNDS measured
# rounds, interleaved (odd rounds off first, even rounds on first). The figure is on ÷ off, the median of the rounds'
# ratios; target >= 0.95. At the end the sink must have received both traces and metrics: otherwise the "on" server
# exported nothing, the figure means nothing, and the run fails.
#
# Exit status: 0 when the benchmark ran (whatever the ratio); 1 when setup failed; 3 when a run got other answers than
# 200, or the sink received no traces or no metrics.
#
# Environment (all optional):
#   BENCH_THREADS=2 BENCH_CONNECTIONS=32 BENCH_DURATION=10s   wrk -t/-c/-d for every measured run
#   BENCH_WARMUP=10s                one warm-up/check run per server before the measured ones
#   BENCH_ROUNDS=5                  measured runs per server, interleaved; the median is reported
#   BENCH_ON_ENV="K=V K2=V2"        extra settings for the "on" server only, e.g. OTEL_TRACES_EXPORTER=none (metrics
#                                   alone) or OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=0.1
#   BENCH_KEEP=1                    keep the work folder (logs, wrk output, databases) instead of deleting it
set -Eeuo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)

THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-10s}
ROUNDS=${BENCH_ROUNDS:-5}
KEEP=${BENCH_KEEP:-0}
COMPANY_LIMIT=100000000
METRIC_INTERVAL_MS=5000
API=/api/v1/company-info

log() { printf '[telemetry.sh] %s\n' "$*" >&2; }
die() { printf '[telemetry.sh] SETUP FAILED: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------------- tools
command -v dotnet >/dev/null || die "the .NET SDK (dotnet) is not on PATH"
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v python3 >/dev/null || missing+=(python3)
command -v curl >/dev/null || missing+=(curl)
[ ${#missing[@]} -eq 0 ] || "$REPO/scripts/apt-install.sh" "${missing[@]}" || die "apt-get install ${missing[*]} failed"
command -v wrk >/dev/null || die "wrk still missing after apt-get install"

# ---------------------------------------------------------------------------------------------------- work folder, cleanup
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fieldcamp-telemetry.XXXXXX")
APP="$WORK/app"
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

# ---------------------------------------------------------------------------------------------------- the sink
log "starting the OTLP sink (bench/otlp_sink.py)"
python3 "$BENCH_DIR/otlp_sink.py" "$WORK/sink.port" >"$WORK/sink.log" 2>&1 &
SERVER_PID[sink]=$!
for i in $(seq 1 50); do
    [ -s "$WORK/sink.port" ] && [ "$(tail -c1 "$WORK/sink.port" | od -An -c | tr -d ' ')" = '\n' ] && break
    [ "$i" -lt 50 ] || { cat "$WORK/sink.log" >&2; die "the OTLP sink did not start within 5 s"; }
    sleep 0.1
done
SINK="http://127.0.0.1:$(tr -d '[:space:]' <"$WORK/sink.port")"
sink_stats() { curl -s -m 5 "$SINK/stats"; }
sink_field() { # sink_field STATS PATH FIELD
    python3 -c 'import json, sys; print(json.loads(sys.argv[1]).get(sys.argv[2], {}).get(sys.argv[3], 0))' "$1" "$2" "$3"
}

# ---------------------------------------------------------------------------------------------------- servers
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
start_server() { # start_server NAME DB ENVIRONMENT [K=V ...]: starts the app on a free port and waits for /health/ready
    local name=$1 db=$2 environment=$3 port base logfile pid; shift 3
    port=$(free_port); base="http://127.0.0.1:$port"; logfile="$WORK/server-$name.log"
    log "starting the $name server on $base ($environment, $(basename "$db")${*:+; $*})"
    (cd "$APP" && exec env "ConnectionStrings__Default=Data Source=$db" "RateLimits__RequestsPerMinute=$COMPANY_LIMIT" "$@" \
        dotnet FieldCamp.Web.dll --environment "$environment" --urls "$base") >>"$logfile" 2>&1 &
    pid=$!
    SERVER_PID[$name]=$pid; SERVER_BASE[$name]=$base; SERVER_LOG[$name]=$logfile
    for i in $(seq 1 240); do
        kill -0 "$pid" 2>/dev/null || { tail -40 "$logfile" >&2; die "the $name server exited during startup"; }
        [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$base/health/ready" || true)" = 200 ] && break
        [ "$i" -lt 240 ] || { tail -40 "$logfile" >&2; die "the $name server was not ready within 120 s"; }
        sleep 0.5
    done
}

SEED_DB="$WORK/seed.db"
start_server seed "$SEED_DB" Development
stop_server seed
log "minting the bench key with the CLI"
KEY=$(cd "$APP" && env "ConnectionStrings__Default=Data Source=$SEED_DB" dotnet FieldCamp.Web.dll apikey create --company acme \
    --name bench --scopes "*" --expires-in-days 90 2>"$WORK/cli.err") || { cat "$WORK/cli.err" >&2; die "apikey create failed"; }
KEY=$(printf '%s' "$KEY" | tr -d '[:space:]')
python3 "$BENCH_DIR/keys.py" check "$KEY" || die "the minted key does not pass keys.py's checksum check (format drift?)"
printf '%s\n' "$KEY" >"$WORK/key.txt"
# Each server gets its own copy (SQLite's online backup: the copy is whole, WAL included), so neither waits on the
# other's writes (the request log).
for name in off on; do
    python3 -c 'import sqlite3, sys; s = sqlite3.connect(sys.argv[1]); d = sqlite3.connect(sys.argv[2]); s.backup(d); d.close(); s.close()' \
        "$SEED_DB" "$WORK/$name.db" || die "copying the seeded database failed"
done

start_server off "$WORK/off.db" Production
ON_ENV=("OTEL_EXPORTER_OTLP_ENDPOINT=$SINK" "OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf" "OTEL_METRIC_EXPORT_INTERVAL=$METRIC_INTERVAL_MS")
# shellcheck disable=SC2206 # word splitting is the point: "K=V K2=V2"
[ -z "${BENCH_ON_ENV:-}" ] || ON_ENV+=(${BENCH_ON_ENV})
start_server on "$WORK/on.db" Production "${ON_ENV[@]}"
for name in off on; do
    got=$(curl -s -o /dev/null -m 10 -w '%{http_code}' -H "Authorization: Bearer $KEY" "${SERVER_BASE[$name]}$API" || true)
    [ "$got" = 200 ] || die "the $name server answered $got to the bench key, not 200"
done
log "check ok: both servers answer 200 to the bench key"

# ---------------------------------------------------------------------------------------------------- measuring
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_mb() { awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
CLK_TCK=$(getconf CLK_TCK)
wait_idle() { # wait_idle PID: until under 5 % of a core for two samples in a row (the usage writer's backlog, exports)
    local start prev now calm=0
    start=$(date +%s); prev=$(cpu_ticks "$1")
    while :; do
        sleep 0.5
        now=$(cpu_ticks "$1")
        if [ $(( (now - prev) * 100 )) -le $(( CLK_TCK * 5 / 2 )) ]; then calm=$((calm + 1)); else calm=0; fi
        prev=$now
        [ "$calm" -ge 2 ] && break
        [ $(( $(date +%s) - start )) -le 120 ] || { log "server still busy after 120 s; going on"; break; }
    done
}
run_wrk() { # run_wrk NAME DURATION CHECK OUTFILE
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$2" --latency -s "$BENCH_DIR/cycle.lua" "${SERVER_BASE[$1]}$API" \
        -- bearer "$WORK/key.txt" "$THREADS" cycle "$3" >"$4" 2>&1 || { cat "$4" >&2; die "wrk failed against the $1 server"; }
}
field() { sed -n "s/.*[ ]$2=\([0-9]*\).*/\1/p" "$1" | head -1; } # field FILE NAME  (from the BENCH_RESULT line)
declare -A RPS_ALL=() CPU_US=() P50=() P99=() PROBLEMS=()
INVALID=0
SINK_TICKS=0   # the sink's CPU during the measured runs: it shares the machine with the servers
note_problem() { PROBLEMS[$1]="${PROBLEMS[$1]:+${PROBLEMS[$1]}; }$2"; INVALID=1; }

for name in off on; do
    out="$WORK/wrk-$name-warmup.txt"
    run_wrk "$name" "$WARMUP" check "$out"
    statuses=$(sed -n 's/^BENCH_STATUS //p' "$out"); requests=$(field "$out" requests)
    log "warm-up, $name: $requests requests, answers: $statuses"
    [ "$statuses" = "200=$requests" ] || note_problem "$name" "warm-up answers $statuses (expected 200 only)"
    wait_idle "${SERVER_PID[$name]}"
done
for round in $(seq 1 "$ROUNDS"); do
    order="off on"; [ $((round % 2)) = 1 ] || order="on off"
    for name in $order; do
        out="$WORK/wrk-$name-round$round.txt"; pid=${SERVER_PID[$name]}
        cpu0=$(cpu_ticks "$pid"); sink0=$(cpu_ticks "${SERVER_PID[sink]}")
        run_wrk "$name" "$DURATION" nocheck "$out"
        cpu1=$(cpu_ticks "$pid"); sink1=$(cpu_ticks "${SERVER_PID[sink]}")
        SINK_TICKS=$((SINK_TICKS + sink1 - sink0))
        requests=$(field "$out" requests); dur=$(field "$out" duration_us); non2xx=$(field "$out" non2xx)
        sockerr=$(( $(field "$out" connect) + $(field "$out" read) + $(field "$out" write) + $(field "$out" timeout) ))
        [ "$non2xx" -eq 0 ] || note_problem "$name" "round $round: $non2xx non-2xx answers of $requests"
        [ "$sockerr" -eq 0 ] || note_problem "$name" "round $round: $sockerr socket errors/timeouts"
        rps=$(awk -v n="$requests" -v d="$dur" 'BEGIN { printf "%.0f", n / (d / 1e6) }')
        RPS_ALL[$name]+=" $rps"
        CPU_US[$name]+=" $(awk -v t=$((cpu1 - cpu0)) -v hz="$CLK_TCK" -v n="$requests" 'BEGIN { printf "%.0f", n ? t / hz * 1e6 / n : 0 }')"
        P50[$name]=$(field "$out" p50_us); P99[$name]=$(field "$out" p99_us)
        kill -0 "$pid" 2>/dev/null || die "the $name server died during round $round"
        log "round $round, telemetry $name: $rps requests/s"
        wait_idle "$pid"
    done
done

# The last metric export comes at most one interval after the runs; traces go out in batches every few seconds.
sleep $(( METRIC_INTERVAL_MS / 1000 + 2 ))
STATS=$(sink_stats) || die "the OTLP sink does not answer"
TRACE_REQ=$(sink_field "$STATS" /v1/traces requests); TRACE_BYTES=$(sink_field "$STATS" /v1/traces bytes)
METRIC_REQ=$(sink_field "$STATS" /v1/metrics requests); METRIC_BYTES=$(sink_field "$STATS" /v1/metrics bytes)
# Both signals must have arrived, except one that BENCH_ON_ENV switched off (OTEL_TRACES_EXPORTER=none, ...).
SINK_OK=1
[[ " ${BENCH_ON_ENV:-} " == *" OTEL_TRACES_EXPORTER=none "* ]] || [ "$TRACE_BYTES" -gt 0 ] || SINK_OK=0
[[ " ${BENCH_ON_ENV:-} " == *" OTEL_METRICS_EXPORTER=none "* ]] || [ "$METRIC_BYTES" -gt 0 ] || SINK_OK=0
[ $((TRACE_BYTES + METRIC_BYTES)) -gt 0 ] || SINK_OK=0

# ---------------------------------------------------------------------------------------------------- report
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
RATIOS=$(paste -d' ' <(tr ' ' '\n' <<<"${RPS_ALL[on]}" | grep .) <(tr ' ' '\n' <<<"${RPS_ALL[off]}" | grep .) \
    | awk '{ printf " %.3f", $1 / $2 }')
RATIO=$(median <<<"$RATIOS")
MEM_KB=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
echo
echo "FieldCamp Console — telemetry's cost ($(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $((MEM_KB / 1024)) MB RAM, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "SQLite, Production settings as shipped; wrk -t$THREADS -c$CONNECTIONS -d$DURATION, Bearer key, GET $API; $ROUNDS round(s), interleaved"
echo
printf '%-34s %9s %7s %7s %12s %7s  %s\n' "server" "req/s" "p50 ms" "p99 ms" "srv CPU/req" "RSS MB" "answers"
printf '%-34s %9s %7s %7s %12s %7s  %s\n' "------" "-----" "------" "------" "-----------" "------" "-------"
for name in off on; do
    label=$([ "$name" = off ] && echo "telemetry off (as shipped)" || echo "telemetry on (OTLP http/protobuf)")
    printf '%-34s %9s %7.2f %7.2f %9s us %7s  %s\n' "$label" "$(median <<<"${RPS_ALL[$name]}")" \
        "$(awk -v v="${P50[$name]}" 'BEGIN { print v / 1000 }')" "$(awk -v v="${P99[$name]}" 'BEGIN { print v / 1000 }')" \
        "$(median <<<"${CPU_US[$name]}")" "$(rss_mb "${SERVER_PID[$name]}")" "${PROBLEMS[$name]:-all 200}"
done
echo "  req/s per round, off:${RPS_ALL[off]}"
echo "  req/s per round, on: ${RPS_ALL[on]}"
echo
printf 'on / off: %s (median of the rounds'"'"' ratios:%s)   target >= 0.95: %s\n' "$RATIO" "$RATIOS" \
    "$(awk -v r="$RATIO" -v ok="$SINK_OK" 'BEGIN { print ok ? (r >= 0.95 ? "PASS" : "MISS") : "n/a (not exported)" }')"
echo "the sink received: traces $TRACE_REQ exports, $TRACE_BYTES bytes; metrics $METRIC_REQ exports, $METRIC_BYTES bytes" \
    "(its CPU during the measured runs: $(awk -v t="$SINK_TICKS" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }') s)"
[ -z "${BENCH_ON_ENV:-}" ] || echo "the on server also had: $BENCH_ON_ENV"
for name in off on; do
    errors=$(grep -c -i -E '^fail:|exception' "${SERVER_LOG[$name]}" || true)
    echo "$name server: error/exception lines in its log: $errors (log: ${SERVER_LOG[$name]})"
done

if [ "$SINK_OK" = 0 ]; then
    KEEP=1
    log "the sink did not receive traces and metrics: the \"on\" server did not export, and the ratio measures nothing"
    exit 3
fi
if [ "$INVALID" = 1 ]; then
    KEEP=1
    log "a run got unexpected answers (see the table): these numbers do not measure what they claim"
    exit 3
fi
exit 0
