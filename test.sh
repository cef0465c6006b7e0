#!/usr/bin/env bash
# Runs every test: Domain and API unit tests, bUnit component tests, and the browser tests in real Chromium.
# Installs what the tests need when it is missing: Debian's chromium for the browser tests, and redis-server, which the
# multi-instance tests start on a loopback port of their own.
set -euo pipefail
cd "$(dirname "$0")"

[ -x /usr/bin/chromium ] || scripts/apt-install.sh chromium || true
[ -x /usr/bin/chromium ] || { echo "Chromium could not be installed at /usr/bin/chromium; the browser tests cannot run." >&2; exit 1; }
[ -x /usr/bin/redis-server ] || scripts/apt-install.sh redis-server || true
command -v redis-server >/dev/null || { echo "redis-server could not be installed; the multi-instance tests cannot run." >&2; exit 1; }

dotnet test FieldCamp.Console.sln "$@"
