"""The gateway's routing table: which service answers ``/v1/<name>/...``.

Adding a service to the public API is one line here: its name and the port it listens on locally
(``make run``). Elsewhere the URL comes from ``GATEWAY_ROUTES__<NAME>`` (e.g.
``GATEWAY_ROUTES__INBOX=http://inbox-api.huntaze.svc:8001``), required in production.
"""

ROUTES: dict[str, int] = {
    "inbox": 8001,
    "ai": 8002,
    "fans": 8003,
    "analytics": 8004,
}

ALIASES: dict[str, str] = {
    # /v1/revenue/... is the connector's and the revenue screens' API; the fans service owns it
    "revenue": "fans",
}
"""More path prefixes answered by a service of ROUTES (same URL, no second setting)."""


BODY_LIMITS: dict[str, int] = {
    # batches from the connector (1,000 items) and statement uploads; the owning service keeps its own,
    # possibly smaller, limit and answers 413 itself
    "/v1/revenue/transactions": 2 * 1024 * 1024,
    "/v1/revenue/subscriptions": 2 * 1024 * 1024,
    "/v1/revenue/imports": 64 * 1024 * 1024,
}
"""Path prefix → largest request body the gateway forwards (others: ``max_request_bytes``)."""

STREAMED_BODY_BYTES = 1024 * 1024
"""Bodies above this size (or of unknown size) are streamed to the service, never held in memory."""
