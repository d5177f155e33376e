"""The stream tool on the real broker of `make test` (KAFKA_BOOTSTRAP_SERVERS): the CLI as a
subprocess, exactly as an analyst runs it, checked against a plain aiokafka consumer."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from huntaze_events import REGISTRY
from huntaze_testkit import faultbox as fb

# the faultbox's events are not platform events: the tool finds them through this variable
EVENTS_ENV = {"HUNTAZE_STREAMS_EVENT_MODULES": "huntaze_testkit.faultbox"}

# Importing the faultbox registered its two events; they belong in the registry only while these
# tests run, not during the rest of the session (the contract tests, the catalog and the
# Kubernetes topics are computed from the registry).
for _spec in (fb.RECORDED, fb.APPLIED):
    REGISTRY.unregister(_spec)


@pytest.fixture(scope="module", autouse=True)
def faultbox_events() -> Iterator[None]:
    for spec in (fb.RECORDED, fb.APPLIED):
        REGISTRY.register(spec)
    try:
        yield
    finally:
        for spec in (fb.RECORDED, fb.APPLIED):
            REGISTRY.unregister(spec)


def cli_env(kafka: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": kafka, "COLUMNS": "200", **EVENTS_ENV, **extra}


def cli(kafka: str, *args: str, timeout: float = 120, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "huntaze_streams", *args],
        env=cli_env(kafka, **extra),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture(scope="session")
async def fb_topics(infra: Any) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.kafka)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        await admin.create_topics([NewTopic(t, 6, 1) for t in fb.TOPICS if t not in existing])
    finally:
        await admin.close()
    return fb.TOPICS


async def end_offsets(kafka: str, topic: str) -> dict[int, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka, isolation_level="read_committed")
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(6)]
        return {tp.partition: o for tp, o in (await consumer.end_offsets(tps)).items()}
    finally:
        await consumer.stop()


async def plain_range(kafka: str, topic: str, start: dict[int, int], stop: dict[int, int]) -> list[Any]:
    """The records of [start, stop) per partition, by a plain aiokafka consumer: the reference."""
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka, group_id=None, enable_auto_commit=False)
    await consumer.start()
    out: list[Any] = []
    try:
        tps = [TopicPartition(topic, p) for p in start]
        consumer.assign(tps)
        for tp in tps:
            consumer.seek(tp, start[tp.partition])
        remaining = {tp for tp in tps if start[tp.partition] < stop[tp.partition]}
        while remaining:
            batch = await consumer.getmany(*remaining, timeout_ms=1000)
            for tp, records in batch.items():
                out += [r for r in records if r.offset < stop[tp.partition]]
                if records and records[-1].offset >= stop[tp.partition] - 1:
                    remaining.discard(tp)
    finally:
        await consumer.stop()
    return out
