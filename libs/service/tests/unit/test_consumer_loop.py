"""The consumer loop without a broker: offsets committed in the background (one commit in flight,
later batches merged), partitions applied in parallel and in order, offsets committed before a
rebalance takes partitions away, and a crash that rewinds instead of skipping."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import defaultdict
from typing import Any

from aiokafka import TopicPartition

from huntaze_events import MessageReceived
from huntaze_service import RetryPolicy, Subscriptions
from huntaze_service.consuming.loop import ConsumerLoop
from huntaze_service.consuming.offsets import OffsetCommitter
from huntaze_service.consuming.processor import BatchOutcome
from huntaze_testkit import consumer_record

TOPIC = "message.received.v1"


class SlowCoordinator:
    """A consumer whose commits take a while, like a coordinator on a busy broker; one at a time."""

    def __init__(self, fail_first: bool = False) -> None:
        self.committed: dict[TopicPartition, int] = {}
        self.requests: list[dict[TopicPartition, int]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.fail_first = fail_first

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.01)
            self.requests.append(dict(offsets))
            if self.fail_first and len(self.requests) == 1:
                raise RuntimeError("rebalance in progress")
            self.committed.update(offsets)
        finally:
            self.in_flight -= 1


def batch(partition: int, first: int, size: int, topic: str = "t.v1") -> tuple[Any, ...]:
    return tuple(
        dataclasses.replace(consumer_record(topic, b"{}", offset=o), partition=partition)
        for o in range(first, first + size)
    )


async def test_batches_faster_than_the_coordinator_merge_into_few_commits() -> None:
    consumer = SlowCoordinator()
    committer = OffsetCommitter(consumer, "test")
    for n in range(200):  # 200 batches handled while the first commit is still in flight
        committer.commit(batch(n % 3, (n // 3) * 2, 2))
        await asyncio.sleep(0)
    await committer.flush()
    assert consumer.max_in_flight == 1
    assert len(consumer.requests) <= 3, consumer.requests  # not 200 queued commits
    assert consumer.committed == {
        TopicPartition("t.v1", 0): 134,  # batch 198 covers offsets 132-133
        TopicPartition("t.v1", 1): 134,  # batch 199
        TopicPartition("t.v1", 2): 132,  # batch 197
    }
    assert asyncio.all_tasks() == {asyncio.current_task()}  # nothing left behind


async def test_offsets_never_move_backwards_within_a_merge() -> None:
    consumer = SlowCoordinator()
    committer = OffsetCommitter(consumer, "test")
    committer.commit(batch(0, 10, 5))
    committer.commit(batch(0, 15, 5))
    committer.commit(batch(0, 3, 1))  # a redelivered older record cannot lower it
    await committer.flush()
    assert consumer.committed == {TopicPartition("t.v1", 0): 20}


async def test_a_failed_commit_is_logged_and_later_batches_still_commit() -> None:
    consumer = SlowCoordinator(fail_first=True)
    committer = OffsetCommitter(consumer, "test")
    committer.commit(batch(0, 0, 5))
    await committer.flush()
    assert consumer.committed == {}  # lost: the batch will be redelivered and deduplicated
    committer.commit(batch(0, 5, 5))
    await committer.flush()
    assert consumer.committed == {TopicPartition("t.v1", 0): 10}


# the loop ------------------------------------------------------------------------------------------------


class FakeKafkaConsumer(SlowCoordinator):
    """What ConsumerLoop uses of aiokafka's consumer, fed by the test."""

    def __init__(self, **_: Any) -> None:
        super().__init__()
        self.queue: asyncio.Queue[dict[TopicPartition, list[Any]]] = asyncio.Queue()
        self.listener: Any = None
        self.paused_now: set[TopicPartition] = set()
        self.seeks: list[tuple[TopicPartition, int]] = []
        self.assigned: set[TopicPartition] = set()

    def subscribe(self, topics: list[str], listener: Any) -> None:
        self.listener = listener

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def assignment(self) -> set[TopicPartition]:
        return self.assigned

    async def getmany(self, timeout_ms: int) -> dict[TopicPartition, list[Any]]:
        try:
            return await asyncio.wait_for(self.queue.get(), timeout=timeout_ms / 1000)
        except TimeoutError:
            return {}

    def pause(self, tp: TopicPartition) -> None:
        self.paused_now.add(tp)

    def resume(self, tp: TopicPartition) -> None:
        self.paused_now.discard(tp)

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.seeks.append((tp, offset))

    def feed(self, partition: int, first: int, size: int) -> None:
        self.queue.put_nowait({TopicPartition(TOPIC, partition): list(batch(partition, first, size, TOPIC))})


class ScriptedProcessor:
    """Stands in for a BatchProcessor: records what it applied, may wait or crash on cue."""

    consumer = "test.probe"

    def __init__(self) -> None:
        self.applied: dict[int, list[int]] = defaultdict(list)
        self.gates: dict[int, asyncio.Event] = {}
        self.crash_once: set[int] = set()

    async def process(self, records: Any) -> BatchOutcome:
        partition = records[0].partition
        if partition in self.gates:
            await self.gates[partition].wait()
        if partition in self.crash_once:
            self.crash_once.discard(partition)
            raise RuntimeError("a bug in the chassis")
        self.applied[partition].extend(r.offset for r in records)
        return BatchOutcome(applied=len(records))

    async def dead_letter(self, poison: Any) -> None:
        return None


async def loop_with(processor: ScriptedProcessor, **settings: Any) -> tuple[ConsumerLoop, FakeKafkaConsumer]:
    subs = Subscriptions()

    @subs.on_batch(MessageReceived, name="probe")
    async def probe(uow: Any, events: Any) -> None:
        return None

    consumers: list[FakeKafkaConsumer] = []

    def factory(**kwargs: Any) -> FakeKafkaConsumer:
        consumers.append(FakeKafkaConsumer(**kwargs))
        return consumers[-1]

    values = {"batch_size": 10, "concurrency": 4, "buffer_records": 50, "grace_s": 5.0} | settings
    loop = ConsumerLoop(
        service="test",
        group="test",
        bootstrap_servers="unused:9092",
        client_id="test",
        subscriptions=list(subs),
        uow_factory=lambda: None,  # type: ignore[arg-type,return-value]
        producer=None,  # type: ignore[arg-type]
        retry=RetryPolicy(),
        poll_timeout_ms=20,
        consumer_factory=factory,
        **values,
    )
    loop.processors[TOPIC] = [processor]  # type: ignore[list-item]
    await loop.start()
    return loop, consumers[0]


async def until(check: Any, timeout: float = 5) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "condition not met"
        await asyncio.sleep(0.005)


async def test_a_partition_waiting_on_its_batch_does_not_hold_back_another_partition() -> None:
    processor = ScriptedProcessor()
    processor.gates[0] = asyncio.Event()  # partition 0's batch blocks until partition 1 is applied
    loop, kafka = await loop_with(processor)
    try:
        kafka.feed(0, 0, 5)
        kafka.feed(1, 0, 5)
        await until(lambda: processor.applied[1] == [0, 1, 2, 3, 4])  # one batch at a time would hang here
        assert processor.applied[0] == []
        processor.gates[0].set()
        await until(lambda: processor.applied[0] == [0, 1, 2, 3, 4])
        await until(lambda: kafka.committed == {TopicPartition(TOPIC, 0): 5, TopicPartition(TOPIC, 1): 5})
    finally:
        await loop.stop()


async def test_records_of_a_partition_are_applied_in_order_in_batches_and_a_backlog_pauses_it() -> None:
    processor = ScriptedProcessor()
    processor.gates[2] = asyncio.Event()
    loop, kafka = await loop_with(processor, batch_size=10, buffer_records=50)
    try:
        for first in range(0, 120, 20):
            kafka.feed(2, first, 20)
        await until(lambda: TopicPartition(TOPIC, 2) in kafka.paused_now)  # bounded memory
        processor.gates[2].set()
        await until(lambda: len(processor.applied[2]) == 120)
        assert processor.applied[2] == list(range(120))
        await until(lambda: kafka.committed.get(TopicPartition(TOPIC, 2)) == 120)
        assert TopicPartition(TOPIC, 2) not in kafka.paused_now
    finally:
        await loop.stop()


async def test_before_partitions_are_taken_away_the_batch_in_hand_finishes_and_its_offsets_are_committed() -> None:
    processor = ScriptedProcessor()
    processor.gates[3] = asyncio.Event()
    loop, kafka = await loop_with(processor, batch_size=5)
    try:
        kafka.feed(3, 0, 15)
        await until(lambda: loop._drains.get(TopicPartition(TOPIC, 3)) is not None)
        revoking = asyncio.create_task(kafka.listener.on_partitions_revoked([TopicPartition(TOPIC, 3)]))
        await asyncio.sleep(0.05)
        assert not revoking.done(), "the rebalance waits for the batch in hand"
        processor.gates[3].set()
        await revoking
        # the batch in hand (0-4) was applied and committed; the buffered rest is left to the new owner
        assert processor.applied[3] == [0, 1, 2, 3, 4]
        assert kafka.committed == {TopicPartition(TOPIC, 3): 5}
    finally:
        await loop.stop()


async def test_a_crash_of_ours_rewinds_the_partition_instead_of_skipping_its_records() -> None:
    processor = ScriptedProcessor()
    processor.crash_once.add(4)
    loop, kafka = await loop_with(processor)
    try:
        kafka.feed(4, 100, 5)
        await until(lambda: kafka.seeks == [(TopicPartition(TOPIC, 4), 100)])
        assert kafka.committed == {}, "nothing committed past records that were not applied"
    finally:
        await loop.stop()


async def test_a_graceful_stop_lets_the_batch_in_hand_finish_and_commits_it() -> None:
    processor = ScriptedProcessor()
    processor.gates[5] = asyncio.Event()
    loop, kafka = await loop_with(processor, batch_size=5)
    kafka.feed(5, 0, 5)
    await until(lambda: loop._drains.get(TopicPartition(TOPIC, 5)) is not None)
    stopping = asyncio.create_task(loop.stop())
    await asyncio.sleep(0.05)
    processor.gates[5].set()
    await stopping
    assert kafka.committed == {TopicPartition(TOPIC, 5): 5}
