#!/usr/bin/env bash
# bench/audit-log.sh — the Audit log page and GET /api/v1/audit-events with 100,000 events in one branch beside 100
# in another, in one run. Starts the real app in-process (bench/ListPage/BenchApp.cs), adds the events to acme's
# North and South branches, signs in as admin@acme.test in headless Chromium and prints median and p95 per scenario
# with the ratio large ÷ small. Arguments: --runs N (7) --warmup N (2) --large N (100000) --small N (100).
set -Eeuo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ARTIFACTS="$BENCH_DIR/AuditLog/bin/artifacts"
[ -x /usr/bin/chromium ] || { echo "Chromium is not installed at /usr/bin/chromium" >&2; exit 1; }
dotnet build "$BENCH_DIR/AuditLog/AuditLog.csproj" -c Release --artifacts-path "$ARTIFACTS" -nologo -v:q >&2
DLL="$ARTIFACTS/bin/AuditLog/release/AuditLog.dll"
cd "$(dirname "$DLL")"
exec dotnet "$DLL" "$@"
