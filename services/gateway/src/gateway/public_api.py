"""The one document of the public API, as the gateway serves it at ``/openapi.json`` (and ``/docs``).

It is the gateway's own routes (identity, the organisation, the export: read from the gateway app
itself) merged with every service's routes under ``/v1`` — which the gateway forwards but does not
import: ``make docs`` (tools/openapi.py) writes them into ``openapi.json`` beside this module,
package data of the gateway. Every operation but the public ones (sign-up, token, refresh, accepting
an invitation) is marked as needing the bearer token, and may answer 401.

``docs/openapi.json`` in the repository is this same document (``make docs``); a contract test
checks that the gateway serves it and that no service's route is missing from it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from typing import Any

from fastapi import FastAPI

TITLE = "Huntaze API"
DESCRIPTION = (
    "Everything the frontend and the connector call, through the gateway "
    "(http://127.0.0.1:8000 locally). Money is integer minor units with an ISO 4217 currency."
)
PUBLIC = {
    ("/v1/auth/signup", "post"),
    ("/v1/auth/token", "post"),
    ("/v1/auth/refresh", "post"),
    ("/v1/auth/accept-invitation", "post"),
    ("/l/{code}", "get"),
    ("/v1/calendar.ics", "get"),
    ("/v1/billing/webhooks/stripe", "post"),
}
"""Operations that take no bearer token."""
SERVICES_DOCUMENT = "openapi.json"
"""The services' routes, written by `make docs` into the gateway package."""
BEARER = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
ERROR = {
    "title": "Error",
    "type": "object",
    "required": ["detail", "code"],
    "properties": {
        "detail": {"title": "Detail", "description": "What went wrong, for a person (a message)."},
        "code": {"title": "Code", "type": "string", "description": "What went wrong, for a program."},
        "errors": {
            "title": "Errors",
            "type": "array",
            "items": {"$ref": "#/components/schemas/ValidationError"},
            "description": "422: each invalid field of the request.",
        },
    },
}
"""Every error answer of the platform (the chassis' error handlers): also what a 422 is, in place of
FastAPI's default ``HTTPValidationError`` (whose ``detail`` is a list)."""
ACCESS_ERRORS = {
    "401": "missing, invalid or expired token",
    "400": "X-Creator-Id or X-Organization-Id is not a UUID, or the caller may act on several creator "
    "accounts and the request names none (X-Creator-Id)",
    "403": "the caller's role (or a connector key) may not do this",
    "404": "the creator account named (X-Creator-Id, or in the path) is not one the caller may act on, or "
    "the resource does not exist",
}
"""What the gateway's access check may answer on any operation needing the bearer token."""


def public_paths(doc: dict[str, Any]) -> dict[str, Any]:
    """The paths of ``doc`` a client may call through the gateway: under ``/v1/`` (and the public
    redirect ``/l/``), and not the gateway's forwarding route (each service's own routes stand for it)."""
    return {
        path: item
        for path, item in doc.get("paths", {}).items()
        if path.startswith(("/v1/", "/l/")) and "{service}" not in path
    }


def merge(own: dict[str, Any], services: dict[str, Any]) -> dict[str, Any]:
    """The gateway's own document (``own``, as ``app.openapi()`` gives it) and the services'
    document merged into the one public document. A path or a schema name both define differently
    is an error, never a silent overwrite."""
    paths = dict(public_paths(services))
    for path, item in public_paths(own).items():
        if path in paths and paths[path] != item:
            raise ValueError(f"{path} is both a gateway route and a service route")
        paths[path] = item
    schemas = dict(services.get("components", {}).get("schemas", {}))
    for name, schema in own.get("components", {}).get("schemas", {}).items():
        if name in schemas and schemas[name] != schema:
            raise ValueError(f"schema {name} differs between the gateway and a service: rename one")
        schemas[name] = schema
    doc: dict[str, Any] = {
        "openapi": services.get("openapi") or own.get("openapi"),
        "info": {"title": TITLE, "description": DESCRIPTION, "version": "1"},
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": dict(sorted(schemas.items())), "securitySchemes": {"bearer": BEARER}},
    }
    return with_errors(secure(doc))


def with_errors(doc: dict[str, Any]) -> dict[str, Any]:
    """Error answers as the platform sends them: ``Error`` (``HTTPValidationError`` too, which every
    422 refers to) as the body of every documented 4xx without one. In place; returns ``doc``."""
    schemas = doc["components"]["schemas"]
    schemas["Error"] = ERROR
    if "HTTPValidationError" in schemas:
        schemas["HTTPValidationError"] = {**ERROR, "title": "HTTPValidationError"}
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for item in doc["paths"].values():
        for operation in item.values():
            for status, response in operation.get("responses", {}).items():
                if status.startswith("4") and "content" not in response:
                    response["content"] = body
    return doc


def secure(doc: dict[str, Any]) -> dict[str, Any]:
    """Marks every operation but the public ones as needing the bearer token, with what the gateway's
    access check may answer instead (401, 400, 403, 404). In place; returns ``doc``."""
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if (path, method) in PUBLIC:
                continue
            operation["security"] = [{"bearer": []}]
            responses = operation.setdefault("responses", {})
            for status, description in ACCESS_ERRORS.items():
                responses.setdefault(status, {"description": description})
    return doc


def services_document() -> dict[str, Any]:
    """The services' routes as `make docs` wrote them into the gateway package."""
    return json.loads(resources.files(__package__).joinpath(SERVICES_DOCUMENT).read_text(encoding="utf-8"))


def install(app: FastAPI) -> None:
    """Makes ``app`` (the gateway's) serve the one public document at its OpenAPI URL and ``/docs``:
    its own routes and every service's, computed once, on the first request."""
    own: Callable[[], dict[str, Any]] = app.openapi
    merged: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        if not merged:
            merged.update(merge(own(), services_document()))
        return merged

    app.openapi = openapi  # type: ignore[method-assign]
