"""The compatibility rule: what breaks readers or writers needs a new major version."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from pydantic import Field

from huntaze_events import EventPayload, EventSpec, Registry, compat


class V1(EventPayload):
    order_id: uuid.UUID
    amount_cents: int
    note: str | None = None


class Removed(EventPayload):
    order_id: uuid.UUID


class Renamed(EventPayload):
    order_id: uuid.UUID
    amount: int
    note: str | None = None


class Retyped(EventPayload):
    order_id: uuid.UUID
    amount_cents: str
    note: str | None = None


class NewRequired(EventPayload):
    order_id: uuid.UUID
    amount_cents: int
    note: str | None = None
    currency: str


class NewOptional(EventPayload):
    order_id: uuid.UUID
    amount_cents: int
    note: str | None = None
    currency: str = Field(default="USD", description="added in a minor change")


def registry_with(model: type[EventPayload]) -> Registry:
    registry = Registry()
    registry.register(
        EventSpec(type="order.paid", version=1, model=model, producer="billing", key="order_id", summary="")
    )
    return registry


def schema(model: type[EventPayload]) -> dict:
    (spec,) = list(registry_with(model))
    return compat.schema_of(spec)


def test_identical_schemas_are_compatible() -> None:
    assert compat.breaking_changes(schema(V1), schema(V1)) == []


def test_each_breaking_change_is_named() -> None:
    assert any("amount_cents: field removed" in p for p in compat.breaking_changes(schema(V1), schema(Removed)))
    renamed = compat.breaking_changes(schema(V1), schema(Renamed))
    assert any("amount_cents: field removed or renamed" in p for p in renamed)
    assert any("amount: new required field" in p for p in renamed)
    assert any("amount_cents: type changed" in p for p in compat.breaking_changes(schema(V1), schema(Retyped)))
    assert any("currency: new required field" in p for p in compat.breaking_changes(schema(V1), schema(NewRequired)))


def test_a_new_optional_field_is_compatible_but_must_be_snapshotted(tmp_path: Path) -> None:
    assert compat.breaking_changes(schema(V1), schema(NewOptional)) == []
    assert compat.write(registry_with(V1), tmp_path) == ["order.paid.v1: add a sample to huntaze_events/samples.py"]
    (spec,) = list(registry_with(V1))
    compat.golden_path(spec, tmp_path).write_text(
        json.dumps(
            {
                "event_id": str(uuid.uuid4()),
                "type": "order.paid",
                "version": 1,
                "occurred_at": "2026-01-01T00:00:00Z",
                "producer": "billing",
                "creator_id": str(uuid.uuid4()),
                "correlation_id": str(uuid.uuid4()),
                "payload": {"order_id": str(uuid.uuid4()), "amount_cents": 500},
            }
        )
    )
    assert compat.check(registry_with(V1), tmp_path) == []
    problems = compat.check(registry_with(NewOptional), tmp_path)
    assert problems == ["order.paid.v1: compatible change not snapshotted; run `make contracts`"]
    assert compat.write(registry_with(NewOptional), tmp_path) == []
    assert compat.check(registry_with(NewOptional), tmp_path) == []


def test_check_and_write_refuse_breaking_changes(tmp_path: Path) -> None:
    compat.write(registry_with(V1), tmp_path)
    before = (tmp_path / "order.paid.v1.schema.json").read_text()
    problems = compat.check(registry_with(Retyped), tmp_path)
    assert any("incompatible change" in p and "order.paid.v2" in p for p in problems)
    assert compat.write(registry_with(Retyped), tmp_path)  # refused ...
    assert (tmp_path / "order.paid.v1.schema.json").read_text() == before  # ... and nothing written
