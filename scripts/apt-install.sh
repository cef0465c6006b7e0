#!/usr/bin/env bash
# scripts/apt-install.sh PACKAGE... — installs Debian packages (as root, through sudo when needed), for test.sh and the
# benchmarks. On a fresh image the first install can fail with "dpkg: error: cannot stat pathname
# '/tmp/apt-dpkg-install-…'" (downloaded .debs are cleaned between dpkg runs); repairing and installing again succeeds.
# Prints apt's output only when it fails; exits non-zero then.
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 PACKAGE..." >&2; exit 2; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt() { as_root env DEBIAN_FRONTEND=noninteractive apt-get "$@" >>"$out" 2>&1; }

out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "Installing $* from Debian's packages..." >&2
if apt update -qq && { apt install -y -qq "$@" || { apt --fix-broken install -y -qq; apt install -y -qq "$@"; }; }; then
    exit 0
fi
tail -30 "$out" >&2
echo "apt-get install $* failed" >&2
exit 1
