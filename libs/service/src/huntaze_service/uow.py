"""Unit of work: one database transaction, and the events it emits written to the outbox in it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from huntaze_events import REGISTRY, Envelope, EventPayload, make_envelope

from . import context
from .outbox import OutboxRow, write_rows
from .telemetry import carrier_of


class UnitOfWork:
    """``async with runtime.uow() as uow: ...; uow.emit(...); await uow.commit()``.

    Leaving the block without ``commit()`` rolls everything back, emitted events included.
    """

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        producer_name: str,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._producer_name = producer_name
        self._on_commit = on_commit
        self._pending: list[Envelope[Any]] = []
        self._session: AsyncSession | None = None
        self.committed = False

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("use the unit of work inside `async with`")
        return self._session

    async def __aenter__(self) -> UnitOfWork:
        self._session = self._sessionmaker()
        await self._session.begin()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        assert session is not None
        try:
            if not self.committed:
                await session.rollback()
        finally:
            self._pending.clear()
            await session.close()

    def emit(
        self,
        payload: EventPayload,
        *,
        creator_id: uuid.UUID | None = None,
        cause: Envelope[Any] | None = None,
        occurred_at: datetime | None = None,
        trace_context: trace.Span | Context | None = None,
    ) -> Envelope[Any]:
        """Queues an event for the outbox; it is written by ``commit()`` in the same transaction.

        Correlation and causation come from ``cause`` (the event being handled) or else from the
        current request context; the tenant from ``creator_id`` or the cause; the trace context
        from ``trace_context`` or the current span (the HTTP request's or the consumer's).
        """
        spec = REGISTRY.for_model(type(payload))
        if spec.producer != self._producer_name:
            raise ValueError(
                f"{self._producer_name} may not emit {spec.name}: its registered producer is {spec.producer}"
            )
        ctx = context.current()
        traceparent, tracestate = carrier_of(trace_context)
        if cause is not None:
            correlation_id = cause.correlation_id
            causation_id: uuid.UUID | None = cause.event_id
            if traceparent is None:  # no span here: stay in the cause's trace
                traceparent, tracestate = cause.traceparent, cause.tracestate
            tenant = creator_id or cause.creator_id
        else:
            correlation_id = ctx.correlation_id if ctx else uuid.uuid4()
            causation_id = ctx.causation_id if ctx else None
            tenant = creator_id or (ctx.creator_id if ctx else None)
        if tenant is None:
            raise ValueError("an event needs its tenant: pass creator_id= or cause=")
        envelope = make_envelope(
            payload,
            producer=self._producer_name,
            creator_id=tenant,
            correlation_id=correlation_id,
            causation_id=causation_id,
            traceparent=traceparent,
            tracestate=tracestate,
            occurred_at=occurred_at,
        )
        self._pending.append(envelope)
        return envelope

    @property
    def emitted(self) -> list[Envelope[Any]]:
        return list(self._pending)

    async def commit(self) -> None:
        session = self.session
        if self._pending:
            await write_rows(session, [OutboxRow.from_envelope(e) for e in self._pending])
        await session.commit()
        self.committed = True
        if self._pending and self._on_commit is not None:
            self._on_commit()
