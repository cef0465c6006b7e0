#!/usr/bin/env bash
# Runs every test: Domain and API unit tests, bUnit component tests, and the browser tests in real Chromium.
# Installs what the tests need when it is missing (Debian's chromium for the browser tests).
set -euo pipefail
cd "$(dirname "$0")"

[ -x /usr/bin/chromium ] || scripts/apt-install.sh chromium || true
[ -x /usr/bin/chromium ] || { echo "Chromium could not be installed at /usr/bin/chromium; the browser tests cannot run." >&2; exit 1; }

dotnet test FieldCamp.Console.sln "$@"
