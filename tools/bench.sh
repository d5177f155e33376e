#!/usr/bin/env bash
# `make bench`: a fresh Kafka + PostgreSQL (bench profile), B1–B5 against raw baselines, stopped after.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
SERVICES=$(ls services/*/pyproject.toml | xargs -n1 dirname | xargs -n1 basename)

if ! command -v wrk >/dev/null; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "[bench] installing wrk (Debian package)"
    apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null
  else
    echo "[bench] wrk is needed for B4: apt-get install wrk" >&2; exit 1
  fi
fi

cleanup() { $PY tools/infra.py down --profile bench; }
trap cleanup EXIT
$PY tools/infra.py up --profile bench
# shellcheck disable=SC1091
source .data/bench/env
for s in $SERVICES; do $PY -m "$s" migrate; done
$PY bench/run.py "$@"
