#!/usr/bin/env bash
# bench/list-page.sh — API Keys list page with 10 keys in one branch beside 10,000 in another, in one run.
#
# Builds bench/ListPage in Release and runs it. The program starts the real app in-process exactly as the browser
# tests do (tests/E2E/AppServer.cs: WebApplicationFactory<Program>, Kestrel on a loopback port, Development, its own
# temp SQLite file), tops acme's North branch up to 10,000 keys and South to 10 through ApiKey.Create, signs in as
# admin@acme.test in headless Chromium (Playwright) and measures, per branch:
#   (a) navigation start -> first data row of the grid visible (prerender + circuit start + queries + render)
#   (b) typing a term into "Search by name" on the interactive page -> the grid shows only the matching rows
# and prints median and p95 of each, with the ratios 10,000 ÷ 10.
#
# Arguments are passed to the program:
#   --runs N (7)  --warmup N (2)  --large N (10000)  --small N (10)  --term WORD (quokka)
#   --sql         also record every SQL command (EF Core diagnostics) and print the costliest per phase
# Environment: BENCH_BUILD_TRIES (10) and BENCH_BUILD_WAIT (30 s): src/ may be mid-edit by someone else, so a failed
# build is retried after a wait before giving up.
# Exit status: 0 when the benchmark ran; 1 when building or setup failed; the program's status otherwise.
set -Eeuo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROJECT="$BENCH_DIR/ListPage/ListPage.csproj"
# Every project's bin/obj of this build (src/Web's included) go here, so a Release build never touches the
# src/*/bin and src/*/obj folders someone else may be building in. bin/ is git-ignored.
ARTIFACTS="$BENCH_DIR/ListPage/bin/artifacts"
TRIES=${BENCH_BUILD_TRIES:-10}
WAIT=${BENCH_BUILD_WAIT:-30}

log() { printf '[list-page.sh] %s\n' "$*" >&2; }
die() { printf '[list-page.sh] FAILED: %s\n' "$*" >&2; exit 1; }

command -v dotnet >/dev/null || die "the .NET SDK (dotnet) is not on PATH"

[ -x /usr/bin/chromium ] || "$BENCH_DIR/../scripts/apt-install.sh" chromium || true
[ -x /usr/bin/chromium ] || die "Chromium is not installed at /usr/bin/chromium"

build_log=$(mktemp)
trap 'rm -f "$build_log"' EXIT
for try in $(seq 1 "$TRIES"); do
    log "dotnet build -c Release (try $try of $TRIES)"
    if dotnet build "$PROJECT" -c Release --artifacts-path "$ARTIFACTS" -nologo -v:q >"$build_log" 2>&1; then
        break
    fi
    grep -E ' error ' "$build_log" | sort -u | head -20 >&2 || tail -30 "$build_log" >&2
    # Errors in the benchmark itself will not go away by waiting; only errors elsewhere (src/) are worth a retry.
    if grep -E ' error ' "$build_log" | grep -qv "^$BENCH_DIR/"; then :; else
        grep -qE ' error ' "$build_log" && die "the benchmark itself does not compile"
    fi
    [ "$try" -lt "$TRIES" ] || die "the build still fails after $TRIES tries"
    log "build failed (src/ may be mid-edit); waiting ${WAIT}s before trying again"
    sleep "$WAIT"
done

DLL="$ARTIFACTS/bin/ListPage/release/ListPage.dll"
[ -f "$DLL" ] || die "built, but $DLL is missing"
# Run from the output folder: WebApplicationFactory finds the app's content root through the manifest there.
cd "$(dirname "$DLL")"
exec dotnet "$DLL" "$@"
