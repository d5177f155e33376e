#!/usr/bin/env bash
# `make test`: start Kafka + PostgreSQL (test profile, fresh), migrate, run every test, stop.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
SERVICES=$(ls services/*/pyproject.toml | xargs -n1 dirname | xargs -n1 basename)

cleanup() { $PY tools/infra.py down --profile test; }
trap cleanup EXIT

started=$(date +%s)
$PY -m ruff check .
$PY tools/infra.py up --profile test
# shellcheck disable=SC1091
source .data/test/env
for s in $SERVICES; do $PY -m "$s" migrate; done
$PY -m pytest --ignore=tests/faults "$@"
echo "[test] finished in $(( $(date +%s) - started ))s"
