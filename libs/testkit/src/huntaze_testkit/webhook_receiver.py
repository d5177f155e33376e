"""A creator's webhook endpoint on 127.0.0.1, for the notifications tests: it checks every delivery's
``Huntaze-Signature`` with the README's recipe (its own copy: it does not import the service's code,
so a change of either side fails the tests), keeps what it accepted, and can go down and come back
on the same port (connections refused meanwhile, as a crashed receiver).

Paths: ``/in`` accepts (200, or 401 on a bad signature), ``/fail`` answers 500, ``/redirect?to=URL``
answers 302 to URL (a sender must not follow it)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit


def suite_port() -> int:
    """The receiver's port in the test platform of this infrastructure profile (its test port offset +
    8099): the services' settings name it as their one allowed private target (conftest.service_env)."""
    return int(os.environ.get("HUNTAZE_TEST_PORT_OFFSET", "10000")) + 8099


def verify(secret: str, header: str | None, body: bytes, tolerance_s: float = 300) -> bool:
    """``t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>``, within the tolerance."""
    if not header:
        return False
    fields = dict(part.strip().split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance_s:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields.get("v1", ""))


class WebhookReceiver:
    def __init__(self, port: int) -> None:
        self.port = port
        self.secrets: dict[str, str] = {}
        """Path → the endpoint's secret (set once the endpoint is created)."""
        self.accepted: list[dict[str, Any]] = []
        """Verified deliveries: {"delivery": id, "type": ..., "body": parsed, "headers": ...} (repeats kept)."""
        self.refused: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._server: Any = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def target(self) -> str:
        """What NOTIFICATIONS_WEBHOOK_PRIVATE_TARGETS must list for this receiver."""
        return f"127.0.0.1:{self.port}"

    def delivery_ids(self, event_type: str | None = None) -> list[str]:
        with self._lock:
            return [a["delivery"] for a in self.accepted if event_type is None or a["type"] == event_type]

    def _respond(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> tuple[Any, ...]:
        parts = urlsplit(path)
        if parts.path == "/fail":
            return 500, {"error": "receiver is broken"}
        if parts.path == "/redirect":
            return 302, {}, {"location": parse_qs(parts.query).get("to", ["/"])[0]}
        secret = self.secrets.get(parts.path)
        if secret is None or not verify(secret, headers.get("huntaze-signature"), raw):
            with self._lock:
                self.refused.append(headers)
            return 401, {"error": "bad signature"}
        body = json.loads(raw)
        with self._lock:
            self.accepted.append({"delivery": headers.get("huntaze-delivery"), "type": body["type"], "body": body,
                                  "headers": headers, "path": parts.path})  # fmt: skip
        return 200, {"ok": True}

    def up(self) -> None:
        from . import LocalHTTPServer

        if self._server is None:
            self._server = LocalHTTPServer(self._respond, raw=True, port=self.port).__enter__()

    def down(self) -> None:
        if self._server is not None:
            self._server.__exit__(None, None, None)
            self._server = None

    def __enter__(self) -> WebhookReceiver:
        self.up()
        return self

    def __exit__(self, *exc: object) -> None:
        self.down()
