"""One service process at run time: its database, its Kafka clients, its workers.

``Runtime`` starts and stops everything in order (the app's lifespan calls it; see :mod:`.app`).
Nothing connects before ``start``.

    start: engine → producer → outbox relay → consumer loop (worker) → timer worker (worker)
    stop:  consumer loop (finishes the batch in hand, commits its offsets) → timer worker (finishes
           its firing, gives calls in flight the grace) → relay (finishes its batch) → producer → engine
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Generic, TypeVar

from aiokafka import AIOKafkaProducer
from fastapi import Depends, Request
from opentelemetry.sdk.trace import TracerProvider
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from .consuming.loop import ConsumerLoop, observe_lag
from .db import create_engine, create_sessionmaker
from .housekeeping import housekeep
from .outbox import OutboxRelay, new_producer
from .settings import ServiceSettings
from .subscriptions import RetryPolicy, Subscriptions
from .telemetry import build_tracer_provider, exports
from .timers.worker import TimerWorker
from .uow import SqlUnitOfWork

log = logging.getLogger("huntaze.runtime")

R = TypeVar("R")


class Runtime(Generic[R]):
    """Live handles of a running service. Available as ``request.app.state.runtime``."""

    def __init__(
        self,
        settings: ServiceSettings,
        subscriptions: Subscriptions | None = None,
        *,
        repository: Callable[[Any], R] | None = None,
        uses_kafka: bool = True,
        kafka_gates_readiness: bool = True,
        tracer_provider: TracerProvider | None = None,
    ) -> None:
        self.settings = settings
        self.service = settings.service_name
        self.subscriptions = subscriptions if subscriptions is not None else Subscriptions()
        self.repository = repository
        self.uses_kafka = uses_kafka
        self.kafka_gates_readiness = kafka_gates_readiness
        """False for a service whose requests only write to the outbox (the gateway): Kafka down
        shows as ``degraded`` in /ready but leaves it ready, the events wait in the outbox."""
        self.tracer_provider = tracer_provider or build_tracer_provider(
            settings.service_name, settings.otel_exporter_otlp_endpoint
        )
        self.tracer = self.tracer_provider.get_tracer("huntaze")
        # per-event spans only when someone receives them (they cost ~40 % of a light consumer)
        self._event_tracer = self.tracer if exports(self.tracer_provider) else None
        self._kinds = self.subscriptions.kinds()
        self.engine: AsyncEngine | None = None
        self.sessionmaker: async_sessionmaker[AsyncSession] | None = None
        self.producer: AIOKafkaProducer | None = None
        self.relay: OutboxRelay | None = None
        self.consumers: ConsumerLoop | None = None
        self.timers: TimerWorker | None = None
        self.state: dict[str, Any] = {}
        self._background: list[asyncio.Task[None]] = []

    # units of work ---------------------------------------------------------------------------
    def uow(self) -> SqlUnitOfWork[R]:
        """A unit of work on the service's database, with its repositories as ``uow.repo``."""
        assert self.engine is not None, "runtime not started"
        return SqlUnitOfWork(
            self.engine,
            producer_name=self.service,
            repository=self.repository,
            kinds=self._kinds,
            on_events=self.relay.wake if self.relay is not None else None,
            on_timers=self.timers.wake if self.timers is not None else None,
        )

    def session(self) -> AsyncSession:
        """A session outside any unit of work (operators' tools, tests; use cases take ``uow()``)."""
        assert self.sessionmaker is not None, "runtime not started"
        return self.sessionmaker()

    # lifecycle -------------------------------------------------------------------------------
    async def start(self) -> None:
        s = self.settings
        self.engine = create_engine(s)
        self.sessionmaker = create_sessionmaker(self.engine)
        await _retry_until_ready("database", self._ping_database, s.shutdown_grace_s * 4)
        workers = s.role.runs_workers
        retry = RetryPolicy(
            max_attempts=s.retry_max_attempts,
            initial_backoff_s=s.retry_initial_backoff_s,
            max_backoff_s=s.retry_max_backoff_s,
        )
        if self.uses_kafka:
            client_id = s.kafka_client_id or f"huntaze-{self.service}"
            security = s.kafka_security.options()
            self.producer = new_producer(s.kafka_bootstrap_servers, client_id, **security)
            await _retry_until_ready("kafka", self.producer.start, s.shutdown_grace_s * 4)
            if s.relay_enabled:
                self.relay = OutboxRelay(
                    service=self.service,
                    database_url=s.database_url,
                    sessionmaker=self.sessionmaker,
                    producer=self.producer,
                    batch_size=s.relay_batch_size,
                    safety_interval_s=s.relay_safety_interval_s,
                    tracer=self._event_tracer,
                )
                self.relay.start()
            if workers and len(self.subscriptions):
                self.consumers = ConsumerLoop(
                    service=self.service,
                    group=self.service,
                    bootstrap_servers=s.kafka_bootstrap_servers,
                    client_id=client_id,
                    subscriptions=list(self.subscriptions),
                    uow_factory=self.uow,
                    producer=self.producer,
                    retry=retry,
                    batch_size=s.consumer_batch_size,
                    poll_timeout_ms=s.consumer_batch_timeout_ms,
                    concurrency=s.consumer_concurrency,
                    buffer_records=s.consumer_buffer_records,
                    grace_s=s.shutdown_grace_s,
                    tracer=self._event_tracer,
                    commit_interval_s=s.consumer_commit_interval_ms / 1000,
                    security=security,
                )
                await self.consumers.start()
                self._background.append(asyncio.create_task(observe_lag(self.consumers), name="lag"))
        if workers and (self.subscriptions.timers or self.subscriptions.calls):
            self.timers = TimerWorker(
                service=self.service,
                database_url=s.database_url,
                subscriptions=self.subscriptions,
                uow_factory=self.uow,
                retry=retry,
                batch_size=s.timer_batch_size,
                poll_interval_s=s.timer_poll_interval_s,
                lease_s=s.timer_lease_s,
                call_concurrency=s.call_concurrency,
                grace_s=s.shutdown_grace_s,
            )
            self.timers.start()
        if self.housekeeps:
            self._background.append(asyncio.create_task(housekeep(self.sessionmaker, s), name="housekeeping"))
        log.info(
            "%s started (role=%s, environment=%s, topics=%d, timers=%d, calls=%d)",
            self.service,
            s.role.value,
            s.environment.value,
            len(self.consumers.topics) if self.consumers else 0,
            len(self.subscriptions.timers) if self.timers else 0,
            len(self.subscriptions.calls) if self.timers else 0,
        )

    @property
    def housekeeps(self) -> bool:
        """Whether this process clears published outbox rows and old idempotency records: the
        workers do; a service with no worker duties (no subscription, timer or call: it only
        produces, and is deployed without a worker) does it in its api processes,
        where its relay runs. Replicas doing it at once delete the same rows: harmless."""
        subs = self.subscriptions
        worker_duties = bool(len(subs) or subs.timers or subs.calls)
        return self.uses_kafka and (self.settings.role.runs_workers or not worker_duties)

    async def stop(self) -> None:
        for task in self._background:
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        self._background = []
        if self.consumers is not None:
            await self.consumers.stop()
            self.consumers = None
        if self.timers is not None:
            await self.timers.stop()
            self.timers = None
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

    async def wait_until_assigned(self, timeout: float = 30) -> None:
        """Waits until this runtime's consumer has been given its partitions."""
        if self.consumers is not None:
            await self.consumers.wait_until_assigned(timeout)

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
            state = "error" if self.kafka_gates_readiness else "degraded"
            checks["kafka"] = f"{state}: {type(exc).__name__}"
        return checks


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


async def runtime_of(request: Request) -> Runtime[Any]:
    return request.app.state.runtime  # type: ignore[no-any-return]


RuntimeDep = Annotated[Runtime[Any], Depends(runtime_of)]
