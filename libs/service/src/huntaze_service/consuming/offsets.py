"""Offsets of applied batches, committed to the group coordinator in the background."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from aiokafka import ConsumerRecord, TopicPartition

log = logging.getLogger("huntaze.consumer")


class OffsetCommitter:
    """Commits exactly the offsets of the batches whose effects are committed — never the
    consumer's current position, which runs ahead of them — in the background, so the next batch
    does not wait for the coordinator's answer. At most one commit is in flight: batches that finish
    meanwhile are merged (highest offset per partition) into the next one, so a consumer that applies
    batches faster than the coordinator answers neither queues commits without bound nor falls ever
    further behind. A commit lost in a crash or a rebalance only means a redelivery, which the
    processed-events record absorbs."""

    def __init__(self, consumer: Any, group: str, interval_s: float = 0.0) -> None:
        self._consumer = consumer
        self._group = group
        self._interval_s = interval_s
        """Offsets of batches applied within this interval go out in one commit (``flush`` does
        not wait for it): at a few hundred single-record batches a second, one request per batch
        would cost the consumer as much as applying them."""
        self._pending: dict[TopicPartition, int] = {}
        self._task: asyncio.Task[None] | None = None

    def commit(self, records: Sequence[ConsumerRecord[Any, Any]]) -> None:
        pending = self._pending
        for record in records:
            tp = TopicPartition(record.topic, record.partition)
            if record.offset + 1 > pending.get(tp, -1):
                pending[tp] = record.offset + 1
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._commit_pending(), name=f"{self._group}-offsets")

    def forget(self, partitions: set[TopicPartition]) -> None:
        """Drops pending offsets of partitions this consumer no longer owns."""
        for tp in partitions:
            self._pending.pop(tp, None)

    async def _commit_pending(self, gather: bool = True) -> None:
        if gather and self._interval_s:
            await asyncio.sleep(self._interval_s)
        while self._pending:
            offsets, self._pending = self._pending, {}
            try:
                await self._consumer.commit(offsets)
            except asyncio.CancelledError:
                for tp, offset in offsets.items():  # not known to be committed: keep them
                    self._pending[tp] = max(offset, self._pending.get(tp, -1))
                raise
            except Exception as exc:  # noqa: BLE001 - a rebalance revoked the partitions
                log.warning(
                    "%s: offset commit failed (%r); its batches will be redelivered and deduplicated", self._group, exc
                )

    async def flush(self) -> None:
        """Waits until every offset handed to :meth:`commit` so far was sent to the coordinator."""
        if self._task is not None and not self._task.done():
            self._task.cancel()  # waiting for the interval, or committing: both are redone below
            await asyncio.gather(self._task, return_exceptions=True)
        self._task = asyncio.create_task(self._commit_pending(gather=False))
        await asyncio.gather(self._task, return_exceptions=True)
