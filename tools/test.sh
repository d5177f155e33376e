#!/usr/bin/env bash
# `make test`: lint, then every test but the fault suite on a fresh test infrastructure.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m ruff check .
tools/k8s_tools.sh  # pinned kustomize and kubeconform, for tests/deploy (manifest validation)
tools/observability_tools.sh  # promtool, for the alert-rule tests
exec tools/on-infra.sh test .venv/bin/python -m pytest --ignore=tests/faults "$@"
