"""The gateway's routing table: which service answers ``/v1/<name>/...``.

Adding a service to the public API is one line here: its name and the port it listens on locally
(``make run``). Elsewhere the URL comes from ``GATEWAY_ROUTES__<NAME>`` (e.g.
``GATEWAY_ROUTES__INBOX=http://inbox-api.huntaze.svc:8001``), required in production.
"""

from __future__ import annotations

from urllib.parse import quote

ROUTES: dict[str, int] = {
    "inbox": 8001,
    "ai": 8002,
    "fans": 8003,
    "analytics": 8004,
    "marketing": 8005,
    "content": 8006,
    "billing": 8007,
    "notifications": 8008,
}

ALIASES: dict[str, str] = {
    # /v1/revenue/... is the connector's and the revenue screens' API; the fans service owns it
    "revenue": "fans",
    # /v1/calendar/... is the one calendar; the content service builds it from every service's events
    "calendar": "content",
    # /v1/webhooks/... are the creator's endpoints; the notifications service delivers them
    "webhooks": "notifications",
}
"""More path prefixes answered by a service of ROUTES (same URL, no second setting)."""


BODY_LIMITS: dict[str, int] = {
    # batches from the connector (1,000 items) and statement uploads; the owning service keeps its own,
    # possibly smaller, limit and answers 413 itself
    "/v1/revenue/transactions": 2 * 1024 * 1024,
    "/v1/revenue/subscriptions": 2 * 1024 * 1024,
    "/v1/revenue/imports": 64 * 1024 * 1024,
    # Stripe's webhook events (a few KiB; Stripe caps a payload well under this)
    "/v1/billing/webhooks/stripe": 1024 * 1024,
}
"""Path prefix → largest request body the gateway forwards (others: ``max_request_bytes``)."""

STREAMED_BODY_BYTES = 1024 * 1024
"""Bodies above this size (or of unknown size) are streamed to the service, never held in memory."""


class UnsafePath(ValueError):
    """A forwarded path that could leave ``/v1/<service>/`` once normalised."""


_ENCODED_REFUSED = ("%2f", "%5c", "%2e", "%00")  # encoded '/', '\\', '.', NUL
_SEGMENT_SAFE = "-._~!$&'()*+,;=:@"  # RFC 3986 pchar, besides unreserved and percent-encoded


def upstream_path(service: str, path: str, raw_path: bytes) -> str:
    """The path to request from the service: ``/v1/<service>/<path>``, re-encoded segment by segment.

    Refused (:class:`UnsafePath`): dot segments (``.``, ``..``), empty segments, backslashes, and
    encoded slashes, backslashes, dots or NULs in the raw path — anything an HTTP client or the
    service could normalise into a path outside ``/v1/<service>/`` (its ``/metrics``, ``/docs``…).
    ``path`` is the decoded remainder FastAPI matched; ``raw_path`` the request's path as sent."""
    raw = raw_path.decode("latin-1").lower()
    if any(token in raw for token in _ENCODED_REFUSED):
        raise UnsafePath("encoded '/', '\\', '.' or NUL characters are not allowed in a path")
    if not path:
        return f"/v1/{service}"
    segments = path.split("/")
    inner = segments[:-1] if segments[-1] == "" else segments  # a trailing slash is kept as is
    if any(s in ("", ".", "..") for s in inner) or "\\" in path or "\x00" in path:
        raise UnsafePath("'.', '..' and empty path segments are not allowed")
    return f"/v1/{service}/" + "/".join(quote(s, safe=_SEGMENT_SAFE) for s in segments)
