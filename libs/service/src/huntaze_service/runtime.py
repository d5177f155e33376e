"""One service process: its database, its Kafka clients, its consumers, its relay, its HTTP API.

``Service`` is what a service's ``bootstrap.py`` builds; ``service.app`` is the ASGI app whose
lifespan starts and stops everything in order. Nothing connects before the app starts.

    start: engine → producer → relay (worker role) → consumers (worker role) → HTTP
    stop:  HTTP → consumers (finish the batch in hand) → relay (finish its batch) → producer → engine
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from itertools import chain
from typing import Annotated, Any

from aiokafka import AIOKafkaProducer, ConsumerRecord, TopicPartition
from fastapi import APIRouter, Depends, FastAPI, Request
from faststream.kafka import KafkaBroker
from faststream.kafka.message import FAKE_CONSUMER, KafkaMessage
from faststream.middlewares import AckPolicy
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from .consumer import BatchProcessor, RetryPolicy, Subscriptions
from .db import create_engine, create_sessionmaker
from .http import (
    BodyLimitMiddleware,
    RequestContextMiddleware,
    install_error_handlers,
    install_probes,
)
from .logs import configure_logging
from .metrics import metrics
from .outbox import OutboxRelay, new_producer
from .settings import ServiceSettings
from .telemetry import build_tracer_provider, exports
from .uow import UnitOfWork

log = logging.getLogger("huntaze.runtime")

Hook = Callable[["Runtime"], Awaitable[None]]


class Runtime:
    """Live handles of a running service. Available as ``request.app.state.runtime``."""

    def __init__(
        self,
        settings: ServiceSettings,
        subscriptions: Subscriptions[Any] | None,
        *,
        uses_kafka: bool = True,
        tracer_provider: TracerProvider | None = None,
    ) -> None:
        self.settings = settings
        self.uses_kafka = uses_kafka
        self.tracer_provider = tracer_provider or build_tracer_provider(
            settings.service_name, settings.otel_exporter_otlp_endpoint
        )
        self.tracer = self.tracer_provider.get_tracer("huntaze")
        # per-event spans only when someone receives them (they cost ~40 % of a light consumer)
        self._event_tracer = self.tracer if exports(self.tracer_provider) else None
        self.service = settings.service_name
        self.subscriptions = subscriptions
        self.engine: AsyncEngine | None = None
        self.sessionmaker: async_sessionmaker[AsyncSession] | None = None
        self.producer: AIOKafkaProducer | None = None
        self.broker: KafkaBroker | None = None
        self.relay: OutboxRelay | None = None
        self.processors: list[BatchProcessor] = []
        self.state: dict[str, Any] = {}
        self._housekeeping: asyncio.Task[None] | None = None
        self._lag_task: asyncio.Task[None] | None = None
        self._subscribers: list[tuple[BatchProcessor, Any]] = []
        self._committers: list[_OffsetCommitter] = []

    # units of work ---------------------------------------------------------------------------
    def uow(self) -> UnitOfWork:
        assert self.sessionmaker is not None, "runtime not started"
        return UnitOfWork(
            self.sessionmaker,
            producer_name=self.service,
            on_commit=self.relay.wake if self.relay is not None else None,
        )

    def session(self) -> AsyncSession:
        """A session for reads (no events)."""
        assert self.sessionmaker is not None, "runtime not started"
        return self.sessionmaker()

    # lifecycle -------------------------------------------------------------------------------
    async def start(self) -> None:
        s = self.settings
        self.engine = create_engine(s)
        self.sessionmaker = create_sessionmaker(self.engine)
        await _retry_until_ready("database", self._ping_database, s.shutdown_grace_s * 4)
        if not self.uses_kafka:
            log.info("%s started (role=%s, no Kafka)", self.service, s.role.value)
            return
        client_id = s.kafka_client_id or f"huntaze-{self.service}"
        self.producer = new_producer(s.kafka_bootstrap_servers, client_id)
        await _retry_until_ready("kafka", self.producer.start, s.shutdown_grace_s * 4)
        if s.role.runs_workers:
            self.relay = OutboxRelay(
                service=self.service,
                sessionmaker=self.sessionmaker,
                database_url=s.database_url,
                producer=self.producer,
                batch_size=s.relay_batch_size,
                safety_interval_s=s.relay_safety_interval_s,
                tracer=self._event_tracer,
            )
            self.relay.start()
            self._housekeeping = asyncio.create_task(self._housekeep(), name=f"{self.service}-housekeeping")
            if self.subscriptions:
                self.broker = self._build_broker(client_id)
                await self.broker.start()
                self._lag_task = asyncio.create_task(self._observe_lag(), name=f"{self.service}-lag")
        log.info(
            "%s started (role=%s, consumers=%d)",
            self.service,
            s.role.value,
            len(self.processors),
        )

    async def stop(self) -> None:
        for task in (self._housekeeping, self._lag_task):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        self._housekeeping = self._lag_task = None
        if self.broker is not None:
            # Offsets of the batches already applied reach the coordinator before the consumers
            # close (the batch in hand flushes its own, see _faststream_handler): a graceful stop
            # leaves nothing to redeliver.
            for committer in self._committers:
                committer.stopping = True
            await asyncio.gather(*(c.flush() for c in self._committers))
            await self.broker.stop()
            self.broker = None
        if self.relay is not None:
            await self.relay.stop()
            self.relay = None
        if self.producer is not None:
            await self.producer.stop()
            self.producer = None
        if self.engine is not None:
            await self.engine.dispose()
            self.engine = None
        self.tracer_provider.shutdown()  # flushes spans still waiting for export
        log.info("%s stopped", self.service)

    def _build_broker(self, client_id: str) -> KafkaBroker:
        s = self.settings
        broker = KafkaBroker(
            s.kafka_bootstrap_servers,
            client_id=client_id,
            allow_auto_create_topics=False,
            graceful_timeout=s.shutdown_grace_s,
            apply_types=False,  # the handler takes the batch itself: no argument injection per batch
            logger=logging.getLogger("huntaze.faststream"),  # through our JSON handler
            log_level=logging.DEBUG,  # one line per message is too much at INFO
        )
        retry = RetryPolicy(
            max_attempts=s.retry_max_attempts,
            initial_backoff_s=s.retry_initial_backoff_s,
            max_backoff_s=s.retry_max_backoff_s,
        )
        assert self.subscriptions is not None and self.producer is not None
        for subscription in self.subscriptions:
            processor = BatchProcessor(
                service=self.service,
                subscription=subscription,
                uow_factory=self.uow,
                producer=self.producer,
                retry=retry,
                tracer=self._event_tracer,
            )
            self.processors.append(processor)
            subscriber = broker.subscriber(
                subscription.spec.topic,
                group_id=processor.consumer,
                batch=True,
                max_records=subscription.batch_size or s.consumer_batch_size,
                batch_timeout_ms=s.consumer_batch_timeout_ms,
                auto_offset_reset="earliest",
                ack_policy=AckPolicy.MANUAL,
                parser=_records_as_message,
                decoder=_message_itself,
                title=f"{processor.consumer}:{subscription.spec.topic}",
                description=subscription.description or subscription.spec.summary,
            )
            committer = _OffsetCommitter(processor.consumer)
            self._committers.append(committer)
            subscriber(_faststream_handler(processor, subscriber, committer))
            _long_poll(subscriber)
            self._subscribers.append((processor, subscriber))
        return broker

    async def _housekeep(self, every_s: float = 300) -> None:
        """Deletes published outbox rows and old idempotency records, past their retention.

        Idempotency records must outlive the topics' retention (7 days locally): an event can only
        be redelivered while Kafka still has it."""
        while True:
            await asyncio.sleep(every_s)
            try:
                assert self.sessionmaker is not None
                async with self.sessionmaker() as session, session.begin():
                    await session.execute(
                        text(
                            "DELETE FROM outbox WHERE published_at IS NOT NULL "
                            "AND published_at < now() - :h * interval '1 hour'"
                        ),
                        {"h": self.settings.outbox_retention_hours},
                    )
                    await session.execute(
                        text("DELETE FROM processed_events WHERE processed_at < now() - :d * interval '1 day'"),
                        {"d": self.settings.processed_events_retention_days},
                    )
            except Exception as exc:  # noqa: BLE001 - retried at the next round
                log.warning("housekeeping failed: %r", exc)

    async def wait_until_assigned(self, timeout: float = 30) -> None:
        """Waits until every consumer of this runtime has been given its partitions."""
        deadline = asyncio.get_running_loop().time() + timeout
        for _, subscriber in self._subscribers:
            while not (subscriber.consumer and subscriber.consumer.assignment()):
                if asyncio.get_running_loop().time() > deadline:
                    raise TimeoutError("consumers were not assigned partitions in time")
                await asyncio.sleep(0.05)

    async def _observe_lag(self, every_s: float = 10) -> None:
        """Consumer lag per partition: the log end offset minus the group's committed offset."""
        gauge = metrics().consumer_lag
        while True:
            await asyncio.sleep(every_s)
            for processor, subscriber in self._subscribers:
                consumer = getattr(subscriber, "consumer", None)
                if consumer is None:
                    continue
                try:
                    partitions = list(consumer.assignment())
                    if not partitions:
                        continue
                    ends = await consumer.end_offsets(partitions)
                    for tp in partitions:
                        committed = await consumer.committed(tp) or 0
                        gauge.labels(self.service, processor.consumer, tp.topic, str(tp.partition)).set(
                            max(ends.get(tp, 0) - committed, 0)
                        )
                except Exception as exc:  # noqa: BLE001 - a metric must never stop the worker
                    log.debug("lag observation failed: %r", exc)

    # probes ----------------------------------------------------------------------------------
    async def _ping_database(self) -> None:
        assert self.engine is not None
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def readiness(self) -> dict[str, str]:
        checks: dict[str, str] = {}
        try:
            await asyncio.wait_for(self._ping_database(), timeout=2)
            checks["database"] = "ok"
        except Exception as exc:  # noqa: BLE001 - reported as not ready
            checks["database"] = f"error: {type(exc).__name__}"
        if not self.uses_kafka:
            return checks
        try:
            assert self.producer is not None
            await asyncio.wait_for(self.producer.client.fetch_all_metadata(), timeout=2)
            checks["kafka"] = "ok"
        except Exception as exc:  # noqa: BLE001 - reported as not ready
            checks["kafka"] = f"error: {type(exc).__name__}"
        return checks


async def _records_as_message(records: tuple[ConsumerRecord[Any, Any], ...]) -> KafkaMessage:
    """Wraps a polled batch as it is. FastStream's own parser decodes every record's headers and
    its decoder every record's JSON; our processor reads the raw records itself (a malformed one
    must reach the dead-letter topic, not fail the batch), so neither is needed."""
    first = records[0] if records else None
    return KafkaMessage(
        raw_message=records,
        body=records,
        consumer=FAKE_CONSUMER,  # offsets are committed by the handler, on the subscriber's consumer
        message_id=f"{first.topic}-{first.partition}-{first.offset}" if first else "empty",
        correlation_id="batch",
    )


async def _message_itself(message: KafkaMessage) -> KafkaMessage:
    return message


def _rewind(consumer: Any, records: Sequence[ConsumerRecord[Any, Any]]) -> None:
    """Seeks every partition of the batch back to its first record: it will be polled again."""
    earliest: dict[TopicPartition, int] = {}
    for record in records:
        tp = TopicPartition(record.topic, record.partition)
        earliest[tp] = min(earliest.get(tp, record.offset), record.offset)
    for tp, offset in earliest.items():
        consumer.seek(tp, offset)


def _long_poll(subscriber: Any) -> None:
    """Makes a FastStream batch subscriber long-poll instead of poll-then-sleep.

    FastStream's batch subscriber sleeps ``batch_timeout_ms`` after an empty ``getmany``, so a record
    arriving during that sleep waits for it. aiokafka's ``getmany`` already blocks up to the timeout
    and returns as soon as records arrive: used alone it is a long poll that adds no latency."""

    async def get_msg(consumer: Any) -> tuple[ConsumerRecord[Any, Any], ...]:
        batches = await consumer.getmany(timeout_ms=subscriber.batch_timeout_ms, max_records=subscriber.max_records)
        return tuple(chain.from_iterable(batches.values()))

    subscriber.get_msg = get_msg


class _OffsetCommitter:
    """Commits exactly the offsets of the batches whose effects are committed — not the consumer's
    current position — in the background, so the next poll does not wait for the coordinator's
    answer. At most one commit is in flight: batches that finish meanwhile are merged (highest
    offset per partition) into the next one, so a consumer that handles batches faster than the
    coordinator answers neither queues commits without bound nor falls ever further behind.
    A commit lost in a crash or a rebalance only means a redelivery, which the processed-events
    record absorbs."""

    def __init__(self, consumer_name: str) -> None:
        self._consumer_name = consumer_name
        self._pending: dict[TopicPartition, int] = {}
        self._consumer: Any = None
        self._task: asyncio.Task[None] | None = None
        self.stopping = False
        """Set when the runtime stops: each batch then waits for its offsets to be committed."""

    def commit(self, consumer: Any, records: Sequence[ConsumerRecord[Any, Any]]) -> None:
        pending = self._pending
        for record in records:
            tp = TopicPartition(record.topic, record.partition)
            if record.offset + 1 > pending.get(tp, -1):
                pending[tp] = record.offset + 1
        self._consumer = consumer
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._commit_pending())

    async def _commit_pending(self) -> None:
        while self._pending:
            offsets, self._pending = self._pending, {}
            try:
                await self._consumer.commit(offsets)
            except Exception as exc:  # noqa: BLE001 - a rebalance revoked the partitions
                log.warning(
                    "%s: offset commit failed (%r); its batches will be redelivered and deduplicated",
                    self._consumer_name,
                    exc,
                )

    async def flush(self) -> None:
        """Waits until every offset handed to :meth:`commit` so far was sent to the coordinator."""
        while self._task is not None and not self._task.done():
            await asyncio.gather(self._task, return_exceptions=True)


def _faststream_handler(
    processor: BatchProcessor, subscriber: Any, offsets: _OffsetCommitter
) -> Callable[..., Awaitable[None]]:

    async def handle(message: KafkaMessage) -> None:
        records: Sequence[ConsumerRecord[Any, Any]] = message.raw_message  # type: ignore[assignment]
        if not isinstance(records, tuple):
            records = (records,)
        if not records:
            return
        metrics().batch_size.labels(processor.service, processor.consumer).observe(len(records))
        try:
            outcome = await processor.process(records)
            if outcome.poison:
                await processor.dead_letter(outcome.poison)
        except Exception:  # a bug of ours, not the event's: never skip the batch
            log.exception("%s: batch processing crashed; the batch will be consumed again", processor.consumer)
            _rewind(subscriber.consumer, records)
            await asyncio.sleep(1)
            return
        offsets.commit(subscriber.consumer, records)  # only now: effects and dead letters are durable
        if offsets.stopping:
            await offsets.flush()  # FastStream closes the consumer once this batch returns

    handle.__name__ = processor.consumer.replace(".", "_")
    return handle


def freeze_startup_heap() -> None:
    """Moves everything allocated during startup (modules, classes, pydantic and SQLAlchemy
    metadata, routes: ~160,000 objects) to the collector's permanent generation.

    Those objects live as long as the process, yet every full (generation-2) collection walked
    them all: measured in a consumer under load, that was a 100–200 ms pause every few seconds,
    which every event arriving during it waits out (it set B3's p99). After the freeze a full
    collection only walks what was allocated since."""
    gc.collect()
    gc.freeze()
    log.debug("froze %d startup objects out of the collector's reach", gc.get_freeze_count())


async def _retry_until_ready(what: str, attempt: Callable[[], Awaitable[Any]], timeout: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    delay = 0.2
    while True:
        try:
            await attempt()
            return
        except Exception as exc:
            if loop.time() > deadline:
                raise RuntimeError(f"{what} not reachable after {timeout:.0f}s: {exc!r}") from exc
            log.warning("waiting for %s: %r", what, exc)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 3.0)


class Service:
    """A service definition: settings, HTTP routers, subscriptions and startup hooks."""

    def __init__(
        self,
        settings: ServiceSettings,
        *,
        title: str,
        routers: Sequence[APIRouter] = (),
        subscriptions: Subscriptions[Any] | None = None,
        on_startup: Sequence[Hook] = (),
        on_shutdown: Sequence[Hook] = (),
        uses_kafka: bool = True,
        span_exporter: SpanExporter | None = None,
    ) -> None:
        self.settings = settings
        self.uses_kafka = uses_kafka
        self.span_exporter = span_exporter
        """Tests pass an in-memory exporter; otherwise OTLP when configured, else no export."""
        self.title = title
        self.routers = list(routers)
        self.subscriptions = subscriptions
        self.on_startup = list(on_startup)
        self.on_shutdown = list(on_shutdown)
        self.freeze_heap_after_start = False
        """Set by ``serve`` (one service per process): see :func:`freeze_startup_heap`."""

    def build_app(self) -> FastAPI:
        settings = self.settings
        configure_logging(settings.service_name, settings.log_level, settings.log_json)
        provider = build_tracer_provider(
            settings.service_name, settings.otel_exporter_otlp_endpoint, exporter=self.span_exporter
        )
        runtime = Runtime(settings, self.subscriptions, uses_kafka=self.uses_kafka, tracer_provider=provider)

        @asynccontextmanager
        async def lifespan(app: FastAPI) -> AsyncIterator[None]:
            await runtime.start()
            try:
                for hook in self.on_startup:
                    await hook(runtime)
                if self.freeze_heap_after_start:
                    freeze_startup_heap()
                yield
            finally:
                for hook in self.on_shutdown:
                    await hook(runtime)
                await runtime.stop()

        app = FastAPI(title=self.title, lifespan=lifespan, version="1")
        app.state.runtime = runtime
        install_error_handlers(app)
        install_probes(app, runtime.readiness)
        if settings.role.serves_http_api:
            for router in self.routers:
                app.include_router(router)
        app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_request_bytes)
        app.add_middleware(RequestContextMiddleware, service=settings.service_name)
        FastAPIInstrumentor.instrument_app(
            app, tracer_provider=provider, excluded_urls="/health,/ready,/metrics", exclude_spans=["receive", "send"]
        )
        return app


async def runtime_of(request: Request) -> Runtime:
    return request.app.state.runtime  # type: ignore[no-any-return]


RuntimeDep = Annotated[Runtime, Depends(runtime_of)]
