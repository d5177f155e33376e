"""Everything a service's workers do, declared in one place (its ``consumers.py``):

    subs = Subscriptions()

    @subs.on(ReplyDrafted)                     # one event at a time:  handler(uow, event)
    @subs.on_batch(MessageReceived)            # set-based, per batch: handler(uow, events)
    @subs.timer("expire_offer", ExpireOffer)   # a durable timer fired: handler(uow, timer)
    subs.call("send_reply", SendReply,         # an external call made outside any transaction
              remote=..., on_result=..., on_failure=..., reconcile=..., timeout_s=10)

Handlers take the service's unit of work (``uow.repo``, ``uow.emit``, ``uow.schedule``, ``uow.call``)
and nothing else, so they run unchanged on a fake one in unit tests.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from opentelemetry import trace
from pydantic import BaseModel

from huntaze_events import Envelope, EventPayload
from huntaze_events.registry import REGISTRY, EventSpec

from . import context
from .context import EventContext
from .uow import TimerKinds, UnitOfWork

P = TypeVar("P")
FAILED_EVENT_ATTR = "__huntaze_failed_event_id__"


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    initial_backoff_s: float = 0.2
    max_backoff_s: float = 5.0

    def delay(self, attempt: int) -> float:
        """Exponential backoff with jitter for the given (1-based) failed attempt."""
        base = min(self.initial_backoff_s * (2 ** (attempt - 1)), self.max_backoff_s)
        return base * random.uniform(0.75, 1.25)


class PermanentError(Exception):
    """Raised by a handler for work that can never succeed (e.g. it names an unknown entity):
    an event goes to the dead-letter topic at once, a timer is buried at once — no retries."""


class CallFailed(Exception):
    """Raised by a remote function: the peer refused (``permanent``: never retried) or failed
    in a way worth retrying, maybe after ``retry_after_s`` (a 429's Retry-After)."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after_s = retry_after_s


# events ---------------------------------------------------------------------------------------------

EventHandler = Callable[[Any, Envelope[Any]], Awaitable[None]]
BatchHandler = Callable[[Any, Sequence[Envelope[Any]]], Awaitable[None]]


@dataclass(frozen=True)
class Subscription:
    name: str
    spec: EventSpec
    handler: BatchHandler
    description: str
    retry: RetryPolicy | None = None
    batch_size: int | None = None
    """Records per batch (default: the service's consumer_batch_size)."""


# timers ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timer(Generic[P]):
    """A timer being fired: what was scheduled, and when it fires."""

    kind: str
    key: str
    tenant: uuid.UUID
    due_at: datetime
    fired_at: datetime
    attempt: int
    payload: P


TimerHandler = Callable[[Any, Timer[Any]], Awaitable[None]]


@dataclass(frozen=True)
class TimerSpec:
    kind: str
    model: type[BaseModel] | None
    handler: TimerHandler
    description: str
    retry: RetryPolicy | None = None


# external calls ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call(Generic[P]):
    """An external call being made: ``idempotency_key`` is what the peer receives, the same on
    every attempt; ``reconciling`` says a previous attempt's outcome is unknown (its replica died)."""

    kind: str
    key: str
    tenant: uuid.UUID
    payload: P
    attempt: int
    reconciling: bool

    @property
    def idempotency_key(self) -> str:
        return self.key


@dataclass(frozen=True)
class CallSpec:
    kind: str
    model: type[BaseModel] | None
    remote: Callable[[Call[Any]], Awaitable[Any]]
    """Makes the call (no database here); returns what ``on_result`` records, or raises."""
    on_result: Callable[[Any, Call[Any], Any], Awaitable[None]]
    """Records the outcome, in a transaction of its own."""
    on_failure: Callable[[Any, Call[Any], str], Awaitable[None]] | None
    """Records a final failure (refused, or attempts exhausted); without it the call is buried."""
    reconcile: Callable[[Call[Any]], Awaitable[Any | None]] | None
    """For peers without idempotency keys: looks up whether a previous attempt landed (its
    result) or not (None) before calling again."""
    timeout_s: float
    retry: RetryPolicy
    description: str


# the list ------------------------------------------------------------------------------------------------


@dataclass
class Subscriptions:
    """The explicit list of what one service's workers do (one place to read it)."""

    _events: dict[str, Subscription] = field(default_factory=dict)
    timers: dict[str, TimerSpec] = field(default_factory=dict)
    calls: dict[str, CallSpec] = field(default_factory=dict)

    def _add(self, sub: Subscription) -> None:
        if sub.name in self._events:
            raise ValueError(f"subscription {sub.name!r} declared twice")
        self._events[sub.name] = sub

    def on(
        self,
        model: type[EventPayload],
        *,
        name: str | None = None,
        retry: RetryPolicy | None = None,
        batch_size: int | None = None,
    ) -> Callable[[EventHandler], EventHandler]:
        """Registers ``async def handler(uow, event)``, called once per new event."""

        def register(fn: EventHandler) -> EventHandler:
            async def per_event(uow: UnitOfWork[Any], events: Sequence[Envelope[Any]]) -> None:
                for event in events:
                    span = uow._spans.get(event.event_id)
                    with bound(event), trace.use_span(span, end_on_exit=False) if span else nullcontext():
                        try:
                            await fn(uow, event)
                        except Exception as exc:
                            setattr(exc, FAILED_EVENT_ATTR, event.event_id)  # counts as its attempt
                            raise

            self._add(
                Subscription(
                    name=name or fn.__name__,
                    spec=REGISTRY.for_model(model),
                    handler=per_event,
                    description=(fn.__doc__ or "").strip(),
                    retry=retry,
                    batch_size=batch_size,
                )
            )
            return fn

        return register

    def on_batch(
        self,
        model: type[EventPayload],
        *,
        name: str | None = None,
        retry: RetryPolicy | None = None,
        batch_size: int | None = None,
    ) -> Callable[[BatchHandler], BatchHandler]:
        """Registers ``async def handler(uow, events)`` for set-based effects over a whole batch."""

        def register(fn: BatchHandler) -> BatchHandler:
            self._add(
                Subscription(
                    name=name or fn.__name__,
                    spec=REGISTRY.for_model(model),
                    handler=fn,
                    description=(fn.__doc__ or "").strip(),
                    retry=retry,
                    batch_size=batch_size,
                )
            )
            return fn

        return register

    def timer(
        self, kind: str, model: type[BaseModel] | None = None, *, retry: RetryPolicy | None = None
    ) -> Callable[[TimerHandler], TimerHandler]:
        """Registers ``async def handler(uow, timer)``, called when a timer of ``kind`` is due."""

        def register(fn: TimerHandler) -> TimerHandler:
            self._check_kind(kind)
            self.timers[kind] = TimerSpec(kind, model, fn, (fn.__doc__ or "").strip(), retry)
            return fn

        return register

    def call(
        self,
        kind: str,
        model: type[BaseModel] | None,
        *,
        remote: Callable[[Call[Any]], Awaitable[Any]],
        on_result: Callable[[Any, Call[Any], Any], Awaitable[None]],
        on_failure: Callable[[Any, Call[Any], str], Awaitable[None]] | None = None,
        reconcile: Callable[[Call[Any]], Awaitable[Any | None]] | None = None,
        timeout_s: float = 30.0,
        retry: RetryPolicy | None = None,
        description: str = "",
    ) -> CallSpec:
        """Registers an external call (see :class:`CallSpec`); use cases record it with ``uow.call``."""
        self._check_kind(kind)
        spec = CallSpec(
            kind=kind,
            model=model,
            remote=remote,
            on_result=on_result,
            on_failure=on_failure,
            reconcile=reconcile,
            timeout_s=timeout_s,
            retry=retry or RetryPolicy(max_attempts=8, initial_backoff_s=1.0, max_backoff_s=300.0),
            description=description or (remote.__doc__ or "").strip(),
        )
        self.calls[kind] = spec
        return spec

    def _check_kind(self, kind: str) -> None:
        if kind in self.timers or kind in self.calls:
            raise ValueError(f"timer or call kind {kind!r} declared twice")

    def kinds(self) -> TimerKinds:
        return TimerKinds(timers=frozenset(self.timers), calls=frozenset(self.calls))

    def by_topic(self) -> dict[str, list[Subscription]]:
        topics: dict[str, list[Subscription]] = {}
        for sub in self._events.values():
            topics.setdefault(sub.spec.topic, []).append(sub)
        return topics

    def __iter__(self) -> Iterator[Subscription]:
        return iter(self._events.values())

    def __len__(self) -> int:
        return len(self._events)

    @property
    def has_work(self) -> bool:
        return bool(self._events or self.timers or self.calls)


class bound:
    """Context manager binding an event's ids to the logging/emit context."""

    def __init__(self, event: Envelope[Any]) -> None:
        self._ctx = EventContext(
            correlation_id=event.correlation_id,
            causation_id=event.event_id,
            event_id=event.event_id,
            creator_id=event.creator_id,
        )
        self._cm: Any = None

    def __enter__(self) -> EventContext:
        self._cm = context.bind(self._ctx)
        return self._cm.__enter__()

    def __exit__(self, *exc: object) -> None:
        self._cm.__exit__(*exc)
