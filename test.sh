#!/usr/bin/env bash
# Runs every test: Domain and API unit tests, bUnit component tests, and the browser tests in real Chromium, all on
# SQLite; then the unit tests again on PostgreSQL, so every behaviour is proven on both stores.
# Installs what the tests need when it is missing: Debian's chromium for the browser tests, postgresql-15, and
# redis-server, which the multi-instance tests start on a loopback port of their own.
set -euo pipefail
cd "$(dirname "$0")"

[ -x /usr/bin/chromium ] || scripts/apt-install.sh chromium || true
[ -x /usr/bin/chromium ] || { echo "Chromium could not be installed at /usr/bin/chromium; the browser tests cannot run." >&2; exit 1; }
[ -x /usr/bin/redis-server ] || scripts/apt-install.sh redis-server || true
command -v redis-server >/dev/null || { echo "redis-server could not be installed; the multi-instance tests cannot run." >&2; exit 1; }

# A throwaway PostgreSQL cluster on a loopback port; each test app makes its own database in it.
postgres=$(scripts/postgres-server.sh start)
trap 'scripts/postgres-server.sh stop' EXIT

status=0
echo "== Unit and API tests on PostgreSQL =="
FIELDCAMP_TEST_POSTGRES="$postgres" dotnet test tests/Unit/FieldCamp.Tests.Unit.csproj --filter "Store!=SqliteOnly" "$@" || status=$?
echo "== Every test on SQLite =="
dotnet test FieldCamp.Console.sln "$@" || status=$?
exit $status
