#!/usr/bin/env bash
# tools/on-infra.sh PROFILE COMMAND...: a fresh Kafka + PostgreSQL of that profile (tools/infra.py),
# every service's migrations, then COMMAND with their addresses in the environment; everything is
# stopped afterwards, whatever COMMAND did. Used by `make test`, `make test-faults`, `make bench`.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PROFILE=$1
shift
SERVICES=$($PY tools/services.py names)

cleanup() { $PY tools/infra.py down --profile "$PROFILE"; }
trap cleanup EXIT

started=$(date +%s)
$PY tools/infra.py up --profile "$PROFILE"
# shellcheck disable=SC1091
source ".data/$PROFILE/env"
for s in $SERVICES; do $PY -m "$s" migrate; done
"$@"
echo "[$PROFILE] finished in $(( $(date +%s) - started ))s"
