#!/usr/bin/env bash
# `make bench`: a fresh Kafka + PostgreSQL (bench profile), B1–B5 against raw baselines, stopped after.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "[bench] installing wrk (Debian package)"
    apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null
  else
    echo "[bench] wrk is needed for B4: apt-get install wrk" >&2; exit 1
  fi
fi

exec tools/on-infra.sh bench .venv/bin/python bench/run.py "$@"
