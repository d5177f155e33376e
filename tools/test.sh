#!/usr/bin/env bash
# `make test`: lint, then every test but the fault suite on a fresh test infrastructure.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m ruff check .
exec tools/on-infra.sh test .venv/bin/python -m pytest --ignore=tests/faults "$@"
