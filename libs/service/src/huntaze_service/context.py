"""What the current request or event is, carried in context variables.

The HTTP middleware and the consumer set it; logs, the unit of work (for ``correlation_id`` and
``causation_id`` on emitted events) and error reports read it. Trace context is OpenTelemetry's own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class EventContext:
    correlation_id: uuid.UUID
    causation_id: uuid.UUID | None = None
    event_id: uuid.UUID | None = None
    creator_id: uuid.UUID | None = None
    traceparent: str | None = None
    """Where the work started, when no span is current (a timer fires in the trace that scheduled it)."""

    def with_(self, **changes: object) -> EventContext:
        return replace(self, **changes)  # type: ignore[arg-type]


_current: ContextVar[EventContext | None] = ContextVar("huntaze_event_context", default=None)


def current() -> EventContext | None:
    return _current.get()


@contextmanager
def bind(ctx: EventContext) -> Iterator[EventContext]:
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


@contextmanager
def resumed(
    *,
    correlation_id: uuid.UUID | None,
    causation_id: uuid.UUID | None,
    creator_id: uuid.UUID,
    traceparent: str | None,
) -> Iterator[EventContext]:
    """The context of work recorded earlier (a timer, an external call) while it runs: events it
    emits carry the correlation, causation and trace of what recorded it."""
    with bind(
        EventContext(
            correlation_id=correlation_id or uuid.uuid4(),
            causation_id=causation_id,
            creator_id=creator_id,
            traceparent=traceparent,
        )
    ) as ctx:
        yield ctx
