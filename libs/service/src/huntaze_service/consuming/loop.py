"""One Kafka consumer per service worker, for every topic the service subscribes to.

Why our own loop on aiokafka rather than a FastStream subscriber: we need (1) one consumer and one
consumer group for a dozen topics, dispatched by topic to the right subscriptions; (2) partitions
applied in parallel, so an event never waits for an unrelated partition's batch, while each
partition's records stay in order; (3) offsets committed exactly for the records whose effects
committed — after our database transaction, never the consumer's position, which runs ahead of
them. FastStream's batch subscriber applies one batch at a time per consumer and acknowledges by
committing the consumer's positions; its concurrent subscriber is per message. So this part is
ours, small and in the open; FastStream still documents the service (AsyncAPI) and tests its wiring
(``TestKafkaBroker``), see :mod:`huntaze_service.asyncapi` and :mod:`huntaze_service.wiring`.

    fetch task:  getmany() → records appended to their partition's buffer → a drain task per
                 partition that has records and none running; a buffer past its high-water mark
                 pauses its partition (bounded memory), resumed once drained below half of it
    drain task:  take a batch (in order) → apply it with every subscription of its topic
                 (:class:`BatchProcessor`: idempotent, retried, poison dead-lettered) → hand its
                 offsets to the committer → next batch; at most ``consumer_concurrency`` partitions
                 apply at once
    rebalance:   before partitions are taken away, their drain tasks finish the batch in hand and
                 their offsets are committed (aiokafka awaits ``on_partitions_revoked``); records
                 buffered but not applied are dropped and fetched again by the new owner
    stop:        fetching stops, drain tasks finish their batch (within the shutdown grace), the
                 offsets are flushed, then the consumer leaves the group
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import ConsumerStoppedError, KafkaError
from opentelemetry import trace

from ..metrics import metrics
from ..subscriptions import RetryPolicy, Subscription
from ..uow import SqlUnitOfWork
from .offsets import OffsetCommitter
from .processor import BatchProcessor

log = logging.getLogger("huntaze.consumer")


class ConsumerLoop:
    def __init__(
        self,
        *,
        service: str,
        group: str,
        bootstrap_servers: str,
        client_id: str,
        subscriptions: Sequence[Subscription],
        uow_factory: Callable[[], SqlUnitOfWork[Any]],
        producer: AIOKafkaProducer,
        retry: RetryPolicy,
        batch_size: int,
        poll_timeout_ms: int,
        concurrency: int,
        buffer_records: int,
        grace_s: float,
        tracer: trace.Tracer | None = None,
        consumer_factory: Callable[..., Any] = AIOKafkaConsumer,
        commit_interval_s: float = 0.0,
        security: dict[str, Any] | None = None,
    ) -> None:
        self.service = service
        self.group = group
        self._bootstrap = bootstrap_servers
        self._client_id = client_id
        self._batch_size = batch_size
        self._poll_timeout_ms = poll_timeout_ms
        self._buffer_high = max(buffer_records, batch_size)
        self._grace_s = grace_s
        self._consumer_factory = consumer_factory
        self._commit_interval_s = commit_interval_s
        self._security = dict(security or {})
        self.processors: dict[str, list[BatchProcessor]] = {}
        self._batch_of_topic: dict[str, int] = {}
        for sub in subscriptions:
            processor = BatchProcessor(
                service=service,
                subscription=sub,
                uow_factory=uow_factory,
                producer=producer,
                retry=retry,
                tracer=tracer,
            )
            self.processors.setdefault(sub.spec.topic, []).append(processor)
            size = sub.batch_size or batch_size
            self._batch_of_topic[sub.spec.topic] = min(size, self._batch_of_topic.get(sub.spec.topic, size))
        self.consumer: Any = None
        self._offsets: OffsetCommitter | None = None
        self._slots = asyncio.Semaphore(concurrency)
        self._buffers: dict[TopicPartition, deque[ConsumerRecord[Any, Any]]] = {}
        self._drains: dict[TopicPartition, asyncio.Task[None]] = {}
        self._paused: set[TopicPartition] = set()
        self._revoking: set[TopicPartition] = set()
        self._fetch: asyncio.Task[None] | None = None
        self._stopping = False
        m = metrics()
        self._batch_metric = {
            topic: [m.batch_size.labels(service, p.consumer) for p in processors]
            for topic, processors in self.processors.items()
        }

    @property
    def topics(self) -> list[str]:
        return sorted(self.processors)

    # lifecycle -------------------------------------------------------------------------------------
    async def start(self) -> None:
        self.consumer = self._consumer_factory(
            **self._security,
            bootstrap_servers=self._bootstrap,
            client_id=self._client_id,
            group_id=self.group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            # records of an aborted transaction (a re-drive by huntaze-streams cut short) are skipped
            isolation_level="read_committed",
        )
        self.consumer.subscribe(self.topics, listener=_Listener(self))
        await self.consumer.start()
        self._offsets = OffsetCommitter(self.consumer, self.group, interval_s=self._commit_interval_s)
        self._stopping = False
        self._fetch = asyncio.create_task(self._run(), name=f"{self.group}-fetch")
        log.info("consumer group %s reads %s", self.group, ", ".join(self.topics))

    async def stop(self) -> None:
        self._stopping = True
        if self._fetch is not None:
            self._fetch.cancel()
            await asyncio.gather(self._fetch, return_exceptions=True)
            self._fetch = None
        await self._finish(set(self._drains))
        if self._offsets is not None:
            await self._offsets.flush()
        if self.consumer is not None:
            await self.consumer.stop()
            self.consumer = None

    async def wait_until_assigned(self, timeout: float = 30) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while not (self.consumer and self.consumer.assignment()):
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"consumer group {self.group} was not assigned partitions in time")
            await asyncio.sleep(0.05)

    # fetching ----------------------------------------------------------------------------------------
    async def _run(self) -> None:
        assert self.consumer is not None
        backoff = 0.2
        while not self._stopping:
            try:
                batches = await self.consumer.getmany(timeout_ms=self._poll_timeout_ms)
                backoff = 0.2
            except ConsumerStoppedError:
                return
            except KafkaError as exc:
                log.warning("%s: fetch failed (%r); retrying in %.1fs", self.group, exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            for tp, records in batches.items():
                if tp in self._revoking:
                    continue
                buffer = self._buffers.setdefault(tp, deque())
                buffer.extend(records)
                if len(buffer) >= self._buffer_high and tp not in self._paused:
                    self.consumer.pause(tp)
                    self._paused.add(tp)
                if tp not in self._drains:
                    self._drains[tp] = asyncio.create_task(
                        self._drain(tp), name=f"{self.group}-{tp.topic}-{tp.partition}"
                    )

    # applying ----------------------------------------------------------------------------------------
    async def _drain(self, tp: TopicPartition) -> None:
        assert self.consumer is not None and self._offsets is not None
        buffer = self._buffers[tp]
        size = self._batch_of_topic[tp.topic]
        processors = self.processors[tp.topic]
        sizes = self._batch_metric[tp.topic]
        records: list[ConsumerRecord[Any, Any]] = []
        try:
            while buffer and not self._stopping and tp not in self._revoking:
                records = [buffer.popleft() for _ in range(min(size, len(buffer)))]
                async with self._slots:
                    for processor, histogram in zip(processors, sizes, strict=True):
                        histogram.observe(len(records))
                        outcome = await processor.process(records)
                        if outcome.poison:
                            await processor.dead_letter(outcome.poison)
                self._offsets.commit(records)  # only now: effects and dead letters are durable
                records = []
                if tp in self._paused and len(buffer) <= self._buffer_high // 2:
                    self._paused.discard(tp)
                    self.consumer.resume(tp)
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug of ours, not the event's: never skip the records
            log.exception(
                "%s: applying %s[%d] crashed; its records will be read again", self.group, tp.topic, tp.partition
            )
            first = records[0].offset if records else (buffer[0].offset if buffer else None)
            buffer.clear()
            if first is not None and tp not in self._revoking:
                self.consumer.seek(tp, first)
            if tp in self._paused:
                self._paused.discard(tp)
                self.consumer.resume(tp)
            await asyncio.sleep(1)
        finally:
            self._drains.pop(tp, None)
            if buffer and not self._stopping and tp not in self._revoking:
                self._drains[tp] = asyncio.create_task(self._drain(tp))

    async def _finish(self, partitions: set[TopicPartition]) -> None:
        """Lets the drain tasks of these partitions finish the batch in hand (within the grace)."""
        tasks = [t for tp, t in list(self._drains.items()) if tp in partitions]
        if not tasks:
            return
        done, pending = await asyncio.wait(tasks, timeout=self._grace_s)
        for task in pending:  # cut short: rolled back, and its offsets not committed
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def revoked(self, partitions: set[TopicPartition]) -> None:
        """Called before a rebalance takes partitions away: commit what was applied on them."""
        self._revoking |= partitions
        try:
            for tp in partitions:
                buffer = self._buffers.pop(tp, None)
                if buffer is not None:
                    buffer.clear()
            await self._finish(partitions)
            if self._offsets is not None:
                await self._offsets.flush()
        finally:
            self._paused -= partitions
            self._revoking -= partitions

    def assigned(self, partitions: set[TopicPartition]) -> None:
        for tp in partitions:
            self._buffers.pop(tp, None)
            self._paused.discard(tp)


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, loop: ConsumerLoop) -> None:
        self._loop = loop

    async def on_partitions_revoked(self, revoked: Any) -> None:
        await self._loop.revoked(set(revoked))

    async def on_partitions_assigned(self, assigned: Any) -> None:
        self._loop.assigned(set(assigned))


async def observe_lag(loop: ConsumerLoop, every_s: float = 10) -> None:
    """Consumer lag per partition this worker holds: the log end offset minus the group's committed
    offset. A partition taken away by a rebalance stops being reported here (its new holder reports
    it), so the sum over the workers of a group is the group's lag."""
    gauge = metrics().consumer_lag
    shown: set[tuple[str, str, str, str]] = set()
    while True:
        await asyncio.sleep(every_s)
        consumer = loop.consumer
        if consumer is None:
            continue
        try:
            partitions = list(consumer.assignment())
            ends = await consumer.end_offsets(partitions) if partitions else {}
            current = set()
            for tp in partitions:
                committed = await consumer.committed(tp) or 0
                labels = (loop.service, loop.group, tp.topic, str(tp.partition))
                gauge.labels(*labels).set(max(ends.get(tp, 0) - committed, 0))
                current.add(labels)
            for labels in shown - current:
                gauge.remove(*labels)
            shown = current
        except Exception as exc:  # noqa: BLE001 - a metric must never stop the worker
            log.debug("lag observation failed: %r", exc)
