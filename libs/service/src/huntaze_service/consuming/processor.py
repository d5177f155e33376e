"""Applies one subscription's batches of records: idempotent, bounded retries, dead letters.

Flow of one batch of records of one partition (the consumer loop, :mod:`.loop`, hands them over;
the idempotency record is per subscription, ``<service>.<subscription>``):

1. decode every record into its typed envelope; a record that is not valid JSON, not an envelope,
   of another type or major version, or whose payload fails validation is *poison*;
2. in ONE database transaction: record ``(consumer, event_id)`` for every decoded event in
   ``processed_events`` (``ON CONFLICT DO NOTHING RETURNING``), run the handler for the events that
   were new (redeliveries are skipped), write the events the handler emitted to the outbox, commit;
3. if the batch fails, apply its events one by one, each in its own transaction, retrying each a
   bounded number of times with exponential backoff; one that still fails is poison;
   database/connection failures are not the event's fault: they are retried without limit, so an
   outage of PostgreSQL never sends good events to the dead-letter topic;
4. publish poison records unchanged to ``<topic>.dlq`` with error headers, and wait for Kafka;
5. only then (back in the loop) commit the Kafka offsets of the batch.

A crash anywhere before 5 redelivers the batch; step 2 makes the redelivery free of effects.
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer, ConsumerRecord
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from pydantic import ValidationError

from huntaze_events import Envelope

from ..conflicts import replaying_conflicts
from ..db import is_infrastructure_error
from ..metrics import metrics
from ..subscriptions import FAILED_EVENT_ATTR, PermanentError, RetryPolicy, Subscription, bound
from ..telemetry import context_from
from ..uow import SqlUnitOfWork

log = logging.getLogger("huntaze.consumer")


@dataclass
class Poison:
    record: ConsumerRecord[Any, Any]
    reason: str
    error: str
    attempts: int
    event_id: str | None = None


@dataclass
class BatchOutcome:
    applied: int = 0
    duplicates: int = 0
    poison: list[Poison] = field(default_factory=list)


_CLAIM = (
    "INSERT INTO processed_events (consumer, event_id) "
    "SELECT %s, unnest(CAST(string_to_array(%s, ',') AS uuid[])) "
    "ON CONFLICT DO NOTHING RETURNING CAST(event_id AS text)"
)


async def _claim(uow: SqlUnitOfWork[Any], consumer: str, ids: dict[str, Any]) -> set[str]:
    """Records the events as processed by this consumer, in the unit of work's transaction;
    returns those that were not already. On the driver connection of the session: ids travel as
    one text and come back as text, which costs far less than adapting UUID objects both ways."""
    driver = await uow.driver()
    async with driver.cursor() as cursor:
        # (psycopg's pipeline mode would send BEGIN and the claim in one round trip: measured, it
        # cost ~100 µs more CPU per batch than the two round trips it saves on a local database)
        await cursor.execute(_CLAIM, (consumer, ",".join(ids)))
        return {row[0] for row in await cursor.fetchall()}


class BatchProcessor:
    """Applies one subscription's batches with the guarantees described in the module docstring."""

    def __init__(
        self,
        *,
        service: str,
        subscription: Subscription,
        uow_factory: Callable[[], SqlUnitOfWork[Any]],
        producer: AIOKafkaProducer,
        retry: RetryPolicy,
        tracer: trace.Tracer | None = None,
    ) -> None:
        self.service = service
        self._tracer = tracer
        self._parents: dict[Any, tuple[str | None, str | None]] = {}
        self.subscription = subscription
        self.consumer = f"{service}.{subscription.name}"
        self._uow_factory = uow_factory
        self._producer = producer
        self._retry = subscription.retry or retry
        self._spec = subscription.spec
        self._envelope_model = subscription.spec.envelope_model
        self._metrics = metrics()
        self._labels = (service, self.consumer, self._spec.topic)
        m = self._metrics
        self._processed = m.events_processed.labels(*self._labels)
        self._duplicate = m.events_duplicate.labels(*self._labels)
        self._seconds = m.handler_seconds.labels(service, self.consumer)

    # decoding --------------------------------------------------------------------------------
    def decode(self, record: ConsumerRecord[Any, Any]) -> Envelope[Any] | Poison:
        if record.value is None:
            return Poison(record, "malformed", "empty record value", attempts=0)
        try:
            envelope = self._envelope_model.model_validate_json(record.value)
        except ValidationError as exc:
            kind = "malformed" if any(e["type"] == "json_invalid" for e in exc.errors()) else "invalid"
            return Poison(record, kind, _short(exc), attempts=0)
        if envelope.type != self._spec.type or envelope.version != self._spec.version:
            return Poison(
                record,
                "unknown_version" if envelope.type == self._spec.type else "wrong_type",
                f"{envelope.type}.v{envelope.version} on topic of {self._spec.name}",
                attempts=0,
                event_id=str(envelope.event_id),
            )
        return envelope

    # processing ------------------------------------------------------------------------------
    async def process(self, records: Sequence[ConsumerRecord[Any, Any]]) -> BatchOutcome:
        """Applies a batch; returns what happened. Dead-lettering is left to the caller."""
        outcome = BatchOutcome()
        decoded: list[tuple[ConsumerRecord[Any, Any], Envelope[Any]]] = []
        for record in records:
            item = self.decode(record)
            if isinstance(item, Poison):
                outcome.poison.append(item)
            else:
                decoded.append((record, item))
                if self._tracer is not None:
                    self._parents[item.event_id] = _trace_parent(record, item)
        if not decoded:
            return outcome
        started = time.perf_counter()
        try:
            applied, dupes = await self._apply([e for _, e in decoded])
            outcome.applied += applied
            outcome.duplicates += dupes
        except Exception as exc:  # noqa: BLE001 - isolate the failing event(s)
            self._count_failure(exc)
            if len(decoded) > 1:
                log.warning("batch of %d failed (%r); applying its events one by one", len(decoded), exc)
            await self._apply_one_by_one(decoded, outcome, first_error=exc)
        self._seconds.observe(time.perf_counter() - started)
        self._processed.inc(outcome.applied)
        if outcome.duplicates:
            self._duplicate.inc(outcome.duplicates)
        self._parents.clear()
        return outcome

    async def _apply_one_by_one(
        self,
        decoded: list[tuple[ConsumerRecord[Any, Any], Envelope[Any]]],
        outcome: BatchOutcome,
        first_error: Exception,
    ) -> None:
        single = len(decoded) == 1
        failed_event = getattr(first_error, FAILED_EVENT_ATTR, None)
        for record, envelope in decoded:
            # The failed batch was a first attempt of the event that raised (when known).
            attempts = 1 if single or envelope.event_id == failed_event else 0
            last_error: Exception = first_error
            while True:
                if attempts:
                    permanent = isinstance(last_error, PermanentError)
                    if permanent or attempts >= self._retry.max_attempts:
                        outcome.poison.append(
                            Poison(
                                record,
                                "rejected" if permanent else "handler_failed",
                                _describe(last_error),
                                attempts=attempts,
                                event_id=str(envelope.event_id),
                            )
                        )
                        break
                    await asyncio.sleep(self._retry.delay(attempts))
                try:
                    applied, dupes = await self._apply([envelope])
                    outcome.applied += applied
                    outcome.duplicates += dupes
                    break
                except Exception as exc:  # noqa: BLE001 - counted, retried, then dead-lettered
                    attempts += 1
                    last_error = exc
                    self._count_failure(exc)
                    with bound(envelope):
                        log.warning(
                            "handler %s failed on attempt %d/%d: %r",
                            self.consumer,
                            attempts,
                            self._retry.max_attempts,
                            exc,
                        )

    async def _apply(self, events: Sequence[Envelope[Any]]) -> tuple[int, int]:
        """One transaction: claim the events, run the handler on the new ones, commit.

        Database outages are retried here without limit (with capped backoff)."""
        outage_backoff = 0.2
        while True:
            try:
                return await replaying_conflicts(lambda: self._apply_once(events), f"consumer {self.consumer}")
            except Exception as exc:
                if not is_infrastructure_error(exc):
                    raise
                log.warning(
                    "%s: database unavailable (%s); retrying in %.1fs",
                    self.consumer,
                    _short(exc),
                    outage_backoff,
                )
                await asyncio.sleep(outage_backoff)
                outage_backoff = min(outage_backoff * 2, 5.0)

    async def _apply_once(self, events: Sequence[Envelope[Any]]) -> tuple[int, int]:
        unique: dict[str, Envelope[Any]] = {}
        for event in events:
            unique.setdefault(str(event.event_id), event)
        async with self._uow_factory() as uow:
            claimed = await _claim(uow, self.consumer, unique)
            fresh = [e for key, e in unique.items() if key in claimed]
            if fresh:
                spans = {e.event_id: self._start_span(e) for e in fresh} if self._tracer else {}
                uow.bind_spans(spans)
                try:
                    uow.owned_by = f"consumer {self.consumer}"
                    try:
                        await self.subscription.handler(uow, fresh)
                    finally:
                        uow.owned_by = None
                    await uow.commit()
                except BaseException as exc:
                    for span in spans.values():
                        span.record_exception(exc)
                        span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
                    raise
                finally:
                    for span in spans.values():
                        span.end()
            else:
                await uow.commit()
        return len(fresh), len(events) - len(fresh)

    def _start_span(self, event: Envelope[Any]) -> trace.Span:
        """A CONSUMER span per event, child of the producer's context carried by the record."""
        assert self._tracer is not None
        traceparent, tracestate = self._parents.get(event.event_id, (event.traceparent, event.tracestate))
        return self._tracer.start_span(
            f"{self._spec.topic} process",
            context=context_from(traceparent, tracestate),
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "process",
                "messaging.destination.name": self._spec.topic,
                "messaging.consumer.group.name": self.consumer,
                "messaging.message.id": str(event.event_id),
                "huntaze.creator_id": str(event.creator_id),
            },
        )

    def _count_failure(self, exc: BaseException) -> None:
        self._metrics.events_failed.labels(*self._labels, type(exc).__name__).inc()

    # dead letters ----------------------------------------------------------------------------
    async def dead_letter(self, poison: Sequence[Poison]) -> None:
        """Publishes each poison record, unchanged, to ``<topic>.dlq``; waits for Kafka's ack."""
        for item in poison:
            record = item.record
            headers = list(record.headers or ()) + [
                ("dlq.reason", item.reason.encode()),
                ("dlq.error", item.error[:2000].encode()),
                ("dlq.attempts", str(item.attempts).encode()),
                ("dlq.consumer", self.consumer.encode()),
                ("dlq.original_topic", record.topic.encode()),
                ("dlq.original_partition", str(record.partition).encode()),
                ("dlq.original_offset", str(record.offset).encode()),
                ("dlq.failed_at", datetime.now(UTC).isoformat().encode()),
            ]
            backoff = 0.2
            while True:
                try:
                    await self._producer.send_and_wait(
                        self._spec.dlq_topic, value=record.value, key=record.key, headers=headers
                    )
                    break
                except Exception as exc:  # noqa: BLE001 - never ack before the DLQ has it
                    log.warning("dead-letter publish failed (%r); retrying", exc)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 5.0)
            self._metrics.events_dead_lettered.labels(*self._labels, item.reason).inc()
            log.error(
                "dead-lettered %s offset %d to %s: %s (%s)",
                record.topic,
                record.offset,
                self._spec.dlq_topic,
                item.reason,
                item.error[:300],
                extra={"event_id": item.event_id, "consumer": self.consumer},
            )


def _trace_parent(record: ConsumerRecord[Any, Any], envelope: Envelope[Any]) -> tuple[str | None, str | None]:
    """The trace context of a record: its headers (the relay's PRODUCER span) or else the envelope."""
    headers = {k: v for k, v in (record.headers or ()) if k in ("traceparent", "tracestate")}
    if "traceparent" in headers:
        state = headers.get("tracestate")
        return headers["traceparent"].decode(), state.decode() if state else None
    return envelope.traceparent, envelope.tracestate


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:500] if str(exc) else type(exc).__name__


def _describe(exc: BaseException) -> str:
    last = traceback.format_exception_only(type(exc), exc)[-1].strip()
    return last[:2000]
