#!/usr/bin/env bash
# Runs every test: Domain and API unit tests, bUnit component tests, and the browser tests in real Chromium.
# Installs what the tests need when it is missing (Debian's chromium for the browser tests).
set -euo pipefail
cd "$(dirname "$0")"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Chromium from Debian's packages for the browser tests..."
  as_root apt-get update -qq
  # On a fresh image the first install can fail with "dpkg: error: cannot stat pathname '/tmp/apt-dpkg-install-…'"
  # (downloaded .debs are cleaned between dpkg runs); repairing and installing again succeeds.
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get --fix-broken install -y -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  fi
fi
[ -x /usr/bin/chromium ] || { echo "Chromium could not be installed at /usr/bin/chromium; the browser tests cannot run." >&2; exit 1; }

dotnet test FieldCamp.Console.sln "$@"
