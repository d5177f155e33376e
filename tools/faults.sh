#!/usr/bin/env bash
# `make test-faults`: the F1–F40 fault scenarios on real processes, each half on a fresh infrastructure
# of its own, side by side: profiles `faults` and `faults2` (their own Kafka, PostgreSQL, S3 and ports),
# two workers taking the next scenario file from one queue, the longest first — most of a scenario is
# waiting on real processes, so two at once take about half as long.
# With arguments (`tools/faults.sh -q -k f38`): one pytest run on the `faults` profile, as given.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then
    exec tools/on-infra.sh faults .venv/bin/python -m pytest tests/faults "$@"
fi
.venv/bin/python tools/infra.py install  # once, before two profiles would race to install
mkdir -p .data
queue=.data/faults-queue
# the thirteen scenarios of test_fault_suite.py first, then the others, newest first
{ echo tests/faults/test_fault_suite.py; ls tests/faults/test_fault_f*.py | sort -r; } >"$queue"
tools/on-infra.sh faults tools/faults-worker.sh "$queue" >.data/faults-a.log 2>&1 &
first=$!
tools/on-infra.sh faults2 tools/faults-worker.sh "$queue" >.data/faults-b.log 2>&1 &
second=$!
rc=0
wait "$first" || rc=1
wait "$second" || rc=1
cat .data/faults-a.log .data/faults-b.log
exit "$rc"
