"""Producer/consumer contracts of the platform, checked without any infrastructure.

- the committed schemas and golden samples match the code, and no change broke compatibility;
- every consumer of every service accepts the producer's golden sample of what it consumes;
- every consumed event is produced by a service that exists, and that service's code emits it.
"""

from __future__ import annotations

import ast
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from huntaze_events import REGISTRY, Envelope, compat
from huntaze_service import RetryPolicy, Subscriptions, discover
from huntaze_service.consuming.processor import BatchProcessor
from huntaze_service.subscriptions import Subscription
from huntaze_testkit import consumer_record

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(discover())


def _catalog() -> Any:
    spec = importlib.util.spec_from_file_location("huntaze_catalog", ROOT / "tools" / "catalog.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def service_subscriptions() -> dict[str, Subscriptions]:
    return _catalog().service_subscriptions()  # type: ignore[no-any-return]


def consumed() -> list[tuple[str, Subscription]]:
    return [(service, sub) for service, subs in service_subscriptions().items() for sub in subs]


def golden(topic: str) -> bytes:
    spec = REGISTRY.for_topic(topic)
    return compat.golden_path(spec).read_bytes()


def test_committed_contracts_are_current_and_compatible() -> None:
    assert compat.check() == []


@pytest.mark.parametrize("service,subscription", consumed(), ids=lambda v: getattr(v, "name", v))
def test_consumer_accepts_the_producers_golden_sample(service: str, subscription: Subscription) -> None:
    raw = golden(subscription.spec.topic)
    processor = BatchProcessor(
        service=service,
        subscription=subscription,
        uow_factory=lambda: None,  # type: ignore[arg-type,return-value]
        producer=None,  # type: ignore[arg-type]
        retry=RetryPolicy(),
    )
    record = consumer_record(subscription.spec.topic, raw)
    decoded = processor.decode(record)
    assert isinstance(decoded, Envelope), f"{service}.{subscription.name} rejects the golden sample: {decoded}"
    # a tolerant reader: a producer's extra field (a compatible addition) is ignored, not fatal
    body = json.loads(raw)
    body["payload"]["field_added_in_a_later_minor_version"] = {"any": "thing"}
    body["added_envelope_field"] = 1
    record.value = json.dumps(body).encode()
    assert isinstance(processor.decode(record), Envelope)


def emitted_by(service: str) -> set[str]:
    """Payload classes the service's code passes to ``emit(...)`` (read from its source): ``emit(X(...))``,
    ``emit(f(...))`` with ``def f(...) -> X``, and ``emit(v)`` with ``v = X(...)`` or ``v = f(...)`` earlier in
    the same function."""
    package = ROOT / "services" / service / "src" / service
    trees = [ast.parse(path.read_text()) for path in package.rglob("*.py")]
    returns = {
        node.name: node.returns.id
        for tree in trees
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and isinstance(node.returns, ast.Name)
    }

    def made_by(call: ast.expr) -> str | None:
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name):
            return returns.get(call.func.id, call.func.id)
        return None

    found: set[str] = set()
    for tree in trees:
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
                continue
            assigned = {
                target.id: made
                for node in ast.walk(function)
                if isinstance(node, ast.Assign) and (made := made_by(node.value))
                for target in node.targets
                if isinstance(target, ast.Name)
            }
            for node in ast.walk(function):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "emit":
                    if not node.args:
                        continue
                    arg = node.args[0]
                    name = made_by(arg) or (assigned.get(arg.id) if isinstance(arg, ast.Name) else None)
                    if name:
                        found.add(name)
    return found


def test_every_consumed_event_is_emitted_by_its_producers_code() -> None:
    """A consumer waiting for an event that its producer no longer emits would wait forever; the
    registry alone cannot tell (it names a producer, not what the producer does)."""
    for service, subscription in consumed():
        spec = subscription.spec
        assert spec.producer in SERVICES, f"{spec.topic} is produced by {spec.producer}, which is not a service"
        assert spec.model.__name__ in emitted_by(spec.producer), (
            f"{service}.{subscription.name} consumes {spec.name}, but {spec.producer} never emits {spec.model.__name__}"
        )
    for spec in REGISTRY:
        assert json.loads(golden(spec.topic))["producer"] == spec.producer


def test_the_asyncapi_documents_and_readme_catalog_are_current() -> None:
    assert _catalog().stale() == [], "generated docs are stale: run `make docs`"


def test_the_catalog_names_every_channel_with_its_payload_producer_and_consumers() -> None:
    catalog = json.loads((ROOT / "docs" / "asyncapi" / "catalog.json").read_text())
    assert set(catalog["channels"]) == {spec.topic for spec in REGISTRY}
    for service, subscription in consumed():
        channel = catalog["channels"][subscription.spec.topic]
        assert f"{service}.{subscription.name}" in channel["x-consumers"]
    for spec in REGISTRY:
        channel = catalog["channels"][spec.topic]
        assert channel["x-producer"] == spec.producer
        message = catalog["components"]["messages"][spec.name]
        schema_name = message["payload"]["$ref"].rsplit("/", 1)[-1]
        from urllib.parse import unquote

        schema = catalog["components"]["schemas"][unquote(schema_name)]
        assert {"event_id", "type", "version", "payload"} <= set(schema["properties"])
        assert f"{spec.producer}.send.{spec.topic}" in catalog["operations"]


def test_every_route_of_the_one_openapi_document_is_reachable_through_the_gateway() -> None:
    from gateway.api import ROUTERS
    from gateway.routing import ALIASES, ROUTES

    doc = json.loads((ROOT / "docs" / "openapi.json").read_text())
    prefixes = {path.split("/")[2] for path in doc["paths"] if path.startswith("/v1/")}
    own = {  # answered by the gateway itself (identity, the organisation)
        route.path.split("/")[2]
        for router in ROUTERS
        for route in router.routes
        if route.path.startswith("/v1/") and "{service}" not in route.path
    }
    public = {path for path in doc["paths"] if not path.startswith("/v1/")}
    assert public <= {r.path for router in ROUTERS for r in router.routes}, "the gateway answers them itself"
    assert prefixes - own <= set(ROUTES) | set(ALIASES), prefixes - own - set(ROUTES) - set(ALIASES)
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            names = {p["name"].lower() for p in operation.get("parameters", [])}
            # the caller comes from the gateway's internal token, which the chassis checks: no route takes
            # the token, nor a header naming a creator or a user that a client could set
            assert not names & {"x-creator-id", "x-user-id", "x-internal-token"}, (method, path)
            # which operations need the bearer token: test_public_api.py
