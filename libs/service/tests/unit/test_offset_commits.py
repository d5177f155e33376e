"""Offsets are committed in the background, one commit in flight, later batches merged into it."""

from __future__ import annotations

import asyncio
import dataclasses
from types import SimpleNamespace
from typing import Any

from aiokafka import TopicPartition

from huntaze_service.consumer import BatchOutcome
from huntaze_service.runtime import _faststream_handler, _OffsetCommitter
from huntaze_testkit import consumer_record


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


def batch(partition: int, first: int, size: int) -> tuple[Any, ...]:
    return tuple(
        dataclasses.replace(consumer_record("t.v1", b"{}", offset=o), partition=partition)
        for o in range(first, first + size)
    )


async def test_batches_faster_than_the_coordinator_merge_into_few_commits() -> None:
    consumer = SlowCoordinator()
    committer = _OffsetCommitter("test.probe")
    for n in range(200):  # 200 batches handled while the first commit is still in flight
        committer.commit(consumer, batch(n % 3, (n // 3) * 2, 2))
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
    committer = _OffsetCommitter("test.probe")
    committer.commit(consumer, batch(0, 10, 5))
    committer.commit(consumer, batch(0, 15, 5))
    committer.commit(consumer, batch(0, 3, 1))  # a redelivered older record cannot lower it
    await committer.flush()
    assert consumer.committed == {TopicPartition("t.v1", 0): 20}


async def test_a_failed_commit_is_logged_and_later_batches_still_commit() -> None:
    consumer = SlowCoordinator(fail_first=True)
    committer = _OffsetCommitter("test.probe")
    committer.commit(consumer, batch(0, 0, 5))
    await committer.flush()
    assert consumer.committed == {}  # lost: the batch will be redelivered and deduplicated
    committer.commit(consumer, batch(0, 5, 5))
    await committer.flush()
    assert consumer.committed == {TopicPartition("t.v1", 0): 10}


class AppliedProcessor:
    """Stands in for a BatchProcessor whose batch was applied and committed in PostgreSQL."""

    service = "test"
    consumer = "test.probe"

    async def process(self, records: Any) -> BatchOutcome:
        return BatchOutcome(applied=len(records))


async def test_while_stopping_a_batch_returns_only_once_its_offsets_are_committed() -> None:
    """FastStream closes the consumer as soon as the batch in hand returns: during a graceful stop
    the handler waits for its offsets, so nothing applied is redelivered after a restart."""
    consumer = SlowCoordinator()
    committer = _OffsetCommitter("test.probe")
    handle = _faststream_handler(AppliedProcessor(), SimpleNamespace(consumer=consumer), committer)  # type: ignore[arg-type]

    await handle(SimpleNamespace(raw_message=batch(0, 0, 5)))
    assert consumer.committed == {}, "in normal running the commit happens in the background"
    await committer.flush()

    committer.stopping = True
    await handle(SimpleNamespace(raw_message=batch(0, 5, 5)))
    assert consumer.committed == {TopicPartition("t.v1", 0): 10}
