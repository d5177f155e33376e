"""The timer worker: fires due timers and makes recorded external calls, once, on any number of
replicas.

Timers ("do <kind> for <key> at <time>", written by ``uow.schedule`` in the transaction of the
state change that needs them):

    claim    one statement, on the worker's own connection: due rows that no live lease holds are
             given this replica's lease token (FOR UPDATE SKIP LOCKED: replicas never claim the
             same row)
    fire     one transaction: lock the claimed rows that still carry our token, run each handler
             with the unit of work, delete the row (or move a recurring one to its next
             occurrence), commit effects and completion together. A replica that dies mid-way
             rolls back; its lease runs out and another replica fires the timer
    failure  like events: a failing batch is fired one timer at a time; a failing timer is tried
             again after a backoff (the attempt is counted in its row, so a restart does not reset
             it) and buried as ``dead`` after its attempts, at once on ``PermanentError``

External calls (written by ``uow.call``) are the same rows, claimed with ``state = 'calling'``:

    call     outside any transaction, with the row's key as the idempotency key and a timeout
             shorter than the lease; no database connection is held meanwhile
    record   a second transaction: the row is still ours → ``on_result`` records the outcome and
             the row is deleted; a retryable failure schedules the next attempt (``retry_after_s``
             honoured); a final one calls ``on_failure`` (or buries the row)
    crash    between the call and the record: the lease runs out, the next claimer sees
             ``calling`` (outcome unknown) and runs ``reconcile`` first when the peer has no
             idempotency keys; otherwise it calls again with the same key, which the peer ignores

The worker sleeps until the next row is due (at most ``timer_poll_interval_s``) and wakes on NOTIFY
(rows written by other processes) and on local commits.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import psycopg
from pydantic import ValidationError

from .. import context
from ..conflicts import replaying_conflicts
from ..db import is_infrastructure_error, libpq_url, listen
from ..metrics import metrics
from ..subscriptions import Call, CallFailed, CallSpec, PermanentError, RetryPolicy, Subscriptions, Timer, TimerSpec
from ..uow import SqlUnitOfWork
from . import store
from .store import ClaimedTimer

log = logging.getLogger("huntaze.timers")


class TimerWorker:
    def __init__(
        self,
        *,
        service: str,
        database_url: str,
        subscriptions: Subscriptions,
        uow_factory: Callable[[], SqlUnitOfWork[Any]],
        retry: RetryPolicy,
        batch_size: int,
        poll_interval_s: float,
        lease_s: float,
        call_concurrency: int,
        grace_s: float,
    ) -> None:
        self.service = service
        self._conninfo = libpq_url(database_url)
        self._timers = subscriptions.timers
        self._calls = subscriptions.calls
        self._uow_factory = uow_factory
        self._retry = retry
        self._batch_size = batch_size
        self._poll_s = poll_interval_s
        self._lease_s = lease_s
        self._grace_s = grace_s
        self._call_slots = call_concurrency
        self._in_flight: set[asyncio.Task[None]] = set()
        self._wakeup = asyncio.Event()
        self._stopping = False
        self._conn: psycopg.AsyncConnection[Any] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        m = metrics()
        self._m = m
        self.fired_total = 0

    # lifecycle -------------------------------------------------------------------------------------
    def start(self) -> None:
        self._stopping = False
        self._tasks = [
            asyncio.create_task(self._run(), name=f"{self.service}-timers"),
            asyncio.create_task(
                listen(self._conninfo, store.NOTIFY_CHANNEL, self._wakeup, "timer"),
                name=f"{self.service}-timers-listen",
            ),
            asyncio.create_task(self._observe(), name=f"{self.service}-timers-observe"),
        ]

    async def stop(self) -> None:
        """Stops claiming; the batch in hand finishes; calls in flight get the shutdown grace."""
        self._stopping = True
        self._wakeup.set()
        run, *others = self._tasks
        for task in others:
            task.cancel()
        try:
            await asyncio.wait_for(asyncio.shield(run), timeout=self._grace_s)
        except TimeoutError:
            run.cancel()
        if self._in_flight:
            _, pending = await asyncio.wait(self._in_flight, timeout=self._grace_s)
            for task in pending:  # their leases run out; the next claimer reconciles
                task.cancel()
        await asyncio.gather(*self._tasks, *self._in_flight, return_exceptions=True)
        self._tasks = []
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    def wake(self) -> None:
        """Called after a local commit that scheduled timers or recorded calls."""
        self._wakeup.set()

    # loops -------------------------------------------------------------------------------------------
    async def _connection(self) -> psycopg.AsyncConnection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = await psycopg.AsyncConnection.connect(
                self._conninfo, autocommit=True, application_name=f"huntaze-{self.service}-timers", connect_timeout=5
            )
        return self._conn

    async def _run(self) -> None:
        backoff = 0.2
        while not self._stopping:
            self._wakeup.clear()
            try:
                busy = await self._round()
                backoff = 0.2
                if busy:
                    continue
                conn = await self._connection()
                # with every call slot taken, a finished call wakes the worker (see _call_done)
                slots_free = len(self._in_flight) < self._call_slots
                delay = await store.next_due_in(conn, calls=slots_free)
                delay = self._poll_s if delay is None else min(delay, self._poll_s)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the worker must survive database outages
                log.warning("timer worker failed: %r; retrying in %.1fs", exc, backoff)
                await self._drop_connection()
                delay = backoff
                backoff = min(backoff * 2, 5.0)
            if delay > 0:
                try:
                    await asyncio.wait_for(self._wakeup.wait(), timeout=delay)
                except TimeoutError:
                    pass

    async def _round(self) -> bool:
        """Claims and fires what is due; returns True when there may be more right away."""
        conn = await self._connection()
        busy = False
        if self._timers or not self._calls:
            claimed = await store.claim(conn, calls=False, limit=self._batch_size, lease_s=self._lease_s)
            if claimed:
                await self._fire(claimed)
                busy = len(claimed) == self._batch_size
        for spec in self._calls.values():
            free = self._call_slots - len(self._in_flight)
            if free <= 0 or self._stopping:
                break
            lease = spec.timeout_s + 10.0  # the call gives up at its timeout; then 10 s to record it
            for call in await store.claim(conn, calls=True, limit=free, lease_s=lease, kinds=[spec.kind]):
                task = asyncio.create_task(self._make_call(spec, call), name=f"{self.service}-call-{spec.kind}")
                self._in_flight.add(task)
                task.add_done_callback(self._call_done)
        return busy

    def _call_done(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._wakeup.set()  # a slot is free

    async def _drop_connection(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    # timers --------------------------------------------------------------------------------------------
    async def _fire(self, claimed: list[ClaimedTimer]) -> None:
        try:
            await replaying_conflicts(lambda: self._fire_together(claimed), f"{self.service} timers")
        except Exception as exc:
            if is_infrastructure_error(exc):
                raise  # the leases run out; fired again once the database is back
            if len(claimed) > 1:
                log.warning("firing %d timers failed (%r); firing them one by one", len(claimed), exc)
            culprit = getattr(exc, "__huntaze_timer_id__", None)
            for timer in claimed:
                if timer.id == culprit or len(claimed) == 1:
                    await self._failed(timer, exc)  # that was its attempt
                    continue
                try:
                    await replaying_conflicts(lambda t=timer: self._fire_together([t]), f"timer {timer.kind}")
                except Exception as single:
                    if is_infrastructure_error(single):
                        raise
                    await self._failed(timer, single)

    async def _fire_together(self, claimed: list[ClaimedTimer]) -> None:
        async with self._uow_factory() as uow:
            driver = await uow.driver()
            ours = await store.lock_ours(driver, claimed)
            fired = [t for t in claimed if t.id in ours]
            now = datetime.now(UTC)
            for timer in fired:
                spec = self._timers.get(timer.kind)
                if spec is None:
                    raise PermanentError(f"no handler for timer kind {timer.kind!r} in {self.service}")
                await self._run_handler(spec, timer, uow, now)
            await store.complete(driver, fired, now)
            await uow.commit()
        for timer in fired:
            self._m.timers_fired.labels(self.service, timer.kind).inc()
            self._m.timer_lateness.labels(self.service, timer.kind).observe(
                max((now - timer.due_at).total_seconds(), 0.0)
            )
        self.fired_total += len(fired)

    async def _run_handler(self, spec: TimerSpec, timer: ClaimedTimer, uow: Any, now: datetime) -> None:
        payload = _parse(spec.model, timer)
        with _bound(timer):
            try:
                await spec.handler(
                    uow,
                    Timer(timer.kind, timer.key, timer.tenant, timer.due_at, now, timer.attempts, payload),
                )
            except Exception as exc:
                exc.__huntaze_timer_id__ = timer.id  # type: ignore[attr-defined]
                raise

    async def _failed(self, timer: ClaimedTimer, exc: BaseException) -> None:
        spec = self._timers.get(timer.kind)
        retry = (spec.retry if spec and spec.retry else None) or self._retry
        error = _describe(exc)
        self._m.timers_failed.labels(self.service, timer.kind, type(exc).__name__).inc()
        async with self._uow_factory() as uow:
            driver = await uow.driver()
            if isinstance(exc, PermanentError) or timer.attempts >= retry.max_attempts:
                await store.bury(driver, timer, error)
                self._m.timers_dead.labels(self.service, timer.kind).inc()
                log.error("timer %s:%s buried after %d attempt(s): %s", timer.kind, timer.key, timer.attempts, error)
            else:
                delay = retry.delay(timer.attempts)
                await store.retry_later(driver, timer, error, delay)
                log.warning(
                    "timer %s:%s failed (attempt %d/%d): %s; again in %.1fs",
                    timer.kind,
                    timer.key,
                    timer.attempts,
                    retry.max_attempts,
                    error,
                    delay,
                )
            await uow.commit()

    # external calls ----------------------------------------------------------------------------------------
    async def _make_call(self, spec: CallSpec, row: ClaimedTimer) -> None:
        call = Call(
            kind=row.kind,
            key=row.key,
            tenant=row.tenant,
            payload=None,
            attempt=row.attempts,
            reconciling=row.previous_state == "calling",
        )
        labels = (self.service, spec.kind)
        try:
            call = Call(call.kind, call.key, call.tenant, _parse(spec.model, row), call.attempt, call.reconciling)
        except PermanentError as exc:
            await self._call_failed(spec, row, call, exc)
            return
        started = time.perf_counter()
        with _bound(row):
            try:
                result = None
                if call.reconciling and spec.reconcile is not None:
                    result = await asyncio.wait_for(spec.reconcile(call), timeout=spec.timeout_s)
                    if result is not None:
                        self._m.calls.labels(*labels, "reconciled").inc()
                if result is None:
                    result = await asyncio.wait_for(spec.remote(call), timeout=spec.timeout_s)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - classified below
                self._m.call_seconds.labels(*labels).observe(time.perf_counter() - started)
                await self._call_failed(spec, row, call, exc)
                return
            self._m.call_seconds.labels(*labels).observe(time.perf_counter() - started)
            await self._record(spec, row, call, result)

    async def _record(self, spec: CallSpec, row: ClaimedTimer, call: Call[Any], result: Any) -> None:
        backoff = 0.2
        while True:
            try:
                async with self._uow_factory() as uow:
                    driver = await uow.driver()
                    if not await store.lock_ours(driver, [row]):
                        log.warning("call %s:%s: lease lost before its outcome was recorded", row.kind, row.key)
                        self._m.calls.labels(self.service, spec.kind, "lease_lost").inc()
                        return
                    await spec.on_result(uow, call, result)
                    await store.finish(driver, row)
                    await uow.commit()
                self._m.calls.labels(self.service, spec.kind, "done").inc()
                return
            except Exception as exc:
                if not is_infrastructure_error(exc):
                    # The peer did it; recording failed (a bug of ours): keep the row "calling" so
                    # the next claim reconciles or repeats with the same idempotency key.
                    log.exception("call %s:%s: recording its outcome failed", row.kind, row.key)
                    self._m.calls.labels(self.service, spec.kind, "record_failed").inc()
                    return
                if self._stopping:
                    return
                log.warning("call %s:%s: database unavailable while recording (%r)", row.kind, row.key, exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def _call_failed(self, spec: CallSpec, row: ClaimedTimer, call: Call[Any], exc: BaseException) -> None:
        error = _describe(exc)
        if isinstance(exc, TimeoutError):
            error = f"no answer within {spec.timeout_s:g}s"
        permanent = isinstance(exc, PermanentError) or (isinstance(exc, CallFailed) and exc.permanent)
        final = permanent or row.attempts >= spec.retry.max_attempts
        outcome = "refused" if permanent else ("exhausted" if final else "retry")
        self._m.calls.labels(self.service, spec.kind, outcome).inc()
        try:
            async with self._uow_factory() as uow:
                driver = await uow.driver()
                if not await store.lock_ours(driver, [row]):
                    return
                if not final:
                    retry_after = exc.retry_after_s if isinstance(exc, CallFailed) else None
                    delay = max(retry_after or 0.0, spec.retry.delay(row.attempts))
                    await store.retry_later(driver, row, error, delay)
                    log.warning(
                        "call %s:%s failed (attempt %d/%d): %s; again in %.1fs",
                        row.kind,
                        row.key,
                        row.attempts,
                        spec.retry.max_attempts,
                        error,
                        delay,
                    )
                elif spec.on_failure is not None:
                    await spec.on_failure(uow, call, error)
                    await store.finish(driver, row)
                    log.error("call %s:%s failed for good (%s): %s", row.kind, row.key, outcome, error)
                else:
                    await store.bury(driver, row, error)
                    self._m.timers_dead.labels(self.service, row.kind).inc()
                    log.error("call %s:%s buried (%s): %s", row.kind, row.key, outcome, error)
                await uow.commit()
        except Exception as record_error:  # noqa: BLE001 - the lease runs out; claimed again
            log.warning("call %s:%s: recording the failure failed (%r)", row.kind, row.key, record_error)

    # metrics ------------------------------------------------------------------------------------------------
    async def _observe(self, every_s: float = 10) -> None:
        while True:
            await asyncio.sleep(every_s)
            try:
                async with await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True) as conn:
                    found = await store.counts(conn)
                self._m.timers_due.labels(self.service).set(found["due"])
                self._m.timers_dead_now.labels(self.service).set(found["dead"])
                self._m.timers_oldest_due_age.labels(self.service).set(found["oldest_due_age_s"])
            except Exception as exc:  # noqa: BLE001 - a metric must never stop the worker
                log.debug("timer observation failed: %r", exc)


def _parse(model: Any, timer: ClaimedTimer) -> Any:
    if model is None:
        return timer.payload
    try:
        return model.model_validate(timer.payload)
    except ValidationError as exc:
        raise PermanentError(f"payload of {timer.kind}:{timer.key} is not a valid {model.__name__}: {exc}") from exc


def _bound(timer: ClaimedTimer) -> Any:
    return context.resumed(
        correlation_id=timer.correlation_id,
        causation_id=timer.causation_id,
        creator_id=timer.tenant,
        traceparent=timer.traceparent,
    )


def _describe(exc: BaseException) -> str:
    import traceback

    return traceback.format_exception_only(type(exc), exc)[-1].strip()[:2000]
