#!/usr/bin/env bash
# tools/observability_tools.sh: makes sure `promtool` (Debian's `prometheus` package) is installed,
# for the alert-rule tests of deploy/observability (tests/deploy/test_observability.py).
# Idempotent: does nothing when promtool is already on the PATH. The package's maintainer scripts
# must not leave a Prometheus server running: services are kept from starting (policy-rc.d) during
# the install, and a server that started all the same is stopped afterwards.
set -euo pipefail

if command -v promtool >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "[observability] promtool is missing: install Debian's prometheus package (apt-get install prometheus)" >&2
  exit 1
fi

echo "[observability] installing promtool (Debian's prometheus package) with apt-get"
export DEBIAN_FRONTEND=noninteractive
policy=/usr/sbin/policy-rc.d
added_policy=
if [ ! -e "$policy" ]; then
  # invoke-rc.d asks this script whether it may start a service; 101 = no
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  added_policy=1
fi
cleanup() { if [ -n "$added_policy" ]; then rm -f "$policy"; fi; }
trap cleanup EXIT

apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends prometheus >/dev/null

# Nothing of the package may keep running (the daemon is never needed: only promtool is).
for pid in $(pgrep -x prometheus || true); do
  if [ "$(readlink -f "/proc/$pid/exe" 2>/dev/null)" = /usr/bin/prometheus ]; then
    echo "[observability] stopping the Prometheus server the package started (pid $pid)"
    kill "$pid" || true
  fi
done
command -v promtool >/dev/null
echo "[observability] $(promtool --version 2>&1 | head -1)"
