#!/usr/bin/env bash
# `make bench`: a fresh Kafka + PostgreSQL (bench profile), B1–B14 against raw baselines, stopped
# after. Some only: `make bench ONLY="B6 B7"` or `tools/bench.sh B6 B7` (a partial run never replaces
# bench/results/latest.*).
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

# shellcheck disable=SC2086 # ONLY is a list of benchmark ids
exec tools/on-infra.sh bench .venv/bin/python bench/run.py ${ONLY:-} "$@"
