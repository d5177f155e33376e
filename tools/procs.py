"""Small process helpers shared by tools/infra.py and its servers (infra_s3, infra_stripe)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def say(message: str) -> None:
    print(f"[infra] {message}", flush=True)


def running_pid(pidfile: Path, marker: bytes) -> int | None:
    """The pid in ``pidfile`` if that process still runs and its command line holds ``marker`` (a pid
    reused by another program does not count); a stale pidfile is removed."""
    if not pidfile.exists():
        return None
    pid = int(pidfile.read_text().strip())
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        pidfile.unlink()
        return None
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists() and marker not in cmdline.read_bytes():
        pidfile.unlink()
        return None
    return pid


def stop_process(pid: int, name: str, pidfile: Path, grace_s: float) -> None:
    """SIGTERM, then SIGKILL when it has not stopped after ``grace_s``."""
    say(f"stopping {name}")
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        say(f"{name} did not stop in {grace_s:g}s; killing it")
        os.kill(pid, signal.SIGKILL)
    pidfile.unlink(missing_ok=True)
