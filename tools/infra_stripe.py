"""stripe-mock, Stripe's official API mock, as the billing service's Stripe peer in every local
profile. It answers every Stripe API route with the shapes of Stripe's OpenAPI document (and its
errors for bad parameters); it keeps no state and sends no webhooks. Installed pinned by
tools/go_tools.sh into .cache/go/bin."""

from __future__ import annotations

import os
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from procs import running_pid, say, stop_process

ROOT = Path(__file__).resolve().parent.parent
BINARY = ROOT / ".cache" / "go" / "bin" / "stripe-mock"
# stripe-mock accepts any key that looks like a test key; local runs only, never a real account's
LOCAL_API_KEY = "sk_test_huntazelocal"
# the local webhook signing secret: the tests sign their Stripe-shaped events with it
LOCAL_WEBHOOK_SECRET = "whsec_huntaze_local_only"


def install() -> None:
    if not BINARY.exists():
        say("installing stripe-mock (go install, pinned in tools/go_tools.sh)")
    subprocess.run([str(ROOT / "tools" / "go_tools.sh"), "stripe-mock"], check=True)


def stripe_pid(data: Path) -> int | None:
    return running_pid(data / "stripe.pid", b"stripe-mock")


def stripe_up(data: Path, port: int) -> None:
    base = f"http://127.0.0.1:{port}"
    if stripe_pid(data):
        say(f"stripe-mock already running on {base}")
    else:
        install()
        logfile = data / "logs" / "stripe-mock.log"
        logfile.parent.mkdir(parents=True, exist_ok=True)
        say(f"starting stripe-mock on {base}")
        with open(logfile, "ab") as log:
            proc = subprocess.Popen(
                # both listeners named: left out, HTTPS takes stripe-mock's default port (12112), shared by profiles
                [str(BINARY), "-http-addr", f"127.0.0.1:{port}", "-https-addr", f"127.0.0.1:{port + 1}"],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        (data / "stripe.pid").write_text(str(proc.pid))
    wait_for_stripe(base, timeout=30)


def wait_for_stripe(base: str, timeout: float) -> None:
    """Ready means it answered an authenticated API request."""
    request = urllib.request.Request(f"{base}/v1/prices?limit=1", headers={"Authorization": f"Bearer {LOCAL_API_KEY}"})
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(request, timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError) as exc:
            if time.monotonic() > deadline:
                raise SystemExit(f"stripe-mock at {base} did not answer in {timeout}s: {exc}") from exc
        time.sleep(0.2)


def stripe_down(data: Path) -> None:
    pid = stripe_pid(data)
    if pid:
        stop_process(pid, "stripe-mock", data / "stripe.pid", grace_s=10)


def stripe_environment(port: int) -> dict[str, str]:
    """The billing service's Stripe settings for a local profile (unless given by the environment)."""
    if os.environ.get("BILLING_STRIPE_API_BASE"):
        return {}
    return {
        "BILLING_STRIPE_API_BASE": f"http://127.0.0.1:{port}",
        "BILLING_STRIPE_API_KEY": LOCAL_API_KEY,
        "BILLING_STRIPE_WEBHOOK_SECRET": LOCAL_WEBHOOK_SECRET,
    }
