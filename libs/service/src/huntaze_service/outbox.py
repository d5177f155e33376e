"""Transactional outbox: events are rows written in the same transaction as the state change.

The relay publishes them to Kafka (acks=all, idempotent producer), then marks them published.

Wake-up: a statement trigger on ``outbox`` issues ``NOTIFY huntaze_outbox`` (delivered by
PostgreSQL only on commit) and, when the unit of work runs in the relay's own process, it also sets
an in-process event after commit. A slow timer remains as a safety net only.

Ordering and concurrency: a relay publishes only while it holds the service's relay lock (a
session-level advisory lock on its own connection), so two relays of one service never publish at
once and rows go out in id order — for one aggregate, the order of the commits, as its writes hold
its row lock until they commit — which keeps each aggregate's events ordered on its partition. A
relay that dies after publishing but before marking rows "published" leaves them for the next
leader: they go out again (at-least-once on the wire), and consumers deduplicate on event_id.
"""

from __future__ import annotations

import asyncio
import contextlib
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

from .db import libpq_url, listen
from .metrics import metrics
from .telemetry import carrier_of, context_from

log = logging.getLogger("huntaze.outbox")

NOTIFY_CHANNEL = "huntaze_outbox"
# Arbitrary constant identifying "the relay" among advisory locks of a service database.
RELAY_LOCK_KEY = 0x68756E747A  # "huntz"
# Batches published per run before the relay looks at its wake-ups again.
_BATCHES_PER_RUN = 10


def encode_headers(headers: list[tuple[str, bytes]]) -> bytes:
    """Kafka headers as stored in the outbox: ``name NUL value NUL name NUL value``. The relay
    splits them back in C (``bytes.split``); decoding JSON cost more than publishing itself.
    Header names and values are ids, type names and W3C trace contexts: never a NUL byte."""
    return b"\x00".join(part for name, value in headers for part in (name.encode(), value))


def decode_headers(stored: bytes) -> list[tuple[str, bytes]]:
    if not stored:
        return []
    parts = bytes(stored).split(b"\x00")
    names = _HEADER_NAMES
    return [(names.get(parts[i]) or parts[i].decode(), parts[i + 1]) for i in range(0, len(parts) - 1, 2)]


_HEADER_NAMES = {
    name.encode(): name
    for name in ("event_type", "event_version", "event_id", "creator_id", "correlation_id", "traceparent", "tracestate")
}


@dataclass(frozen=True)
class OutboxRow:
    event_id: str
    event_type: str
    topic: str
    key: str
    value: bytes
    headers: bytes

    @classmethod
    def from_envelope(cls, envelope: Envelope[Any]) -> OutboxRow:
        spec = REGISTRY.get(envelope.type, envelope.version)
        return cls(
            event_id=str(envelope.event_id),
            event_type=spec.name,
            topic=spec.topic,
            key=spec.key_for(envelope.payload),
            value=envelope.to_json(),
            headers=encode_headers(kafka_headers(envelope)),
        )


_INSERT_ONE = (
    "INSERT INTO outbox (event_id, event_type, topic, key, value, headers) "
    "VALUES (CAST(%s AS uuid), %s, %s, %s, %s, %s)"
)
COPY_FROM_ROWS = 64
"""From this many rows on, a unit of work's events go in with COPY (ids still in emit order)."""
_COPY = "COPY outbox (event_id, event_type, topic, key, value, headers) FROM STDIN"
_INSERT_MANY = (
    "INSERT INTO outbox (event_id, event_type, topic, key, value, headers) "
    "SELECT CAST(e AS uuid), t, tp, k, v, h FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], "
    "%s::bytea[], %s::bytea[]) AS r(e, t, tp, k, v, h)"
)


async def write_rows(conn: Any, rows: Sequence[OutboxRow]) -> None:
    """Adds the rows to the transaction of ``conn`` (psycopg), in one statement; a trigger wakes
    the relays at commit."""
    if not rows:
        return
    async with conn.cursor() as cursor:
        if len(rows) == 1:
            r = rows[0]
            await cursor.execute(_INSERT_ONE, (r.event_id, r.event_type, r.topic, r.key, r.value, r.headers))
        elif len(rows) >= COPY_FROM_ROWS:
            # COPY: psycopg writes the bytes in C, where array parameters are escaped in Python
            # (profiled: 11 % of a statement import's CPU went to the outbox's array parameters)
            async with cursor.copy(_COPY) as copy:
                for r in rows:
                    await copy.write_row((r.event_id, r.event_type, r.topic, r.key, r.value, r.headers))
        else:
            await cursor.execute(
                _INSERT_MANY,
                (
                    [r.event_id for r in rows],
                    [r.event_type for r in rows],
                    [r.topic for r in rows],
                    [r.key for r in rows],
                    [r.value for r in rows],
                    [r.headers for r in rows],
                ),
            )


def new_producer(bootstrap_servers: str, client_id: str, **security: Any) -> AIOKafkaProducer:
    """The one way the chassis produces: every in-sync replica acknowledges, no duplicates from
    producer retries, order kept per partition. ``security``: :meth:`KafkaSecurity.options`."""
    return AIOKafkaProducer(
        **security,
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=0,  # the relay hands a whole batch at once: it is batched without waiting
        max_batch_size=256 * 1024,
        request_timeout_ms=15000,
        retry_backoff_ms=100,
    )


class OutboxRelay:
    """Publishes a service's outbox. Every process of the service may run one; one at a time leads.

    Leadership is a session-level advisory lock held by the relay's own connection: the leader
    publishes, the others stand by and try to take over every ``standby_poll_s`` (a leader that
    dies loses its connection, hence the lock). The leader wakes on its own commits (in process),
    on NOTIFY from other processes' commits, and on a slow safety timer; its reads and marks are
    single autocommit statements — no transaction to open on the path from a commit to Kafka."""

    def __init__(
        self,
        *,
        service: str,
        sessionmaker: async_sessionmaker[AsyncSession],
        database_url: str,
        producer: AIOKafkaProducer,
        batch_size: int = 1000,
        safety_interval_s: float = 5.0,
        standby_poll_s: float = 1.0,
        tracer: trace.Tracer | None = None,
    ) -> None:
        self.service = service
        self._tracer = tracer
        self._sessionmaker = sessionmaker
        self._conninfo = libpq_url(database_url)
        self._conn: psycopg.AsyncConnection[Any] | None = None
        self._producer = producer
        self._batch_size = batch_size
        self._safety_interval_s = safety_interval_s
        self._standby_poll_s = standby_poll_s
        self._wakeup = asyncio.Event()
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []
        self._metrics = metrics()
        self.leading = False
        self.published_total = 0

    # lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        self._stopping = False
        self._tasks = [
            asyncio.create_task(self._run(), name=f"{self.service}-outbox-relay"),
            asyncio.create_task(
                listen(self._conninfo, NOTIFY_CHANNEL, self._wakeup, "outbox"), name=f"{self.service}-outbox-listen"
            ),
        ]

    async def stop(self) -> None:
        """Finishes the batch in flight, then stops (closing its connection hands leadership on)."""
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
        await self._close_connection()

    def wake(self) -> None:
        """Called after a local commit that wrote outbox rows."""
        self._wakeup.set()

    # loops ----------------------------------------------------------------------------------
    async def _run(self) -> None:
        backoff = 0.2
        last_observed = 0.0
        while not self._stopping:
            try:
                if not await self.lead():
                    await self._sleep(self._standby_poll_s)  # wake-ups are the leader's business
                    continue
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
                if isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError)):
                    await self._close_connection()  # reconnect; the lock went with the connection
                elif self.leading and time.monotonic() - last_observed > 10:
                    # Kafka is what fails: the backlog and its age keep being reported (the alert
                    # on the outbox's oldest row must see it grow during a broker outage)
                    with contextlib.suppress(Exception):
                        await self._observe_backlog()
                        last_observed = time.monotonic()
                await asyncio.sleep(backoff + random.uniform(0, backoff / 2))
                backoff = min(backoff * 2, 5.0)
                continue
            try:
                await asyncio.wait_for(self._wakeup.wait(), timeout=self._safety_interval_s)
            except TimeoutError:
                pass
            self._wakeup.clear()

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(_until(lambda: self._stopping, self._wakeup), timeout=seconds)
        except TimeoutError:
            pass

    async def lead(self) -> bool:
        """True when this relay holds (or just took) the service's relay lock."""
        if self.leading and self._conn is not None and not self._conn.closed:
            return True
        conn = await self._connection()
        cursor = await conn.execute("SELECT pg_try_advisory_lock(%s)", (RELAY_LOCK_KEY,))
        row = await cursor.fetchone()
        self.leading = bool(row and row[0])
        self._metrics.relay_leader.labels(self.service).set(1 if self.leading else 0)
        if self.leading:
            log.info("%s relay leads: it publishes the outbox", self.service)
        return self.leading

    async def drain(self) -> int:
        """Publishes every unpublished row (the caller leads). Returns how many went out."""
        total = 0
        while True:
            published, more = await self._publish_run()
            total += published
            if not more:
                return total

    async def _connection(self) -> psycopg.AsyncConnection[Any]:
        """The relay's own connection (not the pool's), in autocommit: no checkout, no ping, no
        transaction to open on the hot path; it holds the relay lock while it lives."""
        if self._conn is None or self._conn.closed:
            self.leading = False
            self._conn = await psycopg.AsyncConnection.connect(
                self._conninfo, application_name=f"huntaze-{self.service}-relay", connect_timeout=5, autocommit=True
            )
        return self._conn

    async def _close_connection(self) -> None:
        self.leading = False
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def _publish_run(self) -> tuple[int, bool]:
        """Batches are read, published and marked in a pipeline — while Kafka acknowledges batch k,
        batch k+1 is read and handed to the producer (the idempotent producer keeps their order per
        partition); batch k is marked once acknowledged, while batch k+1 is being sent.
        Returns (published, more)."""
        started = time.perf_counter()
        published = 0
        limit = self._batch_size * _BATCHES_PER_RUN
        conn = await self._connection()
        rows = await self._fetch(conn, after_id=0)
        in_flight: tuple[Sequence[Any], list[asyncio.Future[Any]], list[trace.Span]] | None = None
        marking: asyncio.Task[None] | None = None
        try:
            while rows or in_flight:
                sending = None
                if rows:
                    acks, spans = await self._send(rows)  # the database marks meanwhile
                    sending = (rows, acks, spans)
                if marking is not None:
                    await marking
                    marking = None
                if rows:
                    read = published + len(rows) + (len(in_flight[0]) if in_flight else 0)
                    full = len(rows) == self._batch_size
                    rows = await self._fetch(conn, after_id=rows[-1][0]) if full and read < limit else []
                if in_flight is not None:
                    done_rows, done_acks, done_spans = in_flight
                    await _acknowledged(done_acks, done_spans)
                    marking = asyncio.create_task(self._mark(conn, done_rows))
                    published += len(done_rows)
                in_flight = sending
            if marking is not None:
                await marking
        except BaseException:
            if marking is not None:
                marking.cancel()
                await asyncio.gather(marking, return_exceptions=True)
            if in_flight is not None:
                await asyncio.gather(*in_flight[1], return_exceptions=True)
                for span in in_flight[2]:
                    span.end()
            raise
        if published:
            self.published_total += published
            self._metrics.outbox_published.labels(self.service).inc(published)
            self._metrics.relay_batch_seconds.labels(self.service).observe(time.perf_counter() - started)
        return published, published >= limit

    async def _fetch(self, conn: psycopg.AsyncConnection[Any], after_id: int) -> list[tuple[Any, ...]]:
        """(id, topic, key, value, headers) tuples, oldest first, read with psycopg's binary
        protocol: on this hot path SQLAlchemy rows and hex-encoded bytea cost as much as publishing."""
        async with conn.cursor(binary=True) as cursor:
            await cursor.execute(
                "SELECT id, topic, key, value, headers FROM outbox "
                "WHERE published_at IS NULL AND id > %s ORDER BY id LIMIT %s",
                (after_id, self._batch_size),
            )
            return await cursor.fetchall()

    async def _send(self, rows: Sequence[Any]) -> tuple[list[asyncio.Future[Any]], list[trace.Span]]:
        """Hands every row to the producer (which batches them per partition); returns the
        acknowledgement futures."""
        futures, spans = [], []
        send = self._producer.send
        for _, topic, key, value, stored in rows:
            headers = decode_headers(stored)
            if self._tracer is not None:
                span, headers = self._publish_span(topic, headers)
                spans.append(span)
            futures.append(await send(topic, value=value, key=key.encode(), headers=headers))
        return futures, spans

    async def _mark(self, conn: psycopg.AsyncConnection[Any], rows: Sequence[Any]) -> None:
        await conn.execute(
            "UPDATE outbox SET published_at = now() WHERE id = ANY(CAST(string_to_array(%s, ',') AS bigint[]))",
            (",".join(str(row[0]) for row in rows),),
        )

    def _publish_span(self, topic: str, stored: list[tuple[str, bytes]]) -> tuple[trace.Span, list[tuple[str, bytes]]]:
        """A PRODUCER span, child of the context the event was emitted in; the record's
        ``traceparent`` header then names this span, so consumers continue the trace from it."""
        assert self._tracer is not None
        headers = {k: v.decode() for k, v in stored}
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


async def _acknowledged(futures: list[asyncio.Future[Any]], spans: list[trace.Span]) -> None:
    """Waits until Kafka acknowledged every record; ends their PRODUCER spans either way."""
    try:
        await asyncio.gather(*futures)
    except BaseException as exc:
        for span in spans:
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
        raise
    finally:
        for span in spans:
            span.end()


async def backlog(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(text("SELECT count(*) FROM outbox WHERE published_at IS NULL")) or 0)


async def _until(done: Any, event: asyncio.Event) -> None:
    """Returns when ``done()`` holds, checked at each ``event``."""
    while not done():
        await event.wait()
        event.clear()
