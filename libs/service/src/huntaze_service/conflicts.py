"""Replays a request whose transaction lost a lock conflict, instead of answering 500.

Two transactions that take the same rows in opposite orders deadlock; PostgreSQL aborts one of them
(``deadlock detected``; ``could not serialize`` under stricter isolation). Workers already retry such
a batch or timer. A request has no such loop, and the order cannot always be made the same: the
timer worker locks a timer's row before the handler locks its record, while a request cancelling
that timer locks the record first (F16 found it: ``POST …/mass-messages/{id}/cancel`` while the
fan-out's timer fired).

The aborted transaction changed nothing, so :class:`ConflictRetryMiddleware` runs the route again,
replaying the request body it recorded, up to ``attempts`` times with a little jitter, as long as
no response byte was sent and no unit of work of this request had committed yet (a route that
commits twice must not do its first part twice). When it cannot replay, it answers 503 with
``Retry-After`` and says whether something may already have been saved — never a bare 500.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import TypeVar

from fastapi.responses import JSONResponse
from psycopg.errors import DeadlockDetected, SerializationFailure
from sqlalchemy.exc import DBAPIError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .metrics import metrics

log = logging.getLogger("huntaze.http")
T = TypeVar("T")

_commits: ContextVar[list[int] | None] = ContextVar("huntaze_request_commits", default=None)


def is_conflict(exc: BaseException) -> bool:
    """A deadlock or serialization failure: the transaction was rolled back and may simply run again."""
    if isinstance(exc, DBAPIError):
        exc = exc.orig if exc.orig is not None else exc
    return isinstance(exc, (DeadlockDetected, SerializationFailure))


def note_commit() -> None:
    """Called by every unit of work that commits: inside a request, replaying it is no longer safe."""
    counter = _commits.get()
    if counter is not None:
        counter[0] += 1


async def _pause(attempt: int) -> None:
    await asyncio.sleep(random.uniform(0.005, 0.03) * attempt)  # jitter, not a secret


async def replaying_conflicts(work: Callable[[], Awaitable[T]], what: str, *, attempts: int = 8) -> T:
    """Runs one whole transaction (``work``) again while it loses lock conflicts, then lets the last
    error through. Workers use it around a batch or a timer firing, so that losing a deadlock to a
    concurrent request is not counted as one of the event's bounded attempts."""
    for attempt in range(1, attempts):
        try:
            return await work()
        except Exception as exc:
            if not is_conflict(exc):
                raise
            log.info("%s lost a lock conflict (attempt %d): %s", what, attempt, str(exc).splitlines()[0])
        await _pause(attempt)
    return await work()


class ConflictRetryMiddleware:
    """Innermost of the chassis' middlewares: it sees the route's exception before the 500 handler."""

    def __init__(self, app: ASGIApp, service: str, attempts: int = 4) -> None:
        self.app = app
        self.service = service
        self.attempts = attempts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        recorded: list[Message] = []  # the body as the route read it, replayed to the next attempt
        for attempt in range(1, self.attempts + 1):
            if not await self._attempt(scope, receive, send, recorded, last=attempt == self.attempts):
                return
            metrics().http_conflict_retries.labels(self.service).inc()
            await _pause(attempt)

    async def _attempt(
        self, scope: Scope, receive: Receive, send: Send, recorded: list[Message], *, last: bool
    ) -> bool:
        """Runs the route once; True when it lost a conflict and may run again."""
        replay = list(recorded)
        started = False

        async def replaying_receive() -> Message:
            if replay:
                return replay.pop(0)
            message = await receive()
            if message["type"] == "http.request":
                recorded.append(message)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        counter = [0]
        token = _commits.set(counter)
        try:
            await self.app(scope, replaying_receive, tracking_send)
            return False
        except Exception as exc:
            if not is_conflict(exc) or started:
                raise
            if counter[0] or last:
                await self._unavailable(scope, send, exc, saved=bool(counter[0]))
                return False
            log.info(
                "replaying %s %s after a lock conflict: %s",
                scope.get("method"),
                scope.get("path"),
                str(exc).splitlines()[0],
            )
            return True
        finally:
            _commits.reset(token)

    async def _unavailable(self, scope: Scope, send: Send, exc: BaseException, *, saved: bool) -> None:
        log.warning(
            "lock conflict on %s %s not replayed (saved=%s): %s", scope.get("method"), scope.get("path"), saved, exc
        )
        detail = (
            "the request conflicted with concurrent work after part of it was saved; reload before retrying"
            if saved
            else "the request conflicted with concurrent work; nothing was saved, retry shortly"
        )
        response = JSONResponse(
            {"detail": detail, "code": "conflict_retry"}, status_code=503, headers={"Retry-After": "1"}
        )
        await response(scope, _disconnected, send)


async def _disconnected() -> Message:
    return {"type": "http.disconnect"}
