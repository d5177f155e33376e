"""The connector's side of the inbox's webhook: verifying ``Huntaze-Signature``, and a local peer
that does (for tests).

The inbox signs every request it POSTs to the connector::

    Huntaze-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body)>

A receiver verifies it on the raw bytes of the body, before parsing them::

    if not verify_signature(secret, request.headers.get("Huntaze-Signature"), raw_body):
        return 401

This is written as a receiver (the browser extension, an agency tool) would write it, from the
contract alone: it does not import the inbox's signer, so a change of either side fails the tests.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from typing import Any

SIGNATURE_HEADER = "Huntaze-Signature"


def verify_signature(
    secret: str, header: str | None, body: bytes, tolerance_s: float = 300, now: float | None = None
) -> bool:
    """Whether ``header`` (the value of ``Huntaze-Signature``) signs exactly ``body`` with ``secret``
    and was made at most ``tolerance_s`` seconds from ``now`` (default: the clock), either way.

    Several ``v1=`` values may be present (a secret being rotated): one matching is enough. The
    comparison takes constant time. A missing, malformed, stale or wrong signature is ``False``; the
    receiver answers 401 and the inbox treats that as a refusal (the draft shows ``failed``)."""
    if not header or not secret:
        return False
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance_s:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)


class ConnectorPeer:
    """A local connector webhook on 127.0.0.1 that verifies every request's signature as a real
    connector must: 401 on a missing, wrong or stale one (kept in ``refused``), else ``status``
    (202; ``headers`` added to every answer) with the reply kept in ``replies`` (parsed) and the
    request in ``server.requests``."""

    def __init__(
        self, secret: str, *, status: int = 202, headers: dict[str, str] | None = None, tolerance_s: float = 300
    ) -> None:
        import json

        from . import LocalHTTPServer

        self.secret = secret
        self.status = status
        self.tolerance_s = tolerance_s
        self.replies: list[dict[str, Any]] = []
        self.refused: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._json = json
        self.server = LocalHTTPServer(self._respond, headers, raw=True)

    @property
    def url(self) -> str:
        return self.server.url + "/connector/replies"

    def _respond(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, Any]:
        if not verify_signature(self.secret, headers.get(SIGNATURE_HEADER.lower()), raw, self.tolerance_s):
            with self._lock:
                self.refused.append(headers)
            return 401, {"error": "bad signature"}
        with self._lock:
            self.replies.append(self._json.loads(raw))
        return self.status, {"accepted": True}

    def keyed(self, prefix: str) -> list[dict[str, Any]]:
        """The requests received so far whose ``Idempotency-Key`` starts with ``prefix`` (e.g.
        ``automation:``), repeats included."""
        return [
            r for r in list(self.server.requests) if str(r["headers"].get("idempotency-key", "")).startswith(prefix)
        ]

    def __enter__(self) -> ConnectorPeer:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)
