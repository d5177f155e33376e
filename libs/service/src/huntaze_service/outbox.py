"""Transactional outbox: events are rows written in the same transaction as the state change.

The relay publishes them to Kafka (acks=all, idempotent producer), then marks them published.

Wake-up: a unit of work that wrote outbox rows issues ``NOTIFY huntaze_outbox`` inside its
transaction (delivered by PostgreSQL only on commit) and, when it runs in the relay's own process,
also sets an in-process event after commit. A slow timer remains as a safety net only.

Ordering and concurrency: a relay publishes only while it holds a transaction-level advisory lock,
so two relays of one service never publish the same rows at once and rows go out in commit (id)
order, which keeps each aggregate's events ordered on its partition. A relay that dies after
publishing but before committing "published" leaves the rows for the next relay: they go out again
(at-least-once on the wire), and consumers deduplicate on event_id.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from aiokafka import AIOKafkaProducer
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from huntaze_events import Envelope, kafka_headers
from huntaze_events.registry import REGISTRY

from .db import libpq_url
from .metrics import metrics
from .telemetry import carrier_of, context_from

log = logging.getLogger("huntaze.outbox")

NOTIFY_CHANNEL = "huntaze_outbox"
# Arbitrary constant identifying "the relay" among advisory locks of a service database.
RELAY_LOCK_KEY = 0x68756E747A  # "huntz"


@dataclass(frozen=True)
class OutboxRow:
    event_id: str
    event_type: str
    topic: str
    key: str
    value: bytes
    headers: str

    @classmethod
    def from_envelope(cls, envelope: Envelope[Any]) -> OutboxRow:
        spec = REGISTRY.get(envelope.type, envelope.version)
        headers = [[k, v.decode()] for k, v in kafka_headers(envelope)]
        return cls(
            event_id=str(envelope.event_id),
            event_type=spec.name,
            topic=spec.topic,
            key=spec.key_for(envelope.payload),
            value=envelope.to_json(),
            headers=json.dumps(headers),
        )


_INSERT = text(
    "INSERT INTO outbox (event_id, event_type, topic, key, value, headers) "
    "VALUES (CAST(:event_id AS uuid), :event_type, :topic, :key, :value, CAST(:headers AS jsonb))"
)
_NOTIFY = text(f"SELECT pg_notify('{NOTIFY_CHANNEL}', '')")


async def write_rows(session: AsyncSession, rows: Sequence[OutboxRow]) -> None:
    """Adds the rows to the session's transaction, and the commit-time wake-up of the relays."""
    if not rows:
        return
    await session.execute(_INSERT, [row.__dict__ for row in rows])
    await session.execute(_NOTIFY)


def new_producer(bootstrap_servers: str, client_id: str) -> AIOKafkaProducer:
    """The one way the chassis produces: every in-sync replica acknowledges, no duplicates from
    producer retries, order kept per partition."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=2,
        max_batch_size=256 * 1024,
        request_timeout_ms=15000,
        retry_backoff_ms=100,
    )


class OutboxRelay:
    def __init__(
        self,
        *,
        service: str,
        sessionmaker: async_sessionmaker[AsyncSession],
        database_url: str,
        producer: AIOKafkaProducer,
        batch_size: int = 500,
        safety_interval_s: float = 5.0,
        tracer: trace.Tracer | None = None,
    ) -> None:
        self.service = service
        self._tracer = tracer or trace.get_tracer("huntaze.outbox")
        self._sessionmaker = sessionmaker
        self._conninfo = libpq_url(database_url)
        self._producer = producer
        self._batch_size = batch_size
        self._safety_interval_s = safety_interval_s
        self._wakeup = asyncio.Event()
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []
        self._metrics = metrics()
        self.published_total = 0

    # lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        self._stopping = False
        self._tasks = [
            asyncio.create_task(self._run(), name=f"{self.service}-outbox-relay"),
            asyncio.create_task(self._listen(), name=f"{self.service}-outbox-listen"),
        ]

    async def stop(self) -> None:
        """Finishes the batch in flight, then stops."""
        self._stopping = True
        self._wakeup.set()
        if self._tasks:
            relay, listener = self._tasks
            listener.cancel()
            try:
                await asyncio.wait_for(relay, timeout=10)
            except (TimeoutError, asyncio.CancelledError):
                relay.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    def wake(self) -> None:
        """Called after a local commit that wrote outbox rows."""
        self._wakeup.set()

    # loops ----------------------------------------------------------------------------------
    async def _listen(self) -> None:
        """Turns NOTIFYs from other processes (API replicas, other workers) into wake-ups."""
        backoff = 0.5
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    backoff = 0.5
                    self._wakeup.set()  # anything committed while we were not listening
                    async for _ in conn.notifies():
                        self._wakeup.set()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - reconnect on any failure
                log.warning("outbox listener disconnected: %s; retrying in %.1fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10)

    async def _run(self) -> None:
        backoff = 0.2
        last_observed = 0.0
        while not self._stopping:
            try:
                await asyncio.wait_for(self._wakeup.wait(), timeout=self._safety_interval_s)
            except TimeoutError:
                pass
            self._wakeup.clear()
            try:
                await self.drain()
                backoff = 0.2
                if time.monotonic() - last_observed > 10:
                    await self._observe_backlog()
                    last_observed = time.monotonic()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the relay must survive Kafka/DB outages
                self._metrics.outbox_publish_errors.labels(self.service).inc()
                log.warning("outbox relay failed: %r; retrying in %.1fs", exc, backoff)
                await asyncio.sleep(backoff + random.uniform(0, backoff / 2))
                backoff = min(backoff * 2, 5.0)
                self._wakeup.set()

    async def drain(self) -> int:
        """Publishes every unpublished row, batch by batch. Returns how many went out."""
        total = 0
        while True:
            published, contended = await self._publish_batch()
            total += published
            if contended:
                # Another relay holds the lock and drains; look again soon in case it stops.
                await asyncio.sleep(0.05)
                self._wakeup.set()
                break
            if published < self._batch_size:
                break
        return total

    async def _publish_batch(self) -> tuple[int, bool]:
        started = time.perf_counter()
        async with self._sessionmaker() as session, session.begin():
            locked = await session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": RELAY_LOCK_KEY})
            if not locked:
                return 0, True
            rows = (
                await session.execute(
                    text(
                        "SELECT id, topic, key, value, headers FROM outbox "
                        "WHERE published_at IS NULL ORDER BY id LIMIT :n"
                    ),
                    {"n": self._batch_size},
                )
            ).all()
            if not rows:
                return 0, False
            futures, spans = [], []
            try:
                for row in rows:
                    span, headers = self._publish_span(row.topic, row.headers)
                    spans.append(span)
                    futures.append(
                        await self._producer.send(
                            row.topic, value=bytes(row.value), key=row.key.encode(), headers=headers
                        )
                    )
                await asyncio.gather(*futures)
            except BaseException as exc:
                for span in spans:
                    span.record_exception(exc)
                    span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
                raise
            finally:
                for span in spans:
                    span.end()
            await session.execute(
                text("UPDATE outbox SET published_at = now() WHERE id = ANY(:ids)"),
                {"ids": [row.id for row in rows]},
            )
        self.published_total += len(rows)
        self._metrics.outbox_published.labels(self.service).inc(len(rows))
        self._metrics.relay_batch_seconds.labels(self.service).observe(time.perf_counter() - started)
        return len(rows), False

    def _publish_span(self, topic: str, stored: list[list[str]]) -> tuple[trace.Span, list[tuple[str, bytes]]]:
        """A PRODUCER span, child of the context the event was emitted in; the record's
        ``traceparent`` header then names this span, so consumers continue the trace from it."""
        headers = dict(stored)
        span = self._tracer.start_span(
            f"{topic} publish",
            context=context_from(headers.get("traceparent"), headers.get("tracestate")),
            kind=SpanKind.PRODUCER,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "send",
                "messaging.destination.name": topic,
                "messaging.message.id": headers.get("event_id", ""),
            },
        )
        traceparent, tracestate = carrier_of(span)
        if traceparent:
            headers["traceparent"] = traceparent
            if tracestate:
                headers["tracestate"] = tracestate
        return span, [(k, v.encode()) for k, v in headers.items()]

    async def _observe_backlog(self) -> None:
        async with self._sessionmaker() as session:
            row = (
                await session.execute(
                    text(
                        "SELECT count(*) AS n, "
                        "coalesce(extract(epoch FROM now() - min(created_at)), 0) AS age "
                        "FROM outbox WHERE published_at IS NULL"
                    )
                )
            ).one()
        self._metrics.outbox_backlog.labels(self.service).set(row.n)
        self._metrics.outbox_oldest_age_seconds.labels(self.service).set(float(row.age))


async def backlog(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(text("SELECT count(*) FROM outbox WHERE published_at IS NULL")) or 0)
