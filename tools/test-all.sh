#!/usr/bin/env bash
# `make test`: the suite (tools/test.sh: lint, unit, contract, deploy and integration tests) and the
# fault scenarios (tools/faults.sh, itself two workers on the faults and faults2 profiles) run side by
# side, each on its own infrastructure profile (their own Kafka, PostgreSQL, S3, ports and service ports). Most of both is waiting on real
# processes, so together they take about as long as the longer one. The fault suite's output is kept
# in .data/faults-run.log and printed when it ends; the exit status fails when either failed.
set -uo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python tools/infra.py install || exit 1  # once, before two profiles would race to install
mkdir -p .data
log=.data/faults-run.log
started=$(date +%s)
setsid tools/faults.sh >"$log" 2>&1 &
faults=$!
stop_faults() { kill -TERM -- "-$faults" 2>/dev/null; wait "$faults"; }
trap 'stop_faults; exit 130' INT TERM
echo "[test] the fault suite runs alongside (pid $faults, log $log)"
tools/test.sh
tests_rc=$?
echo "[test] suite exited $tests_rc; waiting for the fault suite"
wait "$faults"
faults_rc=$?
trap - INT TERM
cat "$log"
echo "[test] suite exit $tests_rc, fault suite exit $faults_rc, both in $(( $(date +%s) - started ))s"
(( tests_rc == 0 && faults_rc == 0 ))
