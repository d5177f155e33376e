"""How deliveries are signed, and how a receiver checks them (the README gives the same recipe).

Like Stripe's: ``Huntaze-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``.
The timestamp is signed with the body, so a receiver refuses an old capture replayed (``tolerance_s``),
and the same delivery keeps its ``Huntaze-Delivery`` id on every attempt, so a receiver drops repeats.
Each endpoint has its own secret (``whsec_…``), shown once at creation or rotation."""

from __future__ import annotations

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "Huntaze-Signature"
DELIVERY_HEADER = "Huntaze-Delivery"
EVENT_HEADER = "Huntaze-Event"
DEFAULT_TOLERANCE_S = 300


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, *, now: int, tolerance_s: int = DEFAULT_TOLERANCE_S) -> bool:
    """The receiver's check: the header parses, one ``v1`` matches (constant time), and the
    timestamp is within ``tolerance_s`` of ``now``."""
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if sep:
            parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance_s:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in parts.get("v1", []))
