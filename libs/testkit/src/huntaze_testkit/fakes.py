"""Fakes for unit tests of use cases: no PostgreSQL, no Kafka (cosmicpython's fake unit of work).

    repo = FakeInboxRepository()                     # the service's own in-memory repository
    uow = FakeUnitOfWork(repo, producer="inbox", subscriptions=subs)
    await handlers.approve_draft(uow, ...)
    assert uow.commits == 1 and [e.type for e in uow.events] == ["reply.approved"]

:class:`FakeUnitOfWork` keeps the real rules (a service emits only its own events, an event has a
tenant, timer kinds must be registered) because it shares them with the real one
(:class:`huntaze_service.UnitOfWork`); it only replaces persistence and the clock.
:class:`FakeWorker` plays the worker's part: delivers events to the subscriptions, fires due timers,
makes recorded external calls — each in a fresh fake unit of work over the same repository.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from huntaze_events import Envelope, EventPayload, make_envelope
from huntaze_service import Call, CallFailed, PermanentError, Subscriptions, Timer, context
from huntaze_service.uow import TimerWrite, UnitOfWork

R = TypeVar("R")


class Clock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime | None = None) -> None:
        self.current = now or datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current


@dataclass
class TimerRow:
    write: TimerWrite
    attempts: int = 0
    dead: bool = False


class FakeUnitOfWork(UnitOfWork[R]):
    def __init__(
        self,
        repo: R,
        *,
        producer: str,
        subscriptions: Subscriptions | None = None,
        clock: Clock | None = None,
        timers: dict[tuple[str, str], TimerRow] | None = None,
        events: list[Envelope[Any]] | None = None,
    ) -> None:
        super().__init__(producer_name=producer, kinds=subscriptions.kinds() if subscriptions else None)
        self.repo = repo
        self.clock = clock or Clock()
        self.timer_table: dict[tuple[str, str], TimerRow] = timers if timers is not None else {}
        """Committed timers and calls, by (kind, key), as the ``timers`` table would hold them."""
        self.events: list[Envelope[Any]] = events if events is not None else []
        """Every event committed through this unit of work (or the worker sharing the list)."""
        self.commits = 0
        self.rollbacks = 0

    def now(self) -> datetime:
        return self.clock()

    async def _write(
        self, events: Sequence[Envelope[Any]], timers: Sequence[TimerWrite], cancels: Sequence[tuple[str, str]]
    ) -> None:
        self.events.extend(events)
        for kind, key in cancels:
            row = self.timer_table.get((kind, key))
            if row is not None and not (row.write.is_call and row.dead):  # fakes make no call concurrently
                del self.timer_table[(kind, key)]
        for write in timers:
            if write.is_call and (write.kind, write.key) in self.timer_table:
                continue  # recorded once
            self.timer_table[(write.kind, write.key)] = TimerRow(write)
        self.commits += 1

    async def rollback(self) -> None:
        await super().rollback()
        self.rollbacks += 1

    async def __aenter__(self) -> FakeUnitOfWork[R]:
        self.committed = False
        return self


class FakeWorker(Generic[R]):
    """The worker's side of a service, on fakes: events in, timers fired, calls made."""

    def __init__(self, repo: R, *, producer: str, subscriptions: Subscriptions, clock: Clock | None = None) -> None:
        self.repo = repo
        self.producer = producer
        self.subscriptions = subscriptions
        self.clock = clock or Clock()
        self.timers: dict[tuple[str, str], TimerRow] = {}
        self.events: list[Envelope[Any]] = []
        self.handled: list[str] = []
        """Subscription, timer and call names in the order they ran (to count invocations)."""

    def uow(self) -> FakeUnitOfWork[R]:
        return FakeUnitOfWork(
            self.repo,
            producer=self.producer,
            subscriptions=self.subscriptions,
            clock=self.clock,
            timers=self.timers,
            events=self.events,
        )

    def emitted(self, type_: str) -> list[Envelope[Any]]:
        return [e for e in self.events if e.type == type_]

    async def deliver(self, *envelopes: Envelope[Any]) -> None:
        """Each envelope to every subscription of its event, as one batch per subscription."""
        for sub in self.subscriptions:
            mine = [e for e in envelopes if e.type == sub.spec.type and e.version == sub.spec.version]
            if mine:
                async with self.uow() as uow:
                    uow.owned_by = f"consumer {sub.name}"  # as the chassis' processor: no commit inside
                    try:
                        await sub.handler(uow, mine)
                    finally:
                        uow.owned_by = None
                    await uow.commit()
                self.handled.append(sub.name)

    async def fire_due(self) -> int:
        """Fires every timer due at the clock's time (recurring ones move on); returns how many."""
        fired = 0
        for (kind, key), row in sorted(self.timers.items(), key=lambda kv: kv[1].write.due_at):
            write = row.write
            if write.is_call or row.dead or write.due_at > self.clock():
                continue
            spec = self.subscriptions.timers[kind]
            payload = spec.model.model_validate(write.payload) if spec.model else write.payload
            row.attempts += 1
            self.timers.pop((kind, key))
            with _resumed(write):
                async with self.uow() as uow:
                    timer = Timer(kind, key, write.tenant, write.due_at, self.clock(), row.attempts, payload)
                    try:
                        await spec.handler(uow, timer)
                    except PermanentError:
                        row.dead = True
                        self.timers[(kind, key)] = row
                        continue
                    await uow.commit()
            if write.recurrence is not None and (kind, key) not in self.timers:
                following = write.recurrence.next_after(self.clock(), write.due_at)
                if following is not None:
                    self.timers[(kind, key)] = TimerRow(replace(write, due_at=following))
            self.handled.append(kind)
            fired += 1
        return fired

    async def run_calls(self) -> list[tuple[str, str, str]]:
        """Makes every recorded external call once: (kind, key, outcome) for each."""
        outcomes = []
        for (kind, key), row in list(self.timers.items()):
            write = row.write
            if not write.is_call or row.dead or self.timers.get((kind, key)) is not row:
                continue  # not a call, buried, or cancelled by an outcome recorded in this round
            spec = self.subscriptions.calls[kind]
            payload = spec.model.model_validate(write.payload) if spec.model else write.payload
            row.attempts += 1
            call = Call(kind, key, write.tenant, payload, row.attempts, reconciling=False)
            try:
                result = await spec.remote(call)
            except CallFailed as exc:
                if exc.permanent and spec.on_failure is not None:
                    with _resumed(write):
                        async with self.uow() as uow:
                            await spec.on_failure(uow, call, str(exc))
                            await uow.commit()
                    del self.timers[(kind, key)]
                outcomes.append((kind, key, "refused" if exc.permanent else "retry"))
                continue
            with _resumed(write):
                async with self.uow() as uow:
                    await spec.on_result(uow, call, result)
                    await uow.commit()
            del self.timers[(kind, key)]
            self.handled.append(kind)
            outcomes.append((kind, key, "done"))
        return outcomes


def _resumed(write: TimerWrite) -> Any:
    return context.resumed(
        correlation_id=write.correlation_id,
        causation_id=write.causation_id,
        creator_id=write.tenant,
        traceparent=write.traceparent,
    )


def envelope(payload: EventPayload, *, producer: str, creator_id: uuid.UUID | None = None, **kw: Any) -> Envelope[Any]:
    """An event as its producer would have emitted it."""
    return make_envelope(payload, producer=producer, creator_id=creator_id or uuid.uuid4(), **kw)


UowFactory = Callable[[], FakeUnitOfWork[Any]]
