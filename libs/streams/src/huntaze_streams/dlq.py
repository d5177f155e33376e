"""Dead-letter topics: what is in them, and putting their records back on their original topic.

Re-drive, exactly once by the tool
----------------------------------
A dead-lettered record goes back unchanged (same key, same value) to ``dlq.original_topic``, with
its original headers minus ``dlq.*`` plus ``dlq.redriven_from=<dlq topic>:<partition>:<offset>``.

The tool's progress lives in Kafka, next to what it produces, and both change in ONE Kafka
transaction (a transactional producer; ``transactional_id = huntaze-streams-redrive.<dlq topic>``):

- the *watermark*: the offsets committed for the consumer group ``huntaze-streams-redrive`` (the
  tool's own; it only stores offsets, nobody joins it) — every record of a partition below it has
  been re-driven;
- the *ledger*: the compacted topic ``huntaze-streams.redrive-ledger``, one entry per record
  re-driven *above* the watermark (key ``<dlq topic>:<partition>:<offset>``). It is only written
  when ``--reason`` left an earlier record behind: without a filter, progress is the watermark alone.

A batch of re-driven records, their ledger entries and the new watermark are committed together or
not at all. A run that dies mid-way (SIGKILL) leaves an open transaction; the next run's producer,
with the same transactional id, fences it and Kafka aborts it: its records are never visible to a
``read_committed`` reader, and its progress never happened, so that run re-drives them again, once.
Two runs on the same topic at once: the second fences the first.

``--reason`` and the records it skips: the watermark does NOT pass a skipped record (otherwise it
could never be re-driven later); records re-driven after it are kept in the ledger instead, and
the next run skips them. When a later run re-drives the skipped record, the watermark moves past
everything done and the ledger entries below it are deleted (tombstones, in the same transaction).

The consumers are idempotent (``processed_events``), so even a duplicate delivery would be harmless;
the tool's own guarantee is that it never puts the same dead letter back twice.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiokafka import ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, ProducerFenced, TopicAlreadyExistsError

from . import connect
from .errors import StreamsError
from .ranges import END, Position
from .reader import TopicReader

GROUP = "huntaze-streams-redrive"
LEDGER_TOPIC = "huntaze-streams.redrive-ledger"
REDRIVEN_FROM = "dlq.redriven_from"
BATCH = 500


@dataclass
class DeadLetter:
    record: ConsumerRecord[Any, Any]
    headers: dict[str, str]

    @classmethod
    def of(cls, record: ConsumerRecord[Any, Any]) -> DeadLetter:
        return cls(record, {k: v.decode(errors="replace") for k, v in (record.headers or ())})

    @property
    def reason(self) -> str:
        return self.headers.get("dlq.reason", "(no dlq.reason)")

    @property
    def consumer(self) -> str:
        return self.headers.get("dlq.consumer", "?")

    @property
    def failed_at(self) -> str | None:
        return self.headers.get("dlq.failed_at")

    @property
    def original_topic(self) -> str:
        return self.headers.get("dlq.original_topic") or self.record.topic.removesuffix(".dlq")

    @property
    def event_id(self) -> str | None:
        if "event_id" in self.headers:
            return self.headers["event_id"]
        try:
            return str(json.loads(self.record.value)["event_id"])
        except (ValueError, KeyError, TypeError):
            return None

    @property
    def coordinates(self) -> str:
        return f"{self.record.topic}:{self.record.partition}:{self.record.offset}"

    def redriven_headers(self) -> list[tuple[str, bytes]]:
        kept = [(k, v) for k, v in (self.record.headers or ()) if not k.startswith("dlq.")]
        return [*kept, (REDRIVEN_FROM, self.coordinates.encode())]


# ----------------------------------------------------------------------------------------------
# progress: watermark + ledger
# ----------------------------------------------------------------------------------------------


def ledger_key(topic: str, partition: int, offset: int) -> bytes:
    return f"{topic}:{partition}:{offset}".encode()


@dataclass
class Progress:
    watermark: dict[TopicPartition, int]
    ledger: dict[TopicPartition, set[int]]

    def done(self, tp: TopicPartition, offset: int) -> bool:
        return offset < self.watermark.get(tp, 0) or offset in self.ledger.get(tp, ())


async def load_progress(bootstrap: str, topic: str, partitions: list[TopicPartition], group: str) -> Progress:
    """The watermark (committed offsets of the tool's group) and the ledger entries of one DLQ topic."""
    offsets = connect.consumer(bootstrap, group_id=group)
    await connect.start(offsets, bootstrap)
    try:
        offsets.assign(partitions)  # assigned, never subscribed: the group is an offset store only
        watermark = {}
        for tp in partitions:
            committed = await offsets.committed(tp)
            watermark[tp] = committed if committed is not None and committed >= 0 else 0
        ledger: dict[TopicPartition, set[int]] = {tp: set() for tp in partitions}
        cluster = await offsets._client.fetch_all_metadata()  # every topic: the ledger is not assigned here
        ledger_partitions = cluster.partitions_for_topic(LEDGER_TOPIC)
    finally:
        await offsets.stop()
    if ledger_partitions:
        reader_consumer = connect.consumer(bootstrap)
        await connect.start(reader_consumer, bootstrap)
        try:
            reader = TopicReader(reader_consumer, LEDGER_TOPIC, bootstrap)
            await reader.prepare(Position("beginning"), END)
            prefix = f"{topic}:"
            async for batch in reader.batches(idle_ms=200):
                for record in batch:
                    key = (record.key or b"").decode(errors="replace")
                    if not key.startswith(prefix):
                        continue
                    _, partition, offset = key.rsplit(":", 2)
                    tp = TopicPartition(topic, int(partition))
                    if tp not in ledger:
                        continue
                    if record.value is None:
                        ledger[tp].discard(int(offset))
                    else:
                        ledger[tp].add(int(offset))
        finally:
            await reader_consumer.stop()
    for tp in partitions:  # entries below the watermark are history
        ledger[tp] = {o for o in ledger[tp] if o >= watermark[tp]}
    return Progress(watermark, ledger)


async def ensure_ledger(bootstrap: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **connect.security_options())
    try:
        await asyncio.wait_for(admin.start(), connect.CONNECT_TIMEOUT_S)
        if LEDGER_TOPIC in set(await admin.list_topics()):
            return
        cluster = await admin.describe_cluster()
        replicas = min(3, max(1, len(cluster.get("brokers", ())) or 1))
        await admin.create_topics([NewTopic(LEDGER_TOPIC, 1, replicas, topic_configs={"cleanup.policy": "compact"})])
    except TopicAlreadyExistsError:
        pass
    except KafkaError as exc:
        raise StreamsError(f"cannot create the re-drive ledger topic {LEDGER_TOPIC}: {exc}") from None
    finally:
        await admin.close()


# ----------------------------------------------------------------------------------------------
# dlq list
# ----------------------------------------------------------------------------------------------


@dataclass
class DlqSummary:
    topic: str
    exists: bool = True
    count: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    consumers: Counter[str] = field(default_factory=Counter)
    first_failed_at: str | None = None
    last_failed_at: str | None = None
    pending: int = 0  # not re-driven by the tool yet

    def as_dict(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "exists": self.exists,
            "count": self.count,
            "pending": self.pending,
            "reasons": dict(self.reasons.most_common()),
            "consumers": dict(self.consumers.most_common()),
            "first_failed_at": self.first_failed_at,
            "last_failed_at": self.last_failed_at,
        }


async def summarize(bootstrap: str, topic: str, group: str = GROUP) -> DlqSummary:
    summary = DlqSummary(topic)
    consumer = connect.consumer(bootstrap)
    await connect.start(consumer, bootstrap)
    try:
        reader = TopicReader(consumer, topic, bootstrap)
        try:
            await reader.prepare(Position("beginning"), END)
        except StreamsError:
            summary.exists = False
            return summary
        progress = await load_progress(bootstrap, topic, reader.partitions, group)
        async for batch in reader.batches(idle_ms=200):
            for record in batch:
                letter = DeadLetter.of(record)
                summary.count += 1
                summary.reasons[letter.reason] += 1
                summary.consumers[letter.consumer] += 1
                if not progress.done(TopicPartition(record.topic, record.partition), record.offset):
                    summary.pending += 1
                at = letter.failed_at
                if at:
                    summary.first_failed_at = min(filter(None, (summary.first_failed_at, at)))
                    summary.last_failed_at = max(filter(None, (summary.last_failed_at, at)))
    finally:
        await consumer.stop()
    return summary


# ----------------------------------------------------------------------------------------------
# dlq redrive
# ----------------------------------------------------------------------------------------------


@dataclass
class RedriveResult:
    topic: str
    redriven: int = 0
    already: int = 0  # re-driven by an earlier run
    filtered: int = 0  # left behind by --reason
    retried: int = 0  # batches whose transaction was aborted on a retriable error, then committed
    to_topics: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    planned: list[DeadLetter] = field(default_factory=list)  # --dry-run: what would go


class _Partition:
    """Where the watermark of one partition can move as records are handled in offset order."""

    def __init__(self, watermark: int, ledger: set[int]) -> None:
        self.watermark = watermark
        self.ledger = ledger
        self.blocked = False  # a record left behind (--reason): the watermark stays before it
        self.tombstones: list[int] = []
        self.entries: list[int] = []

    def handled(self, offset: int, *, now: bool) -> None:
        """``offset`` is done (re-driven ``now``, or earlier according to the ledger)."""
        if not self.blocked:
            self.watermark = offset + 1
            if not now:
                self.tombstones.append(offset)  # its ledger entry is below the watermark now
        elif now:
            self.entries.append(offset)

    def left_behind(self, offset: int) -> None:
        if not self.blocked:
            self.watermark = offset
            self.blocked = True


async def redrive(
    bootstrap: str,
    topic: str,
    *,
    reasons: set[str] | None = None,
    dry_run: bool = False,
    batch: int = BATCH,
    rate: float = 0,
    group: str = GROUP,
    on_progress: Callable[[RedriveResult, int], None] | None = None,
) -> RedriveResult:
    result = RedriveResult(topic)
    producer = None
    if not dry_run:
        # first: fences a previous run that died mid-transaction (Kafka aborts its transaction)
        producer = connect.producer(
            bootstrap, transactional_id=f"huntaze-streams-redrive.{topic}", enable_idempotence=True, linger_ms=5
        )
        await connect.start(producer, bootstrap)
    consumer = connect.consumer(bootstrap)
    try:
        await connect.start(consumer, bootstrap)
        reader = TopicReader(consumer, topic, bootstrap)
        await reader.load_partitions()
        progress = await load_progress(bootstrap, topic, reader.partitions, group)
        await reader.prepare(
            Position("partitions", per_partition={tp.partition: w for tp, w in progress.watermark.items()}), END
        )
        state = {
            tp: _Partition(max(progress.watermark[tp], reader.start[tp]), set(progress.ledger[tp]))
            for tp in reader.partitions
        }
        total = reader.span or 0
        pending: list[DeadLetter] = []
        started = time.monotonic()
        sent = 0

        ledger_ready = False

        async def commit() -> None:
            nonlocal pending, sent, ledger_ready
            if producer is None:
                return
            if not pending and not any(p.tombstones for p in state.values()):
                return
            if not ledger_ready and any(p.entries or p.tombstones for p in state.values()):
                await ensure_ledger(bootstrap)
                await producer.partitions_for(LEDGER_TOPIC)  # its metadata known before the transaction
                ledger_ready = True
            result.retried += await _commit_batch(producer, topic, group, pending, state)
            for part in state.values():
                part.entries.clear()
                part.tombstones.clear()
            sent += len(pending)
            result.redriven += len(pending)
            pending = []
            if rate:
                ahead = sent / rate - (time.monotonic() - started)
                if ahead > 0:
                    await asyncio.sleep(ahead)

        seen = 0
        async for records in reader.batches(idle_ms=300):
            for record in records:
                seen += 1
                tp = TopicPartition(record.topic, record.partition)
                part = state[tp]
                letter = DeadLetter.of(record)
                if record.offset in part.ledger:
                    result.already += 1
                    part.handled(record.offset, now=False)
                elif reasons is not None and letter.reason not in reasons:
                    result.filtered += 1
                    part.left_behind(record.offset)
                else:
                    result.to_topics[letter.original_topic] += 1
                    result.reasons[letter.reason] += 1
                    part.handled(record.offset, now=True)
                    if dry_run:
                        result.planned.append(letter)
                    else:
                        pending.append(letter)
                        if len(pending) >= batch:
                            await commit()
                            if on_progress:
                                on_progress(result, total)
            if dry_run and on_progress:
                on_progress(result, total)
        await commit()
        if on_progress:
            on_progress(result, total)
        return result
    finally:
        await consumer.stop()
        if producer is not None:
            await producer.stop()


COMMIT_ATTEMPTS = 6


async def _commit_batch(
    producer: Any, topic: str, group: str, pending: list[DeadLetter], state: dict[TopicPartition, _Partition]
) -> int:
    """One batch in one transaction: the records back on their topics, the ledger entries and
    tombstones, the new watermark — all or nothing.

    Every send's delivery is awaited before the commit. aiokafka does not make a transaction fail
    when one of its batches does (a partition whose leader it does not know in time fails with
    NotLeaderForPartition): the commit would go through without those records, their progress
    committed — re-driven in the tool's eyes, never on the topic (the flaky F13 of stops 19–20).
    A retriable failure aborts the transaction and the same batch is tried again in a new one,
    a bounded number of times. Returns how many times it was tried again."""
    for attempt in range(1, COMMIT_ATTEMPTS + 1):
        try:
            async with producer.transaction():
                delivered = []
                for letter in pending:
                    record = letter.record
                    delivered.append(
                        await producer.send(
                            letter.original_topic,
                            value=record.value,
                            key=record.key,
                            headers=letter.redriven_headers(),
                            partition=None if record.key is not None else _original_partition(letter),
                        )
                    )
                stamp = datetime.now(UTC).isoformat().encode()
                for tp, part in state.items():
                    for offset in part.entries:
                        key = ledger_key(topic, tp.partition, offset)
                        delivered.append(await producer.send(LEDGER_TOPIC, key=key, value=stamp))
                    for offset in part.tombstones:
                        key = ledger_key(topic, tp.partition, offset)
                        delivered.append(await producer.send(LEDGER_TOPIC, key=key, value=None))
                await asyncio.gather(*delivered)  # one refused record aborts the whole transaction
                await producer.send_offsets_to_transaction({tp: p.watermark for tp, p in state.items()}, group)
            return attempt - 1
        except ProducerFenced:
            raise StreamsError(
                f"another re-drive of {topic} started and took over: this one stops "
                "(its last batch was not committed and will not show)"
            ) from None
        except KafkaError as exc:
            if not exc.retriable or attempt == COMMIT_ATTEMPTS:
                raise StreamsError(
                    f"a batch of {len(pending)} record(s) could not be re-driven ({exc!r}); its transaction was "
                    "aborted, nothing of it shows: run the command again to go on from there"
                ) from None
            await asyncio.sleep(min(0.25 * 2**attempt, 5.0))  # the leader is elected, the metadata refreshed
    raise AssertionError("unreachable")


def _original_partition(letter: DeadLetter) -> int | None:
    value = letter.headers.get("dlq.original_partition")
    return int(value) if value and value.isdigit() else None
