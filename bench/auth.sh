#!/usr/bin/env bash
# bench/auth.sh — authentication throughput of the hosted API, measured side by side in one run (DESIGN.md §10).
#
# Publishes src/Web in Release, starts it on a free loopback port (in Production, on a fresh SQLite file seeded with
# the demo company "acme" by a first start in Development), mints a key with the app's own CLI, signs a legacy HS256
# JWT, generates floods of bad-checksum and unknown (valid-checksum) keys, and runs wrk against:
#   a) GET /health, no credential                      -> 200
#   b) GET /api/v1/company-info, valid key (Bearer)    -> 200
#   x) the same with X-Api-Key (the other header a client may send) -> 200
#   c) GET /api/v1/company-info, legacy JWT (Bearer)   -> 200
#   d) bad-checksum flood (distinct keys, cycled)      -> 401 invalid_key
#   e) unknown-key flood (valid checksum, cycled)      -> 401 invalid_key
#   f) informational: unknown keys never repeated (each one new to the server), no target
# All scenarios use the same wrk threads/connections/duration and the same Lua request path (bench/cycle.lua).
# Each has a warm-up run that also tallies every response's status and problem code, then the measured run.
#
# Prints requests/s, latency, server CPU per request and memory, and the ratios against the §10 targets.
# Exit status: 0 when the benchmark ran (whatever the ratios); 1 when setup failed; 3 when a scenario got
# responses other than the expected ones (the numbers would not mean what they say).
#
# Environment (all optional):
#   BENCH_THREADS=2 BENCH_CONNECTIONS=32 BENCH_DURATION=10s   wrk -t/-c/-d for every measured run
#   BENCH_WARMUP=10s                duration of each warm-up/check run (under load on 2 cores, the JIT takes about ten
#                                   seconds to finish optimizing a request path; shorter, and round 1 measures slower code)
#   BENCH_UNKNOWN_KEYS=5000         distinct valid-checksum unknown keys (scenario e)
#   BENCH_BAD_KEYS=5000             distinct bad-checksum keys (scenario d)
#   BENCH_FRESH_KEYS=300000         keys for scenario f; 0 skips it
#   BENCH_HEADER=bearer             how the floods send their keys: bearer | x-api-key (the valid key is sent both ways,
#                                   b and x; JWTs: always bearer)
#   BENCH_ROUNDS=1                  repeat the measured runs (a..f) this many times; the median is reported
#   BENCH_SERVER_ENV="K=V K2=V2"    extra settings for the server and CLI (e.g. ApiKeys__Usage__MaxPendingRows=0)
#   BENCH_KEEP=1                    keep the work folder (logs, wrk output, database) instead of deleting it
set -Eeuo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)

THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-10s}
UNKNOWN_KEYS=${BENCH_UNKNOWN_KEYS:-5000}
BAD_KEYS=${BENCH_BAD_KEYS:-5000}
FRESH_KEYS=${BENCH_FRESH_KEYS:-300000}
HEADER_MODE=${BENCH_HEADER:-bearer}
ROUNDS=${BENCH_ROUNDS:-1}
KEEP=${BENCH_KEEP:-0}

log() { printf '[auth.sh] %s\n' "$*" >&2; }
die() { printf '[auth.sh] SETUP FAILED: %s\n' "$*" >&2; exit 1; }

case "$HEADER_MODE" in bearer | x-api-key) ;; *) die "BENCH_HEADER must be bearer or x-api-key" ;; esac

# ---------------------------------------------------------------------------------------------------- tools
command -v dotnet >/dev/null || die "the .NET SDK (dotnet) is not on PATH"
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v python3 >/dev/null || missing+=(python3)
command -v curl >/dev/null || missing+=(curl)
[ ${#missing[@]} -eq 0 ] || "$REPO/scripts/apt-install.sh" "${missing[@]}" || die "apt-get install ${missing[*]} failed"
command -v wrk >/dev/null || die "wrk still missing after apt-get install"

# ---------------------------------------------------------------------------------------------------- work folder, cleanup
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fieldcamp-bench.XXXXXX")
APP="$WORK/app"
SERVER_PID=""
cleanup() {
    local status=$?
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
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
# --artifacts-path keeps obj/ and bin/ out of the source tree, so this never collides with someone else's build.
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

# ---------------------------------------------------------------------------------------------------- server
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
SIGNING_KEY="bench-legacy-jwt-key-$(python3 -c 'import secrets; print(secrets.token_hex(24))')"   # 69 bytes
# Only the database, and the legacy JWT key scenario (c) needs, differ from what ships: logging stays as appsettings.json
# has it, so its cost is in the figures.
SERVER_ENV=(
    "ConnectionStrings__Default=Data Source=$WORK/bench.db"
    "LegacyJwt__SigningKey=$SIGNING_KEY"
    "LegacyJwt__Enabled=true"
)
# shellcheck disable=SC2206 # word splitting is the point: "K=V K2=V2"
[ -z "${BENCH_SERVER_ENV:-}" ] || SERVER_ENV+=(${BENCH_SERVER_ENV})

start_server() { # start_server ENVIRONMENT: starts the app and waits for /health
    log "starting the server on $BASE ($1)"
    (cd "$APP" && exec env "${SERVER_ENV[@]}" dotnet FieldCamp.Web.dll --environment "$1" --urls "$BASE") \
        >>"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    for i in $(seq 1 120); do
        kill -0 "$SERVER_PID" 2>/dev/null || { tail -40 "$WORK/server.log" >&2; die "the server exited during startup"; }
        [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$BASE/health" || true)" = 200 ] && break
        [ "$i" -lt 120 ] || { tail -40 "$WORK/server.log" >&2; die "GET /health did not answer 200 within 60 s"; }
        sleep 0.5
    done
}
stop_server() {
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

# A first start in Development seeds the demo workspace (company "acme") into the fresh database; the measured server
# then runs in Production, as a deployment would (no developer exception page, no DI scope validation).
start_server Development
stop_server
start_server Production

# ---------------------------------------------------------------------------------------------------- credentials
log "minting a key with the CLI (apikey create --company acme --name bench --scopes '*' --expires-in-days 90: responses carry its expiry header)"
KEY=$(cd "$APP" && env "${SERVER_ENV[@]}" dotnet FieldCamp.Web.dll apikey create --company acme --name bench --scopes "*" --expires-in-days 90 \
    2>"$WORK/cli.err") || { cat "$WORK/cli.err" >&2; die "apikey create failed"; }
KEY=$(printf '%s' "$KEY" | tr -d '[:space:]')
# Cross-checks this script's checksum code against the server's: the CLI key must pass it.
python3 "$BENCH_DIR/keys.py" check "$KEY" || die "the minted key does not pass keys.py's checksum check (format drift?)"
JWT=$(python3 "$BENCH_DIR/keys.py" jwt "$SIGNING_KEY" '{"company":"acme"}')

printf '%s\n' "$KEY" >"$WORK/key.txt"
printf '%s\n' "$JWT" >"$WORK/jwt.txt"
log "generating $BAD_KEYS bad-checksum keys and $UNKNOWN_KEYS unknown valid-checksum keys"
python3 "$BENCH_DIR/keys.py" badsum "$BAD_KEYS" "$WORK/badsum.txt"
python3 "$BENCH_DIR/keys.py" unknown "$UNKNOWN_KEYS" "$WORK/unknown.txt"
if [ "$FRESH_KEYS" -gt 0 ]; then
    log "generating $FRESH_KEYS further unknown keys for the never-repeated flood (f)"
    python3 "$BENCH_DIR/keys.py" unknown "$FRESH_KEYS" "$WORK/fresh.txt"
fi

# ---------------------------------------------------------------------------------------------------- pre-flight checks
# One request per credential kind, with the body: status and problem code must be what the contract says.
expect() { # expect NAME STATUS BODY_SUBSTRING PATH [curl header args...]
    local name=$1 status=$2 needle=$3 path=$4; shift 4
    local got
    got=$(curl -s -o "$WORK/expect.body" -w '%{http_code}' -m 10 "$@" "$BASE$path" || true)
    if [ "$got" != "$status" ] || ! grep -q -- "$needle" "$WORK/expect.body"; then
        log "$name: expected $status with '$needle', got $got: $(head -c 400 "$WORK/expect.body")"
        return 1
    fi
    log "check ok: $name -> $got ($needle)"
}
cred_header() { # the header that carries a key in the chosen mode
    if [ "$HEADER_MODE" = bearer ]; then printf 'Authorization: Bearer %s' "$1"; else printf 'X-Api-Key: %s' "$1"; fi
}
ok=1
expect "health" 200 "Healthy" /health || ok=0
expect "no credential" 401 '"missing_credentials"' /api/v1/company-info || ok=0
expect "valid key, Bearer" 200 '"api_key"' /api/v1/company-info -H "Authorization: Bearer $KEY" || ok=0
expect "valid key, X-Api-Key" 200 '"api_key"' /api/v1/company-info -H "X-Api-Key: $KEY" || ok=0
expect "legacy JWT" 200 '"legacy_jwt"' /api/v1/company-info -H "Authorization: Bearer $JWT" || ok=0
expect "bad-checksum key" 401 '"invalid_key"' /api/v1/company-info -H "$(cred_header "$(head -1 "$WORK/badsum.txt")")" || ok=0
expect "unknown valid-checksum key" 401 '"invalid_key"' /api/v1/company-info -H "$(cred_header "$(head -1 "$WORK/unknown.txt")")" || ok=0
[ "$ok" = 1 ] || die "the server does not answer the scenarios as expected; not benchmarking"

# ---------------------------------------------------------------------------------------------------- measuring
server_cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat"; }
server_rss_mb() { awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$SERVER_PID/status"; }
server_hwm_mb() { awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$SERVER_PID/status"; }
CLK_TCK=$(getconf CLK_TCK)

# Waits until the server is idle (under 5 % of a core for two samples in a row), so work queued by one scenario
# (the usage writer's backlog, say) is not billed to the next. Prints the seconds it waited.
wait_idle() {
    local start prev now busy=0 calm=0
    start=$(date +%s.%N); prev=$(server_cpu_ticks)
    while :; do
        sleep 0.5
        now=$(server_cpu_ticks)
        if [ $(( (now - prev) * 100 )) -le $(( CLK_TCK * 5 / 2 )) ]; then calm=$((calm + 1)); else calm=0; busy=1; fi
        prev=$now
        [ "$calm" -ge 2 ] && break
        if awk -v s="$start" -v n="$(date +%s.%N)" 'BEGIN { exit !(n - s > 120) }'; then log "server still busy after 120 s; going on"; break; fi
    done
    awk -v s="$start" -v n="$(date +%s.%N)" -v b="$busy" 'BEGIN { printf "%.1f", b ? n - s - 1.0 : 0 }'
}

declare -A PATHS=([a]=/health [b]=/api/v1/company-info [x]=/api/v1/company-info [c]=/api/v1/company-info [d]=/api/v1/company-info
                  [e]=/api/v1/company-info [f]=/api/v1/company-info)
declare -A MODES=([a]=none [b]=bearer [x]=x-api-key [c]=bearer [d]=$HEADER_MODE [e]=$HEADER_MODE [f]=$HEADER_MODE)
declare -A FILES=([a]=- [b]="$WORK/key.txt" [x]="$WORK/key.txt" [c]="$WORK/jwt.txt" [d]="$WORK/badsum.txt" [e]="$WORK/unknown.txt"
                  [f]="$WORK/fresh.txt")
declare -A LAYOUTS=([a]=cycle [b]=cycle [x]=cycle [c]=cycle [d]=cycle [e]=cycle [f]=slice)
declare -A LABELS=([a]="a) GET /health, no credential" [b]="b) company-info, key as Bearer" [x]="x) company-info, key as X-Api-Key" [c]="c) company-info, legacy JWT"
                   [d]="d) bad-checksum flood" [e]="e) unknown-key flood (cycled)" [f]="f) unknown keys, never repeated")
declare -A EXPECT=([a]=200 [b]=200 [x]=200 [c]=200 [d]="401:invalid_key" [e]="401:invalid_key" [f]="401:invalid_key")
SCENARIOS=(a b x c d e)
[ "$FRESH_KEYS" -gt 0 ] && SCENARIOS+=(f)

declare -A RPS_ALL P50 P99 CPU_US CPU_ALL_US RSS PROBLEMS DRAIN
INVALID=0
KEY_REQUESTS=1   # the pre-flight request; warm-up and measured runs of b are added

run_wrk() { # run_wrk SCENARIO DURATION CHECK OUTFILE
    local s=$1 duration=$2 check=$3 out=$4
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$duration" --latency -s "$BENCH_DIR/cycle.lua" "$BASE${PATHS[$s]}" \
        -- "${MODES[$s]}" "${FILES[$s]}" "$THREADS" "${LAYOUTS[$s]}" "$check" >"$out" 2>&1 \
        || { cat "$out" >&2; die "wrk failed for scenario $s"; }
}
field() { sed -n "s/.*[ ]$2=\([0-9]*\).*/\1/p" "$1" | head -1; } # field FILE NAME  (from the BENCH_RESULT line)
note_problem() { PROBLEMS[$1]="${PROBLEMS[$1]:+${PROBLEMS[$1]}; }$2"; }

# Warm-up + verification: every response's status (and problem code) is tallied; all must be the expected one.
warm_and_check() {
    local s=$1 out="$WORK/wrk-$1-warmup.txt" statuses requests
    [ "$s" = f ] && return 0   # f's credentials are single-use; its warm-up is e's (same code path)
    run_wrk "$s" "$WARMUP" check "$out"
    statuses=$(sed -n 's/^BENCH_STATUS //p' "$out")
    requests=$(field "$out" requests)
    [ "$s" != b ] && [ "$s" != x ] || KEY_REQUESTS=$((KEY_REQUESTS + requests))
    log "warm-up ${LABELS[$s]}: $requests requests, responses: $statuses"
    if [ "$statuses" != "${EXPECT[$s]}=$requests" ]; then
        note_problem "$s" "warm-up responses $statuses (expected only ${EXPECT[$s]})"
        INVALID=1
    fi
    sleep 0.5; wait_idle >/dev/null
}

measure() { # measure SCENARIO ROUND
    local s=$1 r=$2 out="$WORK/wrk-$1-round$2.txt" cpu0 cpu1 cpu2 requests dur non2xx sockerr wraps drain
    cpu0=$(server_cpu_ticks)
    run_wrk "$s" "$DURATION" nocheck "$out"
    cpu1=$(server_cpu_ticks)
    requests=$(field "$out" requests); dur=$(field "$out" duration_us); non2xx=$(field "$out" non2xx)
    sockerr=$(( $(field "$out" connect) + $(field "$out" read) + $(field "$out" write) + $(field "$out" timeout) ))
    wraps=$(sed -n 's/^BENCH_WRAPPED //p' "$out")
    RPS_ALL[$s]="${RPS_ALL[$s]:-} $(awk -v n="$requests" -v d="$dur" 'BEGIN { printf "%.0f", n / (d / 1e6) }')"
    P50[$s]=$(field "$out" p50_us); P99[$s]=$(field "$out" p99_us)
    CPU_US[$s]=$(awk -v t=$((cpu1 - cpu0)) -v hz="$CLK_TCK" -v n="$requests" 'BEGIN { printf "%.0f", n ? t / hz * 1e6 / n : 0 }')
    RSS[$s]=$(server_rss_mb)
    case "${EXPECT[$s]}" in
        200) [ "$non2xx" -eq 0 ] || { note_problem "$s" "round $r: $non2xx non-2xx/3xx responses of $requests"; INVALID=1; } ;;
        *) [ "$non2xx" -eq "$requests" ] || { note_problem "$s" "round $r: $((requests - non2xx)) of $requests answered 2xx/3xx"; INVALID=1; } ;;
    esac
    [ "$sockerr" -eq 0 ] || note_problem "$s" "round $r: $sockerr socket errors/timeouts"
    [ "${LAYOUTS[$s]}" != slice ] || [ "${wraps:-0}" -eq 0 ] ||
        note_problem "$s" "round $r: ran out of fresh keys $wraps time(s); some were repeated (raise BENCH_FRESH_KEYS)"
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -40 "$WORK/server.log" >&2; die "the server died during scenario $s"; }
    drain=$(wait_idle)
    DRAIN[$s]="${DRAIN[$s]:-} $drain"
    cpu2=$(server_cpu_ticks)
    CPU_ALL_US[$s]=$(awk -v t=$((cpu2 - cpu0)) -v hz="$CLK_TCK" -v n="$requests" 'BEGIN { printf "%.0f", n ? t / hz * 1e6 / n : 0 }')
    [ "$s" != b ] && [ "$s" != x ] || KEY_REQUESTS=$((KEY_REQUESTS + requests))
    log "measured ${LABELS[$s]} (round $r): $requests requests, $(echo "${RPS_ALL[$s]}" | awk '{ print $NF }') req/s; server busy ${drain}s afterwards"
}

log "wrk -t$THREADS -c$CONNECTIONS -d$DURATION for every scenario (warm-up/check runs: $WARMUP); $(nproc) CPUs shared by wrk and the server"
for s in "${SCENARIOS[@]}"; do warm_and_check "$s"; done
for r in $(seq 1 "$ROUNDS"); do
    for s in "${SCENARIOS[@]}"; do
        if [ "$s" = f ] && [ "$r" -gt 1 ]; then continue; fi   # f's keys are used up after one round
        measure "$s" "$r"
    done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
declare -A RPS
for s in "${SCENARIOS[@]}"; do RPS[$s]=$(echo "${RPS_ALL[$s]}" | median); done

# ---------------------------------------------------------------------------------------------------- report
errors_500=$(grep -c -i -E 'fail:|exception' "$WORK/server.log" || true)
echo
echo "FieldCamp Console — authentication benchmark ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, wrk -t$THREADS -c$CONNECTIONS -d$DURATION, flood header: $HEADER_MODE, rounds: $ROUNDS)"
echo
printf '%-34s %8s %7s %7s %11s %14s %8s %7s  %s\n' "scenario" "req/s" "p50 ms" "p99 ms" "srv CPU/req" "+drain CPU/req" "drain s" "RSS MB" "responses"
printf '%-34s %8s %7s %7s %11s %14s %8s %7s  %s\n' "--------" "-----" "------" "------" "-----------" "--------------" "-------" "------" "---------"
for s in "${SCENARIOS[@]}"; do
    printf '%-34s %8s %7.2f %7.2f %8s us %11s us %8s %7s  %s\n' "${LABELS[$s]}" "${RPS[$s]}" \
        "$(awk -v v="${P50[$s]}" 'BEGIN { print v / 1000 }')" "$(awk -v v="${P99[$s]}" 'BEGIN { print v / 1000 }')" \
        "${CPU_US[$s]}" "${CPU_ALL_US[$s]}" "$(echo "${DRAIN[$s]}" | awk '{ print $NF }')" "${RSS[$s]}" \
        "${PROBLEMS[$s]:-all ${EXPECT[$s]/:/ }}"
done
if [ "$ROUNDS" -gt 1 ]; then
    echo; echo "req/s per round (the table shows the median; its other columns are from the last round):"
    for s in "${SCENARIOS[@]}"; do printf '  %-34s%s\n' "${LABELS[$s]}" "${RPS_ALL[$s]}"; done
fi
echo
# Each ratio is the median of the per-round ratios: the two scenarios of a round run back to back, so a slow phase of
# this shared machine (throughput drifts by 15 % from minute to minute) weighs on both sides of a round's ratio.
ratio() { # ratio LABEL NUM_SCENARIO DEN_SCENARIO TARGET
    awk -v l="$1" -v n="${RPS_ALL[$2]}" -v d="${RPS_ALL[$3]}" -v t="$4" 'BEGIN {
        k = split(n, num, " "); split(d, den, " ")
        for (i = 1; i <= k; i++) { r[i] = den[i] > 0 ? num[i] / den[i] : 0; each = each sprintf(" %.2f", r[i]) }
        for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (r[j] < r[i]) { x = r[i]; r[i] = r[j]; r[j] = x }
        m = k % 2 ? r[(k + 1) / 2] : (r[k / 2] + r[k / 2 + 1]) / 2
        printf "%-44s %6.3f   target >= %4.2f   %s%s\n", l, m, t, (m >= t ? "PASS" : "MISS"), (k > 1 ? "   (rounds:" each ")" : "") }'
}
ratio "key / health           (b / a)" b a 0.85
ratio "X-Api-Key key / health (x / a)" x a 0.85
ratio "key / legacy JWT       (b / c)" b c 1.00
ratio "bad-checksum flood / key  (d / b)" d b 1.00
ratio "unknown-key flood / key   (e / b)" e b 1.00
if [ -n "${RPS[f]:-}" ]; then
    awk -v n="${RPS[f]}" -v d="${RPS[b]}" 'BEGIN { printf "%-44s %6.2f   (informational, no target)\n", "never-repeated unknown keys / key (f / b)", d > 0 ? n / d : 0 }'
fi
echo
echo "server: peak RSS $(server_hwm_mb) MB; error/exception lines in its log: $errors_500 (log: $WORK/server.log)"
# Best effort (reads the app's own table): how much of the key's traffic reached the per-key request log.
usage_rows=$(python3 - "$WORK/bench.db" <<'PY' 2>/dev/null || true
import sqlite3, sys
print(*sqlite3.connect(sys.argv[1]).execute("select coalesce(sum(Count), 0), count(*) from ApiKeyRequests").fetchone())
PY
)
# wrk does not count the requests still in flight when a run stops (up to -c per run), so the count is approximate.
if [ -n "$usage_rows" ]; then
    read -r logged rows <<<"$usage_rows"
    echo "usage log: $logged requests logged (in $rows rows: alike requests within a second share one) for ~$KEY_REQUESTS" \
        "requests made with the key (~$(( KEY_REQUESTS > logged ? KEY_REQUESTS - logged : 0 )) not logged)"
fi
echo "srv CPU/req: server process CPU during the measured run / requests (wrk's own CPU not included);"
echo "+drain CPU/req: the same including the work the server kept doing after the run (drain s: how long it stayed busy)."

if [ "$INVALID" = 1 ]; then
    KEEP=1
    log "some scenarios got unexpected responses (see the table): these numbers do not measure what they claim"
    exit 3
fi
exit 0
