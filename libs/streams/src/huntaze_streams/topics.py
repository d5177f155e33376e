"""`topics`: the catalog joined with what the broker holds (partitions, offsets, record counts)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiokafka import TopicPartition

from huntaze_events import EventSpec

from . import catalog, connect


@dataclass
class TopicRow:
    event: str
    version: int
    topic: str
    key: str
    producer: str
    consumers: list[str] | None
    partitions: int  # the registry's setting
    broker_partitions: int | None = None  # None: the topic does not exist yet
    end_offsets: dict[int, int] = field(default_factory=dict)
    records: int = 0  # end − beginning, summed over partitions
    dlq: bool = False

    @property
    def mismatch(self) -> bool:
        return self.broker_partitions is not None and self.broker_partitions != self.partitions

    def as_dict(self) -> dict[str, Any]:
        return {
            "event": self.event,
            "version": self.version,
            "topic": self.topic,
            "key": self.key,
            "producer": self.producer,
            "consumers": self.consumers,
            "partitions": self.partitions,
            "broker_partitions": self.broker_partitions,
            "partitions_mismatch": self.mismatch,
            "end_offsets": {str(p): o for p, o in sorted(self.end_offsets.items())},
            "end_offset_total": sum(self.end_offsets.values()),
            "records": self.records,
            "dlq": self.dlq,
        }


def _rows(spec: EventSpec, consumers: dict[str, list[str]] | None) -> list[TopicRow]:
    main = TopicRow(
        spec.type,
        spec.version,
        spec.topic,
        spec.key,
        spec.producer,
        None if consumers is None else consumers.get(spec.topic, []),
        spec.partitions,
    )
    dead = TopicRow(
        spec.type,
        spec.version,
        spec.dlq_topic,
        spec.key,
        "(dead letters)",
        None if consumers is None else consumers.get(spec.topic, []),
        spec.partitions,
        dlq=True,
    )
    return [main, dead]


async def inventory(bootstrap: str, *, with_consumers: bool = True, dlq: bool = True) -> list[TopicRow]:
    """Every registered event's topic (and dead-letter topic) with the broker's figures.

    The services' subscriptions (consumers) are built in a thread while the broker is asked."""
    discovery = asyncio.create_task(asyncio.to_thread(catalog.consumers_by_topic)) if with_consumers else None
    consumer = connect.consumer(bootstrap)
    try:
        await connect.start(consumer, bootstrap)
    except BaseException:
        if discovery is not None:
            discovery.cancel()
        raise
    try:
        cluster = await consumer._client.fetch_all_metadata()  # every topic, not only assigned ones
        existing = cluster.topics()
        consumers = await discovery if discovery is not None else None
        rows = [r for spec in catalog.specs() for r in _rows(spec, consumers) if dlq or not r.dlq]
        tps: list[TopicPartition] = []
        for row in rows:
            if row.topic in existing:
                parts = sorted(cluster.partitions_for_topic(row.topic) or ())
                row.broker_partitions = len(parts)
                tps += [TopicPartition(row.topic, p) for p in parts]
        if tps:
            first = await consumer.beginning_offsets(tps)
            last = await consumer.end_offsets(tps)
            by_topic = {r.topic: r for r in rows}
            for tp in tps:
                row = by_topic[tp.topic]
                row.end_offsets[tp.partition] = last[tp]
                row.records += last[tp] - first[tp]
        return rows
    finally:
        await consumer.stop()
