"""The gateway's routing table: which service answers ``/v1/<name>/...``.

Adding a service to the public API is one line here: its name and the port it listens on locally
(``make run``). Elsewhere the URL comes from ``GATEWAY_ROUTES__<NAME>`` (e.g.
``GATEWAY_ROUTES__INBOX=http://inbox-api.huntaze.svc:8001``), required in production.
"""

ROUTES: dict[str, int] = {
    "inbox": 8001,
    "ai": 8002,
    "fans": 8003,
}
