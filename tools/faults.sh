#!/usr/bin/env bash
# `make test-faults`: the F1–F39 fault scenarios on real processes, on a fresh faults infrastructure.
set -euo pipefail
cd "$(dirname "$0")/.."
exec tools/on-infra.sh faults .venv/bin/python -m pytest tests/faults "$@"
