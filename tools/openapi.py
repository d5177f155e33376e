"""The one OpenAPI document of the public API, generated from the code (`make docs`).

Two files, one document:

- services/gateway/src/gateway/openapi.json — every service's public routes but the gateway's:
  their routers (found through the "huntaze.services" entry points, built with local settings,
  nothing connects) mounted on one FastAPI app, as the gateway exposes them under `/v1/...`. Package
  data of the gateway, which serves it merged with its own routes (gateway.public_api) without
  importing any other service's code.
- docs/openapi.json — that merge, exactly what the gateway serves at /openapi.json.

Every route but the public ones (sign-up, token, refresh, accepting an invitation) is marked as
needing the bearer token the frontend sends. (Behind the gateway a route learns its caller from the
gateway's internal token, checked by the chassis before any route runs: it is no parameter of any
route, and the services' routes take no header the gateway sets.) A contract test fails when either
file is stale.
"""

from __future__ import annotations

import json
from typing import Any

GATEWAY = "gateway"


def _app_document(routers: list[Any]) -> dict[str, Any]:
    from fastapi import FastAPI

    app = FastAPI(title="Huntaze API", version="1")
    for router in routers:
        app.include_router(router)
    return app.openapi()


def services_document() -> dict[str, Any]:
    """Every service's public routes but the gateway's own (what the gateway package holds)."""
    from gateway.public_api import public_paths, secure
    from huntaze_service import discover

    routers = [
        router
        for name, definition in sorted(discover().items())
        if name != GATEWAY
        for router in definition.documented().routers
    ]
    doc = _app_document(routers)
    doc["paths"] = dict(sorted(public_paths(doc).items()))
    doc.setdefault("components", {})
    return secure(doc)


def document() -> dict[str, Any]:
    """The one public document: the gateway's own routes and every service's."""
    from gateway.api import ROUTERS
    from gateway.public_api import merge

    return merge(_app_document(ROUTERS), services_document())


def _dump(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def content() -> str:
    return _dump(document())


def services_content() -> str:
    return _dump(services_document())
