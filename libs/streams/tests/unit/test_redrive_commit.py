"""A re-drive batch commits only with every one of its records delivered.

aiokafka commits a transaction even when one of its batches failed (it does not turn a failed
produce into an abortable transaction): the producer below behaves the same, so these tests fail if
``_commit_batch`` stops awaiting each delivery before the commit — the cause of the flaky F13, where
records were counted as re-driven (their ledger entries and watermark committed) yet never on the
topic."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiokafka import ConsumerRecord, TopicPartition
from aiokafka.errors import NotLeaderForPartitionError, RecordTooLargeError

from huntaze_streams.dlq import DeadLetter, _commit_batch, _Partition
from huntaze_streams.errors import StreamsError

DLQ = "faultbox.recorded.v1.dlq"


class TransactionalProducer:
    """Records what each transaction made visible; a send may fail like a batch refused by Kafka,
    and — like aiokafka — a commit goes through whatever happened to the sends."""

    def __init__(self, failures: Iterator[type[Exception] | None]) -> None:
        self.failures = failures
        self.committed: list[list[tuple[str, bytes | None]]] = []
        self.aborted = 0
        self._current: list[tuple[str, bytes | None]] = []

    @asynccontextmanager
    async def transaction(self) -> Any:
        self._current = []
        try:
            yield
        except BaseException:
            self.aborted += 1
            raise
        self.committed.append(self._current)

    async def send(self, topic: str, *, value: bytes | None, key: bytes | None, **_: Any) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        failure = next(self.failures, None)
        if failure is None:
            self._current.append((topic, key))
            future.set_result(None)
        else:
            future.set_exception(failure())  # never reaches the topic
        return future

    async def send_offsets_to_transaction(self, offsets: dict[TopicPartition, int], group: str) -> None:
        self._current.append((f"offsets:{group}", repr(sorted(offsets.items())).encode()))


def letters(n: int) -> list[DeadLetter]:
    records = [
        ConsumerRecord(DLQ, 0, i, 0, 0, f"k{i}".encode(), b"{}", None, 0, 0, [("dlq.original_topic", b"orders")])
        for i in range(n)
    ]
    return [DeadLetter.of(r) for r in records]


def state() -> dict[TopicPartition, _Partition]:
    part = _Partition(watermark=0, ledger=set())
    for offset in range(4):
        part.handled(offset, now=True)
    return {TopicPartition(DLQ, 0): part}


def sent(transaction: list[tuple[str, bytes | None]]) -> list[bytes | None]:
    return [key for topic, key in transaction if topic == "orders"]


async def test_a_record_kafka_refused_aborts_the_batch_which_is_tried_again_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("huntaze_streams.dlq.asyncio.sleep", _no_wait)
    # the third record of the first attempt: no leader known for its partition (retriable)
    producer = TransactionalProducer(iter([None, None, NotLeaderForPartitionError, None]))
    retried = await _commit_batch(producer, DLQ, "g", letters(4), state())
    assert retried == 1 and producer.aborted == 1
    (committed,) = producer.committed
    assert sent(committed) == [b"k0", b"k1", b"k2", b"k3"], "the whole batch, in one transaction"
    assert committed[-1][0] == "offsets:g", "the progress goes with the records, never without them"


async def test_a_refusal_that_will_not_pass_commits_nothing_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("huntaze_streams.dlq.asyncio.sleep", _no_wait)
    producer = TransactionalProducer(iter([None, RecordTooLargeError]))  # not retriable
    with pytest.raises(StreamsError, match="nothing of it shows"):
        await _commit_batch(producer, DLQ, "g", letters(4), state())
    assert producer.committed == [] and producer.aborted == 1


async def test_retriable_refusals_are_tried_a_bounded_number_of_times(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("huntaze_streams.dlq.asyncio.sleep", _no_wait)

    def always() -> Iterator[type[Exception]]:
        while True:
            yield NotLeaderForPartitionError

    producer = TransactionalProducer(always())
    with pytest.raises(StreamsError, match="could not be re-driven"):
        await _commit_batch(producer, DLQ, "g", letters(2), state())
    assert producer.committed == [] and 1 < producer.aborted <= 10


async def _no_wait(_: float) -> None:
    return None
