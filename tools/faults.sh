#!/usr/bin/env bash
# `make test-faults`: a fresh Kafka + PostgreSQL (faults profile), the F1–F9 fault scenarios on real
# processes, then everything stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
SERVICES=$(ls services/*/pyproject.toml | xargs -n1 dirname | xargs -n1 basename)

cleanup() { $PY tools/infra.py down --profile faults; }
trap cleanup EXIT

started=$(date +%s)
$PY tools/infra.py up --profile faults
# shellcheck disable=SC1091
source .data/faults/env
for s in $SERVICES; do $PY -m "$s" migrate; done
$PY -m pytest tests/faults "$@"
echo "[faults] finished in $(( $(date +%s) - started ))s"
