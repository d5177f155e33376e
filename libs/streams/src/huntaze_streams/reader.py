"""Reading a topic the analyst's way: assign + seek, no consumer group, no commit.

The reader never joins a group and never commits, so the services' consumer groups (and their lag)
are untouched. It reads committed data only (``read_committed``): the records of a re-drive
transaction that was aborted are never shown.

A bounded read (replay, export) captures its end offsets before reading the first record and
stops there on every partition: records published meanwhile are for the next run.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from pydantic import ValidationError

from huntaze_events import EventSpec

from .errors import StreamsError
from .ranges import Position


@dataclass
class Decoded:
    """One record and what validating it against the registry gave."""

    record: ConsumerRecord[Any, Any]
    envelope: Any | None  # Envelope[Model] when valid
    reason: str | None = None  # why it is invalid

    @property
    def valid(self) -> bool:
        return self.envelope is not None

    def creator_id(self) -> str | None:
        if self.envelope is not None:
            return str(self.envelope.creator_id)
        for key, value in self.record.headers or ():
            if key == "creator_id":
                return value.decode(errors="replace")
        try:
            return str(json.loads(self.record.value)["creator_id"])
        except (ValueError, KeyError, TypeError):
            return None


def decode(spec: EventSpec, record: ConsumerRecord[Any, Any]) -> Decoded:
    """Validates a record value against the event's envelope model, as the consumers do."""
    if record.value is None:
        return Decoded(record, None, "malformed: empty record value")
    try:
        envelope = spec.envelope_model.model_validate_json(record.value)
    except ValidationError as exc:
        errors = exc.errors()
        if any(e["type"] == "json_invalid" for e in errors):
            return Decoded(record, None, "malformed: not JSON")
        first = errors[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "value"
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        return Decoded(record, None, f"invalid: {where}: {first.get('msg', 'invalid')}{more}")
    if envelope.type != spec.type or envelope.version != spec.version:
        return Decoded(record, None, f"wrong type: {envelope.type}.v{envelope.version} on the topic of {spec.name}")
    return Decoded(record, envelope)


def creator_filter(creator: str | None) -> Any:
    if creator is None:
        return lambda decoded: True
    try:
        wanted = str(uuid.UUID(creator))
    except ValueError:
        raise StreamsError(f"--creator {creator!r} is not a creator id (a UUID)") from None
    return lambda decoded: decoded.creator_id() in (wanted, None)


class TopicReader:
    """One topic, all its partitions, between two positions (or following it)."""

    def __init__(self, consumer: AIOKafkaConsumer, topic: str, bootstrap: str) -> None:
        self.consumer = consumer
        self.topic = topic
        self.bootstrap = bootstrap
        self.partitions: list[TopicPartition] = []
        self.start: dict[TopicPartition, int] = {}
        self.stop: dict[TopicPartition, int] | None = None

    async def load_partitions(self) -> list[TopicPartition]:
        found = self.consumer.partitions_for_topic(self.topic)
        if not found:
            # a fresh client knows no topic yet: ask the broker for every topic's metadata
            cluster = await self.consumer._client.fetch_all_metadata()
            found = cluster.partitions_for_topic(self.topic)
        if not found:
            raise StreamsError(
                f"topic {self.topic} does not exist on the broker at {self.bootstrap} yet",
                hint="it is created when the first event is published (`huntaze-streams topics` shows what exists)",
            )
        self.partitions = [TopicPartition(self.topic, p) for p in sorted(found)]
        return self.partitions

    async def offsets_at(self, position: Position, *, default_end: bool) -> dict[TopicPartition, int]:
        """The offset of a position on every partition (clamped to what the broker holds)."""
        tps = self.partitions
        first = await self.consumer.beginning_offsets(tps)
        last = await self.consumer.end_offsets(tps)
        if position.kind == "beginning":
            return dict(first)
        if position.kind == "end":
            return dict(last)
        if position.kind == "offset":
            return {tp: min(max(position.offset, first[tp]), last[tp]) for tp in tps}
        if position.kind == "partitions":
            unknown = set(position.per_partition) - {tp.partition for tp in tps}
            if unknown:
                raise StreamsError(f"{self.topic} has no partition {', '.join(map(str, sorted(unknown)))}")
            fallback = last if default_end else first
            return {
                tp: min(max(position.per_partition.get(tp.partition, fallback[tp]), first[tp]), last[tp]) for tp in tps
            }
        found = await self.consumer.offsets_for_times({tp: position.millis for tp in tps})
        # no record at or after that time on a partition: its end
        return {tp: (found[tp].offset if found.get(tp) is not None else last[tp]) for tp in tps}

    async def prepare(self, start: Position, stop: Position | None) -> None:
        """Resolves both ends to offsets (the end first: a bounded read stops where the topic ended
        when the command started), assigns the partitions and seeks; nothing is read yet."""
        await self.load_partitions()
        if stop is not None:
            self.stop = await self.offsets_at(stop, default_end=True)
        self.start = await self.offsets_at(start, default_end=False)
        if self.stop is not None:
            self.start = {tp: min(offset, self.stop[tp]) for tp, offset in self.start.items()}
        self.consumer.assign(self.partitions)
        for tp, offset in self.start.items():
            self.consumer.seek(tp, offset)

    @property
    def span(self) -> int | None:
        """Offsets between start and stop (= records, but for transaction markers)."""
        if self.stop is None:
            return None
        return sum(self.stop[tp] - self.start[tp] for tp in self.partitions)

    async def batches(
        self, idle_ms: int = 500, max_records: int = 5000
    ) -> AsyncIterator[list[ConsumerRecord[Any, Any]]]:
        """Records in batches (one partition's records in offset order), until every partition
        reached its stop offset; forever when following. An empty list when idle (lets callers
        check their own deadlines)."""
        pending = set(self.partitions)
        if self.stop is not None:
            pending = {tp for tp in pending if self.start[tp] < self.stop[tp]}
            if not pending:
                return
            done = set(self.partitions) - pending
            if done:
                self.consumer.pause(*done)
        while True:
            fetched = await self.consumer.getmany(timeout_ms=idle_ms, max_records=max_records)
            out: list[ConsumerRecord[Any, Any]] = []
            for tp, records in fetched.items():
                if self.stop is not None:
                    limit = self.stop[tp]
                    records = [r for r in records if r.offset < limit]
                out.extend(records)
            if self.stop is not None:
                for tp in list(pending):
                    # position, not the last record: transaction markers take offsets too
                    if await self.consumer.position(tp) >= self.stop[tp]:
                        pending.discard(tp)
                        self.consumer.pause(tp)
            yield out
            if self.stop is not None and not pending:
                return
            await asyncio.sleep(0)
