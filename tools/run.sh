#!/usr/bin/env bash
# `make run`: Kafka + PostgreSQL (run profile), migrations, then every service under honcho.
# Ctrl-C (or `make down` from another terminal) stops the services, then Kafka and PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PIDFILE=.data/run/honcho.pid
SERVICES=$($PY tools/services.py names)

if [[ "${1:-}" == "--down" ]]; then
  pid=$(cat $PIDFILE 2>/dev/null || true)
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    echo "[run] stopping services"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
  rm -f $PIDFILE
  [[ -x $PY ]] && $PY tools/infra.py down --profile run
  exit 0
fi

$PY tools/infra.py up --profile run
# shellcheck disable=SC1091
source .data/run/env
for s in $SERVICES; do $PY -m "$s" migrate; done

honcho_pid=""
stop() {
  trap - INT TERM
  if [[ -n $honcho_pid ]] && kill -0 "$honcho_pid" 2>/dev/null; then
    kill -TERM "$honcho_pid" 2>/dev/null || true
    wait "$honcho_pid" 2>/dev/null || true
  fi
}
cleanup() {
  stop
  rm -f $PIDFILE
  $PY tools/infra.py down --profile run
}
trap stop INT TERM
trap cleanup EXIT

$PY tools/services.py procfile > .data/run/Procfile  # one process per service, found by entry point
PATH="$PWD/.venv/bin:$PATH" .venv/bin/honcho start -f .data/run/Procfile -d "$PWD" &
honcho_pid=$!
echo "$honcho_pid" > $PIDFILE

# Announce the URL once the gateway and every service answer /ready.
$PY - <<'PY' &
import time, urllib.request
from huntaze_service import discover
ports = {name: d.default_port for name, d in discover().items()}
deadline = time.time() + 120
pending = dict(ports)
while pending and time.time() < deadline:
    for name, port in list(pending.items()):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=1)
            del pending[name]
        except Exception:
            pass
    time.sleep(0.5)
if pending:
    print(f"[run] not ready after 120s: {', '.join(pending)} (see the logs above)", flush=True)
else:
    print("\n[run] Huntaze is up: gateway http://127.0.0.1:8000  (API docs: http://127.0.0.1:8000/docs)"
          "\n[run] Kafka 127.0.0.1:9092, PostgreSQL 127.0.0.1:54320; Ctrl-C or `make down` stops it all\n",
          flush=True)
PY
wait "$honcho_pid" || true
