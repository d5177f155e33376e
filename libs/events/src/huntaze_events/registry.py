"""Which event lives on which topic, who produces it, and what its Kafka key is.

One topic per event type and major version: ``<type>.v<major>`` (``message.received.v1``). A
breaking change is a new model registered under the next major version, on its own topic; both
topics live side by side until every consumer has moved.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, TypeVar

from .envelope import Envelope, EventPayload, utcnow

DEFAULT_PARTITIONS = 6
DLQ_SUFFIX = ".dlq"

M = TypeVar("M", bound=type[EventPayload])


@dataclass(frozen=True)
class EventSpec:
    type: str
    version: int
    model: type[EventPayload]
    producer: str
    key: str
    """Name of the payload field holding the aggregate id, used as the Kafka key."""
    summary: str
    partitions: int = DEFAULT_PARTITIONS
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def name(self) -> str:
        return f"{self.type}.v{self.version}"

    @property
    def topic(self) -> str:
        return self.name

    @property
    def dlq_topic(self) -> str:
        return self.topic + DLQ_SUFFIX

    @cached_property
    def envelope_model(self) -> type[Envelope[Any]]:
        """``Envelope[Model]``: validates a whole record value in one pass."""
        return Envelope[self.model]  # type: ignore[name-defined]

    def key_for(self, payload: EventPayload) -> str:
        return str(getattr(payload, self.key))


class Registry:
    def __init__(self) -> None:
        self._by_name: dict[tuple[str, int], EventSpec] = {}
        self._by_model: dict[type[EventPayload], EventSpec] = {}

    def register(self, spec: EventSpec) -> None:
        name = (spec.type, spec.version)
        if name in self._by_name:
            raise ValueError(f"event {spec.name} is registered twice")
        if spec.key not in spec.model.model_fields:
            raise ValueError(f"{spec.name}: key field {spec.key!r} is not a payload field")
        self._by_name[name] = spec
        self._by_model[spec.model] = spec

    def unregister(self, spec: EventSpec) -> None:
        """For tests that declare a throw-away event; production code never unregisters."""
        self._by_name.pop((spec.type, spec.version), None)
        self._by_model.pop(spec.model, None)

    def get(self, type_: str, version: int) -> EventSpec:
        try:
            return self._by_name[(type_, version)]
        except KeyError:
            raise LookupError(f"unknown event {type_}.v{version}") from None

    def for_model(self, model: type[EventPayload]) -> EventSpec:
        try:
            return self._by_model[model]
        except KeyError:
            raise LookupError(f"{model.__qualname__} is not a registered event payload") from None

    def for_topic(self, topic: str) -> EventSpec:
        for spec in self._by_name.values():
            if spec.topic == topic:
                return spec
        raise LookupError(f"no event is published on topic {topic!r}")

    def __iter__(self) -> Iterator[EventSpec]:
        return iter(sorted(self._by_name.values(), key=lambda s: (s.type, s.version)))

    def __len__(self) -> int:
        return len(self._by_name)


REGISTRY = Registry()


def event(
    type_: str, *, version: int, producer: str, key: str, partitions: int = DEFAULT_PARTITIONS
) -> Callable[[M], M]:
    """Class decorator declaring a payload model as the contract of one event type and version."""

    def register(model: M) -> M:
        summary = " ".join((model.__doc__ or "").strip().split("\n\n")[0].split())
        REGISTRY.register(
            EventSpec(
                type=type_,
                version=version,
                model=model,
                producer=producer,
                key=key,
                summary=summary,
                partitions=partitions,
            )
        )
        return model

    return register


def make_envelope(
    payload: EventPayload,
    *,
    producer: str,
    creator_id: uuid.UUID,
    correlation_id: uuid.UUID | None = None,
    causation_id: uuid.UUID | None = None,
    traceparent: str | None = None,
    tracestate: str | None = None,
    occurred_at: datetime | None = None,
    event_id: uuid.UUID | None = None,
) -> Envelope[Any]:
    """Wraps a payload in its envelope; type and version come from the registry."""
    spec = REGISTRY.for_model(type(payload))
    event_id = event_id or uuid.uuid4()
    return spec.envelope_model(
        event_id=event_id,
        type=spec.type,
        version=spec.version,
        occurred_at=(occurred_at or utcnow()).astimezone(UTC),
        producer=producer,
        creator_id=creator_id,
        correlation_id=correlation_id or event_id,
        causation_id=causation_id,
        traceparent=traceparent,
        tracestate=tracestate,
        payload=payload,
    )
