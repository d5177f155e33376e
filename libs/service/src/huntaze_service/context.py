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
