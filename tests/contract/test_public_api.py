"""The one document of the public API, as the gateway serves it: every service's routes and the
gateway's own, the bearer scheme, /docs — and nothing served that a service does not answer."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from huntaze_service import discover, load_settings

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = {
    "/v1/auth/signup",
    "/v1/auth/token",
    "/v1/auth/refresh",
    "/v1/auth/accept-invitation",
    "/l/{code}",
    "/v1/calendar.ics",
    "/v1/billing/webhooks/stripe",
}


@pytest.fixture(autouse=True)
def _quiet_gateway_settings() -> None:
    logging.getLogger("gateway.config").setLevel(logging.ERROR)  # "no JWT secret": expected here


def gateway(**settings: Any) -> TestClient:
    from gateway.bootstrap import build
    from gateway.config import GatewaySettings

    return TestClient(build(load_settings(GatewaySettings, **settings)).build_app())


def served() -> dict[str, Any]:
    answer = gateway(environment="test").get("/openapi.json")
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (included := getattr(route, "original_router", None)) is not None:  # FastAPI ≥ 0.16x: lazy include
            yield from api_routes(included.routes)


def operations(app: Any) -> set[tuple[str, str]]:
    """(METHOD, path) of every public route ``app`` answers: under /v1/ and the gateway's /l/ (the
    forwarding route aside, and a service's route only the gateway reaches: marketing's redirect)."""
    return {
        (method, route.path)
        for route in api_routes(app.routes)
        if route.path.startswith(("/v1/", "/l/")) and "{service}" not in route.path and route.include_in_schema
        for method in route.methods
    }


def documented(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in doc["paths"].items() for method in item}


def test_the_gateway_serves_the_committed_document() -> None:
    assert served() == json.loads((ROOT / "docs" / "openapi.json").read_text()), "run `make docs`"


@pytest.mark.parametrize("name", sorted(discover()))
def test_every_route_of_every_service_is_in_the_served_document(name: str) -> None:
    doc = served()
    app = discover()[name].documented().build_app()
    routes = operations(app)
    assert routes, f"{name} answers no /v1 route?"
    missing = routes - documented(doc)
    assert not missing, f"{name}'s routes missing from the gateway's /openapi.json (run `make docs`): {missing}"


def test_the_document_names_no_route_that_no_service_answers() -> None:
    answered = set().union(*(operations(d.documented().build_app()) for d in discover().values()))
    assert documented(served()) - answered == set()


def test_every_operation_but_the_public_ones_needs_the_bearer_token() -> None:
    doc = served()
    assert doc["components"]["securitySchemes"] == {
        "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    }
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if path in PUBLIC:
                assert "security" not in operation, (method, path)
            else:
                assert operation["security"] == [{"bearer": []}] and "401" in operation["responses"], (method, path)


def test_docs_are_swagger_ui_on_that_document() -> None:
    page = gateway(environment="test").get("/docs")
    assert page.status_code == 200 and "swagger-ui" in page.text and "/openapi.json" in page.text


def test_docs_are_off_in_production_unless_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    from gateway.config import GatewaySettings
    from huntaze_service import new_key_pair

    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SSL")
    signing, public = new_key_pair("k1")
    production = {
        "environment": "production",
        "database_url": "postgresql+psycopg://gateway@db/gateway",
        "kafka_bootstrap_servers": "kafka:9093",
        "jwt_secret": "j" * 48,
        "internal_signing_key": signing,
        "internal_token_keys": public,
        "routes": {name: f"http://{name}:8000" for name in __import__("gateway.routing").routing.ROUTES},
    }
    assert load_settings(GatewaySettings, **production).docs_enabled is False
    assert load_settings(GatewaySettings, environment="local").docs_enabled is True
    closed = gateway(**production)
    assert closed.get("/openapi.json").status_code == 404 and closed.get("/docs").status_code == 404
    opened = gateway(**production, docs_enabled=True)
    assert opened.get("/openapi.json").status_code == 200 and opened.get("/docs").status_code == 200
    monkeypatch.setenv("GATEWAY_DOCS_ENABLED", "false")
    assert load_settings(GatewaySettings, environment="local").docs_enabled is False
