#!/usr/bin/env bash
# bench/auth.sh — authentication throughput of the hosted API, measured side by side in one run (DESIGN.md §10).
#
# Publishes src/Web in Release and starts it twice on free loopback ports, in Production with the appsettings.json that
# ships, on one fresh SQLite file (seeded with the demo company "acme" by a first start in Development):
#   main  the shipped configuration (failed-credential throttle on, RateLimits:FailedCredentialsPerMinute 60)
#   off   the same with RateLimits__FailedCredentialsPerMinute=0 (throttle off), for the floods only
# Both run side by side, and each round interleaves their scenarios, so "throttle off" and "throttle on" see the same
# machine. What differs from what ships: the database, a legacy JWT signing key (c), and the company's shared limit
# (RateLimits__RequestsPerMinute, raised so that the key scenarios never meet it). Logging is as shipped: its cost is
# in the figures.
#
# It mints a key with the app's CLI, keys with their own limits through the API, signs a legacy HS256 JWT, generates
# bad-checksum and unknown (valid-checksum) keys, and runs wrk against (x = the same with X-Api-Key; "Bearer" is
# Authorization: Bearer):
#   a)        GET /health, no credential                                        -> 200
#   b, bx)    GET /api/v1/company-info, valid key (company's shared limit)      -> 200
#   c)        the same with a legacy JWT (a Bearer credential only)             -> 200
#   g, gx)    a key with its own limit (the API's highest, 1,000,000/min): the limiter active, never refusing -> 200
#   a2)       GET /health again, after g and gx; "health" in the ratios is the mean of a and a2 in each round
#   h, hx)    a key with its own limit of 1/min, exhausted first              -> 429 rate_limited
#   d0, d0x)  bad-checksum flood (distinct keys, cycled), throttle off        -> 401 invalid_key
#   d1, d1x)  the same, throttle on                                           -> 429 too_many_failed_credentials
#   e0, e0x)  unknown-key flood (valid checksum, cycled), throttle off        -> 401 invalid_key
#   e1, e1x)  the same, throttle on                                           -> 429 too_many_failed_credentials
#   f, fx)    informational: unknown keys never repeated, throttle off, no target
# With the throttle on, each minute's first 60 failures are still answered 401 invalid_key; a key over a 1/min limit
# gets one 200 a minute: the checks allow exactly that many. g and gx each have their own key, allowed 1,000,000 a
# minute: a run longer than about 25 s (at 40,000 req/s) would meet that limit, and the check fails the run.
#
# Until the rate limiter and the failed-credential throttle are in the build, the script says so and goes on: the
# limiter is detected by the RateLimit-Limit header on an authenticated response (without it h, hx are skipped), the
# throttle by probing the main server with bad keys (without it d1..e1x expect 401s); their targets then print "n/a".
#
# All scenarios use the same wrk threads/connections/duration and the same Lua request path (bench/cycle.lua). Each
# has a warm-up run that also tallies every response's status and problem code, then the measured run(s).
# Prints requests/s, latency, server CPU per request, memory and log lines per request, and the ratios against the
# targets (issue 14, DESIGN.md §10). Exit status: 0 when the benchmark ran (whatever the ratios); 1 when setup
# failed; 3 when a scenario got responses other than the expected ones (the numbers would not mean what they say).
#
# Environment (all optional):
#   BENCH_THREADS=2 BENCH_CONNECTIONS=32 BENCH_DURATION=10s   wrk -t/-c/-d for every measured run
#   BENCH_WARMUP=10s                duration of each warm-up/check run (under load on 2 cores, the JIT takes about ten
#                                   seconds to finish optimizing a request path; shorter, and round 1 measures slower code)
#   BENCH_UNKNOWN_KEYS=5000         distinct valid-checksum unknown keys (e)
#   BENCH_BAD_KEYS=5000             distinct bad-checksum keys (d)
#   BENCH_FRESH_KEYS=300000         keys for each of f and fx; 0 skips them
#   BENCH_ROUNDS=1                  repeat the measured runs this many times; the median is reported
#   BENCH_SCENARIOS="a b d0 d1"     run only these scenarios (ratios whose two sides did not run print "not run")
#   BENCH_COMPANY_LIMIT=100000000   RateLimits__RequestsPerMinute for both servers (the company's shared bucket)
#   BENCH_SERVER_ENV="K=V K2=V2"    extra settings for both servers and the CLI (e.g. ApiKeys__Usage__MaxPendingRows=0)
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
ROUNDS=${BENCH_ROUNDS:-1}
ONLY=${BENCH_SCENARIOS:-}
COMPANY_LIMIT=${BENCH_COMPANY_LIMIT:-100000000}
KEEP=${BENCH_KEEP:-0}
OWN_LIMIT=1000000          # ApiKey.MaxRequestsPerMinute: the highest per-key limit the API accepts
FAILED_PER_MINUTE=60       # the shipped RateLimits:FailedCredentialsPerMinute (sizes the 401s a throttled flood may see)
API=/api/v1/company-info

log() { printf '[auth.sh] %s\n' "$*" >&2; }
die() { printf '[auth.sh] SETUP FAILED: %s\n' "$*" >&2; exit 1; }

[ -z "${BENCH_HEADER:-}" ] || log "BENCH_HEADER is no longer read: every scenario runs with both headers"

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

# ---------------------------------------------------------------------------------------------------- servers
SIGNING_KEY="bench-legacy-jwt-key-$(python3 -c 'import secrets; print(secrets.token_hex(24))')"   # 69 bytes
SERVER_ENV=(
    "ConnectionStrings__Default=Data Source=$WORK/bench.db"
    "LegacyJwt__SigningKey=$SIGNING_KEY"
    "LegacyJwt__Enabled=true"
    "RateLimits__RequestsPerMinute=$COMPANY_LIMIT"
)
# shellcheck disable=SC2206 # word splitting is the point: "K=V K2=V2"
[ -z "${BENCH_SERVER_ENV:-}" ] || SERVER_ENV+=(${BENCH_SERVER_ENV})

start_server() { # start_server NAME ENVIRONMENT [K=V ...]: starts the app on a free port and waits for /health
    local name=$1 environment=$2 port base logfile pid; shift 2
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    base="http://127.0.0.1:$port"; logfile="$WORK/server-$name.log"
    log "starting the $name server on $base ($environment${*:+; $*})"
    (cd "$APP" && exec env "${SERVER_ENV[@]}" "$@" dotnet FieldCamp.Web.dll --environment "$environment" --urls "$base") \
        >>"$logfile" 2>&1 &
    pid=$!
    SERVER_PID[$name]=$pid; SERVER_BASE[$name]=$base; SERVER_LOG[$name]=$logfile
    for i in $(seq 1 120); do
        kill -0 "$pid" 2>/dev/null || { tail -40 "$logfile" >&2; die "the $name server exited during startup"; }
        [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$base/health" || true)" = 200 ] && break
        [ "$i" -lt 120 ] || { tail -40 "$logfile" >&2; die "GET /health on the $name server did not answer 200 within 60 s"; }
        sleep 0.5
    done
}

# A first start in Development seeds the demo workspace (company "acme") into the fresh database; the measured servers
# then run in Production, as a deployment would (no developer exception page, no DI scope validation).
start_server seed Development
stop_server seed

log "minting a key with the CLI (apikey create --company acme --name bench --scopes '*' --expires-in-days 90: responses carry its expiry header)"
KEY=$(cd "$APP" && env "${SERVER_ENV[@]}" dotnet FieldCamp.Web.dll apikey create --company acme --name bench --scopes "*" --expires-in-days 90 \
    2>"$WORK/cli.err") || { cat "$WORK/cli.err" >&2; die "apikey create failed"; }
KEY=$(printf '%s' "$KEY" | tr -d '[:space:]')
# Cross-checks this script's checksum code against the server's: the CLI key must pass it.
python3 "$BENCH_DIR/keys.py" check "$KEY" || die "the minted key does not pass keys.py's checksum check (format drift?)"

start_server main Production
start_server off Production RateLimits__FailedCredentialsPerMinute=0
MAIN=${SERVER_BASE[main]}
OFF=${SERVER_BASE[off]}

# ---------------------------------------------------------------------------------------------------- credentials
KEY_IDS=$(python3 "$BENCH_DIR/probe.py" keyid "$MAIN" "$KEY") || die "GET company-info with the CLI's key failed"
mint() { # mint NAME PER_MINUTE FILE: a key with its own limit, created through the API; its secret goes to FILE
    local minted
    minted=$(python3 "$BENCH_DIR/probe.py" mint "$MAIN" "$KEY" "$1" "$2" 2>"$WORK/mint.err") \
        || { cat "$WORK/mint.err" >&2; die "minting $1 through the API failed"; }
    KEY_IDS+=",${minted%% *}"
    printf '%s\n' "${minted#* }" >"$3"
}
log "minting keys with their own limits through the API: two of $OWN_LIMIT/min (g, gx) and one of 1/min (h, hx)"
mint bench-own-limit "$OWN_LIMIT" "$WORK/gkey.txt"
mint bench-own-limit-x "$OWN_LIMIT" "$WORK/gxkey.txt"
mint bench-over-limit 1 "$WORK/hkey.txt"
printf '%s\n' "$KEY" >"$WORK/key.txt"
python3 "$BENCH_DIR/keys.py" jwt "$SIGNING_KEY" '{"company":"acme"}' >"$WORK/jwt.txt"
log "generating $BAD_KEYS bad-checksum keys and $UNKNOWN_KEYS unknown valid-checksum keys"
python3 "$BENCH_DIR/keys.py" badsum "$BAD_KEYS" "$WORK/badsum.txt"
python3 "$BENCH_DIR/keys.py" unknown "$UNKNOWN_KEYS" "$WORK/unknown.txt"
if [ "$FRESH_KEYS" -gt 0 ]; then
    log "generating 2 x $FRESH_KEYS further unknown keys for the never-repeated floods (f, fx)"
    python3 "$BENCH_DIR/keys.py" unknown "$FRESH_KEYS" "$WORK/fresh.txt"
    python3 "$BENCH_DIR/keys.py" unknown "$FRESH_KEYS" "$WORK/freshx.txt"
fi
BAD=$(head -1 "$WORK/badsum.txt"); UNKNOWN=$(head -1 "$WORK/unknown.txt"); JWT=$(cat "$WORK/jwt.txt")
GKEY=$(cat "$WORK/gkey.txt"); GXKEY=$(cat "$WORK/gxkey.txt"); HKEY=$(cat "$WORK/hkey.txt")

# ---------------------------------------------------------------------------------------------------- pre-flight checks
# One request per credential kind, with the body: status and problem code must be what the contract says.
expect() { # expect NAME BASE STATUS BODY_SUBSTRING PATH [curl header args...]; leaves the headers in $WORK/expect.headers
    local name=$1 base=$2 status=$3 needle=$4 path=$5; shift 5
    local got
    got=$(curl -s -D "$WORK/expect.headers" -o "$WORK/expect.body" -w '%{http_code}' -m 10 "$@" "$base$path" || true)
    if [ "$got" != "$status" ] || ! grep -q -- "$needle" "$WORK/expect.body"; then
        log "$name: expected $status with '$needle', got $got: $(head -c 400 "$WORK/expect.body")"
        return 1
    fi
    log "check ok: $name -> $got ($needle)"
}
has_header() { grep -qiE "^$1: *$2[[:space:]]*$" "$WORK/expect.headers"; } # has_header NAME VALUE_REGEX (after an expect)

ok=1
expect "health" "$MAIN" 200 "Healthy" /health || ok=0
expect "no credential" "$MAIN" 401 '"missing_credentials"' $API || ok=0
expect "legacy JWT" "$MAIN" 200 '"legacy_jwt"' $API -H "Authorization: Bearer $JWT" || ok=0
expect "valid key, X-Api-Key" "$MAIN" 200 '"api_key"' $API -H "X-Api-Key: $KEY" || ok=0
expect "valid key, Bearer" "$MAIN" 200 '"api_key"' $API -H "Authorization: Bearer $KEY" || ok=0
# The limiter puts RateLimit-Limit on every authenticated answer; before it lands, there is none.
if has_header RateLimit-Limit '.*'; then
    LIMITER=1
    has_header RateLimit-Limit "$COMPANY_LIMIT" || { log "the key's RateLimit-Limit is not the company's $COMPANY_LIMIT: $(grep -i '^RateLimit' "$WORK/expect.headers" | tr -d '\r' | paste -sd' ')"; ok=0; }
else
    LIMITER=0
    log "NOTE: no RateLimit-Limit header on an authenticated response: the rate limiter is not in this build;" \
        "g, gx measure keys with their own limit unenforced, and h, hx (a key over its limit) are skipped"
fi
expect "own-limit key, Bearer" "$MAIN" 200 '"api_key"' $API -H "Authorization: Bearer $GKEY" || ok=0
[ "$LIMITER" = 0 ] || has_header RateLimit-Limit "$OWN_LIMIT" || { log "the own-limit key's RateLimit-Limit is not $OWN_LIMIT"; ok=0; }
expect "own-limit key, X-Api-Key" "$MAIN" 200 '"api_key"' $API -H "X-Api-Key: $GXKEY" || ok=0
expect "1/min key, first request" "$MAIN" 200 '"api_key"' $API -H "Authorization: Bearer $HKEY" || ok=0
if [ "$LIMITER" = 1 ]; then
    expect "1/min key over its limit, Bearer" "$MAIN" 429 '"rate_limited"' $API -H "Authorization: Bearer $HKEY" || ok=0
    has_header Retry-After '[0-9]+' || { log "the 429 has no Retry-After"; ok=0; }
    expect "1/min key over its limit, X-Api-Key" "$MAIN" 429 '"rate_limited"' $API -H "X-Api-Key: $HKEY" || ok=0
fi
for base in "$MAIN" "$OFF"; do
    server=$([ "$base" = "$MAIN" ] && echo main || echo off)
    expect "bad-checksum key, Bearer ($server)" "$base" 401 '"invalid_key"' $API -H "Authorization: Bearer $BAD" || ok=0
    expect "bad-checksum key, X-Api-Key ($server)" "$base" 401 '"invalid_key"' $API -H "X-Api-Key: $BAD" || ok=0
    expect "unknown valid-checksum key, Bearer ($server)" "$base" 401 '"invalid_key"' $API -H "Authorization: Bearer $UNKNOWN" || ok=0
    expect "unknown valid-checksum key, X-Api-Key ($server)" "$base" 401 '"invalid_key"' $API -H "X-Api-Key: $UNKNOWN" || ok=0
done
[ "$ok" = 1 ] || die "the servers do not answer the scenarios as expected; not benchmarking"

# The throttle: more than FAILED_PER_MINUTE failures from one address in a minute are answered 429. 100 bad keys
# tell whether this build has it (main), and that RateLimits__FailedCredentialsPerMinute=0 switches it off (off).
probe() { python3 "$BENCH_DIR/probe.py" tally "$1" $API Authorization "Bearer $BAD" 100 || die "probing $1 failed"; }
main_probe=$(probe "$MAIN"); off_probe=$(probe "$OFF")
log "100 bad keys: main server answered $main_probe; off server answered $off_probe"
case "$main_probe" in
    401:invalid_key=100) THROTTLE=0
        log "NOTE: no failed-credential throttle in this build (100 bad keys, all 401):" \
            "the throttle-on floods (d1, d1x, e1, e1x) expect 401 invalid_key, and their targets print n/a" ;;
    401:invalid_key=*,429:too_many_failed_credentials=* | 429:too_many_failed_credentials=*) THROTTLE=1 ;;
    *) die "100 bad keys got unexpected answers from the main server: $main_probe" ;;
esac
[ "$off_probe" = "401:invalid_key=100" ] || die "RateLimits__FailedCredentialsPerMinute=0 does not switch the throttle off: $off_probe"
# A valid key from a throttled address keeps working.
expect "valid key, Bearer, after 100 failures" "$MAIN" 200 '"api_key"' $API -H "Authorization: Bearer $KEY" \
    || die "a valid key is refused from an address that sent bad keys"

# ---------------------------------------------------------------------------------------------------- scenarios
secs() { case "$1" in *ms) echo 1 ;; *s) echo "${1%s}" ;; *m) echo $(( ${1%m} * 60 )) ;; *h) echo $(( ${1%h} * 3600 )) ;; *) echo "$1" ;; esac; }
longest=$(( $(secs "$DURATION") > $(secs "$WARMUP") ? $(secs "$DURATION") : $(secs "$WARMUP") ))
minutes=$(( (longest + 59) / 60 + 1 ))   # windows a run can touch
# The expected answers: "STATUS[:code][<=N] ..."; the first is the one the scenario is about, "<=N" caps the others.
OVER_LIMIT="429:rate_limited 200<=$minutes"
if [ "$THROTTLE" = 1 ]; then THROTTLED="429:too_many_failed_credentials 401:invalid_key<=$(( FAILED_PER_MINUTE * minutes ))"
else THROTTLED="401:invalid_key"; fi

declare -A SRV PATHS MODES FILES LAYOUTS EXPECT LABELS
ORDER=()
def() { # def ID SERVER PATH MODE FILE LAYOUT EXPECT LABEL
    SRV[$1]=$2; PATHS[$1]=$3; MODES[$1]=$4; FILES[$1]=$5; LAYOUTS[$1]=$6; EXPECT[$1]=$7; LABELS[$1]=$8; ORDER+=("$1")
}
# Order matters: a server that sat idle while the other one worked can start its next run slower (threads, caches),
# so the scenarios that the key ÷ health ratios compare run back to back on the main server: a, b, bx, g, gx, a2.
def a   main /health none      -                     cycle 200 "a) GET /health, no credential"
def b   main $API   bearer    "$WORK/key.txt"       cycle 200 "b) key, Bearer"
def bx  main $API   x-api-key "$WORK/key.txt"       cycle 200 "bx) key, X-Api-Key"
def g   main $API   bearer    "$WORK/gkey.txt"      cycle 200 "g) own-limit key, Bearer"
def gx  main $API   x-api-key "$WORK/gxkey.txt"     cycle 200 "gx) own-limit key, X-Api-Key"
# Health again after the key scenarios: the key ÷ health ratios divide by the mean of a and a2, so a machine that
# speeds up or slows down over the minutes between them weighs on both sides alike.
def a2  main /health none      -                     cycle 200 "a2) GET /health again, no credential"
def h   main $API   bearer    "$WORK/hkey.txt"      cycle "$OVER_LIMIT" "h) key over its limit, Bearer"
def hx  main $API   x-api-key "$WORK/hkey.txt"      cycle "$OVER_LIMIT" "hx) key over its limit, X-Api-Key"
# Throttle off and on back to back, so each pair sees the same machine.
def d0  off  $API   bearer    "$WORK/badsum.txt"    cycle 401:invalid_key "d0) bad checksum, Bearer, throttle off"
def d1  main $API   bearer    "$WORK/badsum.txt"    cycle "$THROTTLED"    "d1) bad checksum, Bearer, throttle on"
def d0x off  $API   x-api-key "$WORK/badsum.txt"    cycle 401:invalid_key "d0x) bad checksum, X-Api-Key, thr. off"
def d1x main $API   x-api-key "$WORK/badsum.txt"    cycle "$THROTTLED"    "d1x) bad checksum, X-Api-Key, thr. on"
def e0  off  $API   bearer    "$WORK/unknown.txt"   cycle 401:invalid_key "e0) unknown key, Bearer, throttle off"
def e1  main $API   bearer    "$WORK/unknown.txt"   cycle "$THROTTLED"    "e1) unknown key, Bearer, throttle on"
def e0x off  $API   x-api-key "$WORK/unknown.txt"   cycle 401:invalid_key "e0x) unknown key, X-Api-Key, thr. off"
def e1x main $API   x-api-key "$WORK/unknown.txt"   cycle "$THROTTLED"    "e1x) unknown key, X-Api-Key, thr. on"
# A legacy token is not exempt from the failed-credential throttle, and the previous round's throttle-on floods come
# from the same address, maybe in the same minute: on the main server c would meet their 429s. The off server differs
# only by that throttle, which a valid token never touches otherwise.
def c   off  $API   bearer    "$WORK/jwt.txt"       cycle 200 "c) legacy JWT, Bearer"
def f   off  $API   bearer    "$WORK/fresh.txt"     slice 401:invalid_key "f) never-repeated keys, Bearer, off"
def fx  off  $API   x-api-key "$WORK/freshx.txt"    slice 401:invalid_key "fx) never-repeated, X-Api-Key, off"
KEYED=" b bx g gx h hx "   # scenarios whose requests reach a key's usage log

SCENARIOS=()
for s in "${ORDER[@]}"; do
    case "$s" in h | hx) [ "$LIMITER" = 1 ] || continue ;; f | fx) [ "$FRESH_KEYS" -gt 0 ] || continue ;; esac
    [ -z "$ONLY" ] || [[ " $ONLY " == *" $s "* ]] || continue
    SCENARIOS+=("$s")
done
[ ${#SCENARIOS[@]} -gt 0 ] || die "BENCH_SCENARIOS=\"$ONLY\" names no scenario this run can make (ids: ${ORDER[*]})"

# ---------------------------------------------------------------------------------------------------- measuring
server_cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
server_rss_mb() { awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
server_hwm_mb() { awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
log_size() { stat -c %s "$1"; }
log_entries_since() { tail -c +$(( $2 + 1 )) "$1" | grep -c -E '^(trce|dbug|info|warn|fail|crit):' || true; } # FILE OFFSET
CLK_TCK=$(getconf CLK_TCK)

# Waits until a server is idle (under 5 % of a core for two samples in a row), so work queued by one scenario (the
# usage writer's backlog, the logger's queue) is not billed to the next. Prints the seconds it waited.
wait_idle() { # wait_idle PID
    local pid=$1 start prev now busy=0 calm=0
    start=$(date +%s.%N); prev=$(server_cpu_ticks "$pid")
    while :; do
        sleep 0.5
        now=$(server_cpu_ticks "$pid")
        if [ $(( (now - prev) * 100 )) -le $(( CLK_TCK * 5 / 2 )) ]; then calm=$((calm + 1)); else calm=0; busy=1; fi
        prev=$now
        [ "$calm" -ge 2 ] && break
        if awk -v s="$start" -v n="$(date +%s.%N)" 'BEGIN { exit !(n - s > 120) }'; then log "server still busy after 120 s; going on"; break; fi
    done
    awk -v s="$start" -v n="$(date +%s.%N)" -v b="$busy" 'BEGIN { printf "%.1f", b ? n - s - 1.0 : 0 }'
}

declare -A RPS_ALL P50 P99 CPU_US CPU_ALL_US RSS LOGS PROBLEMS DRAIN
INVALID=0
KEY_REQUESTS=8   # the pre-flight requests made with keys; warm-up and measured runs of the KEYED scenarios are added

run_wrk() { # run_wrk SCENARIO DURATION CHECK OUTFILE
    local s=$1 duration=$2 check=$3 out=$4
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$duration" --latency -s "$BENCH_DIR/cycle.lua" "${SERVER_BASE[${SRV[$s]}]}${PATHS[$s]}" \
        -- "${MODES[$s]}" "${FILES[$s]}" "$THREADS" "${LAYOUTS[$s]}" "$check" >"$out" 2>&1 \
        || { cat "$out" >&2; die "wrk failed for scenario $s"; }
}
field() { sed -n "s/.*[ ]$2=\([0-9]*\).*/\1/p" "$1" | head -1; } # field FILE NAME  (from the BENCH_RESULT line)
note_problem() { PROBLEMS[$1]="${PROBLEMS[$1]:+${PROBLEMS[$1]}; }$2"; }

# Whether a tally ("401:invalid_key=60,429:...=900") fits an expectation ("429:... 401:invalid_key<=120") and covers
# all REQUESTS: every answer is an expected one, none over its cap, and the scenario's own answer among them.
tally_fits() { # tally_fits TALLY EXPECT REQUESTS
    awk -v got="$1" -v spec="$2" -v n="$3" 'BEGIN {
        k = split(spec, s, " ")
        for (i = 1; i <= k; i++) { split(s[i], p, "<="); cap[p[1]] = (p[2] == "" ? -1 : p[2] + 0); if (i == 1) first = p[1] }
        m = split(got, g, ",")
        for (i = 1; i <= m; i++) {
            split(g[i], q, "=")
            if (!(q[1] in cap) || (cap[q[1]] >= 0 && q[2] + 0 > cap[q[1]])) exit 1
            total += q[2]; if (q[1] == first) seen = 1
        }
        exit !(seen && total == n)
    }'
}
# How many 2xx answers a measured run may get: any when the scenario is about a 200, else the cap on "200<=N" (or 0).
allowed_2xx() { awk -v spec="${EXPECT[$1]}" 'BEGIN { k = split(spec, s, " "); if (s[1] == "200") { print -1; exit }
    for (i = 2; i <= k; i++) if (split(s[i], p, "<=") == 2 && p[1] == "200") { print p[2]; exit }; print 0 }'; }

# Warm-up + verification: every response's status (and problem code) is tallied; all must be expected ones.
warm_and_check() {
    local s=$1 out="$WORK/wrk-$1-warmup.txt" statuses requests
    case "$s" in f | fx | a2) return 0 ;; esac   # their keys are single-use (e0 and e0x warm the same code path); a warmed a2
    run_wrk "$s" "$WARMUP" check "$out"
    statuses=$(sed -n 's/^BENCH_STATUS //p' "$out")
    requests=$(field "$out" requests)
    [[ "$KEYED" != *" $s "* ]] || KEY_REQUESTS=$((KEY_REQUESTS + requests))
    log "warm-up ${LABELS[$s]}: $requests requests, responses: $statuses"
    if ! tally_fits "$statuses" "${EXPECT[$s]}" "$requests"; then
        note_problem "$s" "warm-up responses $statuses (expected ${EXPECT[$s]})"
        INVALID=1
    fi
    sleep 0.5; wait_idle "${SERVER_PID[${SRV[$s]}]}" >/dev/null
}

measure() { # measure SCENARIO ROUND
    local s=$1 r=$2 out="$WORK/wrk-$1-round$2.txt" pid=${SERVER_PID[${SRV[$s]}]} logfile=${SERVER_LOG[${SRV[$s]}]}
    local cpu0 cpu1 cpu2 log0 requests dur non2xx sockerr wraps drain allowed
    cpu0=$(server_cpu_ticks "$pid"); log0=$(log_size "$logfile")
    run_wrk "$s" "$DURATION" nocheck "$out"
    cpu1=$(server_cpu_ticks "$pid")
    requests=$(field "$out" requests); dur=$(field "$out" duration_us); non2xx=$(field "$out" non2xx)
    sockerr=$(( $(field "$out" connect) + $(field "$out" read) + $(field "$out" write) + $(field "$out" timeout) ))
    wraps=$(sed -n 's/^BENCH_WRAPPED //p' "$out")
    RPS_ALL[$s]="${RPS_ALL[$s]:-} $(awk -v n="$requests" -v d="$dur" 'BEGIN { printf "%.0f", n / (d / 1e6) }')"
    P50[$s]=$(field "$out" p50_us); P99[$s]=$(field "$out" p99_us)
    CPU_US[$s]=$(awk -v t=$((cpu1 - cpu0)) -v hz="$CLK_TCK" -v n="$requests" 'BEGIN { printf "%.0f", n ? t / hz * 1e6 / n : 0 }')
    RSS[$s]=$(server_rss_mb "$pid")
    allowed=$(allowed_2xx "$s")
    if [ "$allowed" -lt 0 ]; then
        [ "$non2xx" -eq 0 ] || { note_problem "$s" "round $r: $non2xx non-2xx/3xx responses of $requests"; INVALID=1; }
    elif [ $((requests - non2xx)) -gt "$allowed" ]; then
        note_problem "$s" "round $r: $((requests - non2xx)) of $requests answered 2xx/3xx"; INVALID=1
    fi
    [ "$sockerr" -eq 0 ] || note_problem "$s" "round $r: $sockerr socket errors/timeouts"
    [ "${LAYOUTS[$s]}" != slice ] || [ "${wraps:-0}" -eq 0 ] ||
        note_problem "$s" "round $r: ran out of fresh keys $wraps time(s); some were repeated (raise BENCH_FRESH_KEYS)"
    kill -0 "$pid" 2>/dev/null || { tail -40 "$logfile" >&2; die "the ${SRV[$s]} server died during scenario $s"; }
    drain=$(wait_idle "$pid")
    DRAIN[$s]="${DRAIN[$s]:-} $drain"
    cpu2=$(server_cpu_ticks "$pid")
    CPU_ALL_US[$s]=$(awk -v t=$((cpu2 - cpu0)) -v hz="$CLK_TCK" -v n="$requests" 'BEGIN { printf "%.0f", n ? t / hz * 1e6 / n : 0 }')
    LOGS[$s]=$(awk -v l="$(log_entries_since "$logfile" "$log0")" -v n="$requests" 'BEGIN { printf "%.2f", n ? l / n : 0 }')
    [[ "$KEYED" != *" $s "* ]] || KEY_REQUESTS=$((KEY_REQUESTS + requests))
    log "measured ${LABELS[$s]} (round $r): $requests requests, $(echo "${RPS_ALL[$s]}" | awk '{ print $NF }') req/s; server busy ${drain}s afterwards"
}

log "wrk -t$THREADS -c$CONNECTIONS -d$DURATION for each of: ${SCENARIOS[*]} (warm-up/check runs: $WARMUP); $(nproc) CPUs shared by wrk and the servers"
for s in "${SCENARIOS[@]}"; do warm_and_check "$s"; done
for r in $(seq 1 "$ROUNDS"); do
    for s in "${SCENARIOS[@]}"; do
        case "$s" in f | fx) [ "$r" -eq 1 ] || continue ;; esac   # their keys are used up after one round
        measure "$s" "$r"
    done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
declare -A RPS
for s in "${SCENARIOS[@]}"; do RPS[$s]=$(echo "${RPS_ALL[$s]}" | median); done

# ---------------------------------------------------------------------------------------------------- report
echo
echo "FieldCamp Console — authentication benchmark ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, wrk -t$THREADS -c$CONNECTIONS -d$DURATION, rounds: $ROUNDS)"
echo "rate limiter: $([ "$LIMITER" = 1 ] && echo "on (company limit $COMPANY_LIMIT/min, own limits $OWN_LIMIT/min and 1/min)" || echo "NOT IN THIS BUILD")"
echo "failed-credential throttle: $([ "$THROTTLE" = 1 ] && echo "on in the main server (as shipped), off in the other" || echo "NOT IN THIS BUILD")"
echo
printf '%-40s %8s %7s %7s %11s %14s %7s %6s %8s  %s\n' "scenario" "req/s" "p50 ms" "p99 ms" "srv CPU/req" "+drain CPU/req" "drain s" "RSS MB" "log/req" "responses"
printf '%-40s %8s %7s %7s %11s %14s %7s %6s %8s  %s\n' "--------" "-----" "------" "------" "-----------" "--------------" "-------" "------" "-------" "---------"
for s in "${SCENARIOS[@]}"; do
    printf '%-40s %8s %7.2f %7.2f %8s us %11s us %7s %6s %8s  %s\n' "${LABELS[$s]}" "${RPS[$s]}" \
        "$(awk -v v="${P50[$s]}" 'BEGIN { print v / 1000 }')" "$(awk -v v="${P99[$s]}" 'BEGIN { print v / 1000 }')" \
        "${CPU_US[$s]}" "${CPU_ALL_US[$s]}" "$(echo "${DRAIN[$s]}" | awk '{ print $NF }')" "${RSS[$s]}" "${LOGS[$s]}" \
        "${PROBLEMS[$s]:-as expected: ${EXPECT[$s]}}"
done
if [ "$ROUNDS" -gt 1 ]; then
    echo; echo "req/s per round (the table shows the median; its other columns are from the last round):"
    for s in "${SCENARIOS[@]}"; do printf '  %-40s%s\n' "${LABELS[$s]}" "${RPS_ALL[$s]}"; done
fi
echo
# Each ratio is the median of the per-round ratios: the scenarios of a round run one after another, so a slow phase of
# this shared machine (throughput drifts by 15 % from minute to minute) weighs on both sides of a round's ratio.
ratio() { # ratio LABEL NUM DEN TARGET [WHY_NOT_APPLICABLE]
    local label=$1 num=$2 den=$3 target=$4 na=${5:-}
    if [ -z "${RPS_ALL[$num]:-}" ] || [ -z "${RPS_ALL[$den]:-}" ]; then
        printf '%-58s %6s   target >= %4.2f   n/a (not run%s)\n' "$label" "-" "$target" "${na:+; $na}"; return
    fi
    awk -v l="$label" -v n="${RPS_ALL[$num]}" -v d="${RPS_ALL[$den]}" -v t="$target" -v na="$na" 'BEGIN {
        k = split(n, num, " "); split(d, den, " ")
        for (i = 1; i <= k; i++) { r[i] = den[i] > 0 ? num[i] / den[i] : 0; each = each sprintf(" %.2f", r[i]) }
        for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (r[j] < r[i]) { x = r[i]; r[i] = r[j]; r[j] = x }
        m = k % 2 ? r[(k + 1) / 2] : (r[k / 2] + r[k / 2 + 1]) / 2
        verdict = na != "" ? "n/a (" na ")" : (m >= t ? "PASS" : "MISS")
        printf "%-58s %6.3f   target >= %4.2f   %s%s\n", l, m, t, verdict, (k > 1 ? "   (rounds:" each ")" : "") }'
}
# Health per round: the mean of a and a2 when both ran (see a2 above), else whichever ran.
if [ -n "${RPS_ALL[a]:-}" ] && [ -n "${RPS_ALL[a2]:-}" ]; then
    RPS_ALL[health]=$(paste -d' ' <(echo "${RPS_ALL[a]}" | tr ' ' '\n' | grep -v '^$') <(echo "${RPS_ALL[a2]}" | tr ' ' '\n' | grep -v '^$') \
        | awk '{ printf " %.0f", ($1 + $2) / 2 }')
else
    RPS_ALL[health]=${RPS_ALL[a]:-${RPS_ALL[a2]:-}}
fi
NO_LIMITER=$([ "$LIMITER" = 1 ] || echo "no rate limiter in this build")
NO_THROTTLE=$([ "$THROTTLE" = 1 ] || echo "no throttle in this build: 401s")
ratio "key / health, Bearer                 (b / a+a2)" b health 0.85
ratio "key / health, X-Api-Key              (bx / a+a2)" bx health 0.85
ratio "limited key / health, Bearer (aim 0.9)    (g / a+a2)" g health 0.85 "$NO_LIMITER"
ratio "limited key / health, X-Api-Key (aim 0.9) (gx / a+a2)" gx health 0.85 "$NO_LIMITER"
ratio "key / legacy JWT, Bearer             (b / c)" b c 1.00
ratio "429 flood / key, Bearer              (h / b)" h b 1.00 "$NO_LIMITER"
ratio "429 flood / key, X-Api-Key           (hx / bx)" hx bx 1.00 "$NO_LIMITER"
ratio "bad checksum / key, Bearer, throttle off     (d0 / b)" d0 b 1.00
ratio "bad checksum / key, X-Api-Key, throttle off  (d0x / bx)" d0x bx 1.00
ratio "bad checksum / key, Bearer, throttle on      (d1 / b)" d1 b 1.00 "$NO_THROTTLE"
ratio "bad checksum / key, X-Api-Key, throttle on   (d1x / bx)" d1x bx 1.00 "$NO_THROTTLE"
ratio "unknown key / key, Bearer, throttle off      (e0 / b)" e0 b 1.00
ratio "unknown key / key, X-Api-Key, throttle off   (e0x / bx)" e0x bx 1.00
ratio "unknown key / key, Bearer, throttle on       (e1 / b)" e1 b 1.00 "$NO_THROTTLE"
ratio "unknown key / key, X-Api-Key, throttle on    (e1x / bx)" e1x bx 1.00 "$NO_THROTTLE"
for pair in "f b Bearer" "fx bx X-Api-Key"; do
    read -r n d h <<<"$pair"
    if [ -n "${RPS[$n]:-}" ] && [ -n "${RPS[$d]:-}" ]; then
        awk -v n="${RPS[$n]}" -v d="${RPS[$d]}" -v l="never-repeated unknown keys / key, $h ($n / $d)" \
            'BEGIN { printf "%-58s %6.2f   (informational, no target)\n", l, d > 0 ? n / d : 0 }'
    fi
done
echo
for name in main off; do
    errors=$(grep -c -i -E '^fail:|exception' "${SERVER_LOG[$name]}" || true)
    echo "$name server: peak RSS $(server_hwm_mb "${SERVER_PID[$name]}") MB; error/exception lines in its log: $errors (log: ${SERVER_LOG[$name]})"
done
# Best effort (reads the app's own table): how much of the keys' traffic reached their request log.
usage_rows=$(python3 - "$WORK/bench.db" "$KEY_IDS" <<'PY' 2>/dev/null || true
import sqlite3, sys
ids = sys.argv[2].split(",")
marks = ",".join("?" * len(ids))
print(*sqlite3.connect(sys.argv[1]).execute(
    f"select coalesce(sum(Count), 0), count(*) from ApiKeyRequests where ApiKeyId in ({marks})", ids).fetchone())
PY
)
# wrk does not count the requests still in flight when a run stops (up to -c per run), so the count is approximate.
if [ -n "$usage_rows" ]; then
    read -r logged rows <<<"$usage_rows"
    echo "usage log: $logged requests logged (in $rows rows: alike requests within a second share one) for ~$KEY_REQUESTS" \
        "requests made with the bench's keys (~$(( KEY_REQUESTS > logged ? KEY_REQUESTS - logged : 0 )) not logged)"
fi
echo "srv CPU/req: server process CPU during the measured run / requests (wrk's own CPU not included);"
echo "+drain CPU/req: the same including the work the server kept doing after the run (drain s: how long it stayed busy);"
echo "log/req: log entries the server wrote during the measured run and its drain, per request."

if [ "$INVALID" = 1 ]; then
    KEEP=1
    log "some scenarios got unexpected responses (see the table): these numbers do not measure what they claim"
    exit 3
fi
exit 0
