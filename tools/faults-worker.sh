#!/usr/bin/env bash
# tools/faults-worker.sh QUEUE: one worker of the fault suite (tools/faults.sh), on the profile whose
# environment it runs in: takes the next scenario file from QUEUE (under a lock: the other worker takes
# from it too) and runs it, until the queue is empty. Fails if any scenario failed.
set -uo pipefail
queue=$1
rc=0
next() {
    flock "$queue.lock" bash -c 'f=$(head -n 1 "$1"); if [ -n "$f" ]; then sed -i 1d "$1"; fi; echo "$f"' _ "$queue"
}
while file=$(next) && [ -n "$file" ]; do
    echo "[faults:$HUNTAZE_PROFILE] $file"
    .venv/bin/python -m pytest "$file" || rc=1
done
exit "$rc"
