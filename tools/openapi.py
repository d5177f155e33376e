"""The one OpenAPI document of the public API, generated from the code (`make docs`).

Every service's routers (found through the "huntaze.services" entry points, built with local
settings, nothing connects) are mounted on one FastAPI app, as the gateway exposes them under
`/v1/...`; the gateway's own forwarding route is left out, and every route but signup and token is
marked as needing the bearer token the frontend sends. (Behind the gateway a route learns its
caller from the gateway's internal token, checked by the chassis before any route runs: it is no
parameter of any route, and the services' routes take no header the gateway sets.)
Written to docs/openapi.json; a contract test fails when it is stale.
"""

from __future__ import annotations

import json
from typing import Any

PUBLIC = {("/v1/auth/signup", "post"), ("/v1/auth/token", "post")}


def document() -> dict[str, Any]:
    from fastapi import FastAPI

    from huntaze_service import discover

    app = FastAPI(
        title="Huntaze API",
        version="1",
        description="Everything the frontend and the connector call, through the gateway "
        "(http://127.0.0.1:8000 locally). Money is integer minor units with an ISO 4217 currency.",
    )
    for _, definition in sorted(discover().items()):
        for router in definition.documented().routers:
            if any("{service}" in getattr(route, "path", "") for route in router.routes):
                continue  # the gateway's forwarding route: the services' own routes stand for it
            app.include_router(router)
    doc = app.openapi()
    doc["paths"] = {
        path: item for path, item in sorted(doc["paths"].items()) if path.startswith("/v1/") and "{service}" not in path
    }
    doc.setdefault("components", {})["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    }
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if (path, method) not in PUBLIC:
                operation["security"] = [{"bearer": []}]
                responses = operation.setdefault("responses", {})
                responses.setdefault("401", {"description": "missing, invalid or expired token"})
    return doc


def content() -> str:
    return json.dumps(document(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
