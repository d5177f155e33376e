"""dlq redrive on the real broker and a real service: a poison that was fixed has its effect once.

The faultbox (huntaze_testkit.faultbox) fails `apply` on some items on every attempt
(FAULTBOX_FAIL_ALWAYS_SEQS) until its retries are spent: they are dead-lettered. Restarted without
the fault (the fix), the re-drive puts them back; each item's effect happens exactly once, and a
second re-drive puts back nothing."""

from __future__ import annotations

import json
import os
import re
import uuid
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy.ext.asyncio import create_async_engine

from huntaze_events import make_envelope
from huntaze_testkit import faultbox as fb
from huntaze_testkit.lab import Lab, run_of

from .conftest import cli

ROOT = Path(__file__).resolve().parents[4]


async def skip_to_end(kafka: str, group: str, topic: str) -> None:
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(6)]
        consumer.assign(tps)
        await consumer.commit(dict(await consumer.end_offsets(tps)))
    finally:
        await consumer.stop()


LOGDIR = Path(os.environ.get("HUNTAZE_TEST_LOGDIR") or ROOT / ".data" / "test" / "logs")


async def test_a_fixed_poison_is_redriven_and_applied_exactly_once(infra: Any, fb_topics: list[str]) -> None:
    await fb.create_schema(infra.url("sandbox"))
    engine = create_async_engine(infra.url("sandbox"))
    logdir = LOGDIR
    logdir.mkdir(parents=True, exist_ok=True)
    lab = Lab(dict(infra.env, SANDBOX_DATABASE_URL=infra.url("sandbox")), engine, ROOT, logdir)
    run = f"redrive-{uuid.uuid4().hex[:8]}"
    items = [(f"k{i}", i) for i in range(8)]
    poisoned = {2, 5, 6}
    # the faultbox reads from now on: the records other tests left on the topic are not its concern
    await skip_to_end(infra.kafka, "faultbox", fb.RECORDED.topic)  # the service's group
    try:
        lab.faultbox(
            role="worker", fail_always_seqs=",".join(map(str, poisoned)), retry_max_attempts=2, pass_on="false"
        )
        creator = uuid.UUID(int=0)
        await lab.produce(
            fb.RECORDED,
            [
                make_envelope(fb.Recorded(run=run, key=k, seq=s), producer=fb.PRODUCER, creator_id=creator)
                for k, s in items
            ],
        )
        await lab.wait_effects(run, "apply", len(items) - len(poisoned), timeout=60)

        async def dead() -> list[Any]:
            return await lab.topic_records(fb.RECORDED.dlq_topic, where=lambda r: run_of(r) == run)

        for _ in range(60):
            letters = await dead()
            if len(letters) >= len(poisoned):
                break
        assert len(letters) == len(poisoned)
        assert {dict(r.headers)["dlq.reason"] for r in letters} == {b"handler_failed"}
        lab.stop_all()

        listed = cli(infra.kafka, "dlq", "list", "faultbox.recorded", "--json")
        assert listed.returncode == 0, listed.stderr
        summary = json.loads(listed.stdout)
        assert summary["reasons"].get("handler_failed", 0) >= 3 and summary["pending"] >= 3
        assert "faultbox.apply" in summary["consumers"]

        dry = cli(infra.kafka, "dlq", "redrive", "faultbox.recorded.v1.dlq", "--reason", "handler_failed", "--dry-run")
        assert dry.returncode == 0, dry.stderr
        assert "dry run: nothing changed" in dry.stdout
        would = int(re.search(r"would re-drive (\d+);", dry.stderr).group(1))  # type: ignore[union-attr]
        assert would >= 3  # ours, and any a previous run on this broker left behind

        lab.faultbox(role="worker", pass_on="false")  # fixed: no injected failure
        first = cli(infra.kafka, "dlq", "redrive", "faultbox.recorded.v1.dlq", "--reason", "handler_failed")
        assert first.returncode == 0, first.stderr
        assert f"re-drove {would} record(s)" in first.stderr, first.stderr
        await lab.wait_effects(run, "apply", len(items), timeout=60)

        second = cli(infra.kafka, "dlq", "redrive", "faultbox.recorded", "--reason", "handler_failed")
        assert second.returncode == 0 and "re-drove 0 record(s)" in second.stderr, second.stderr
        found = await lab.effects(run, "apply")
        assert found["rows"] == len(items)
        assert all(n == 1 for n in found["items"].values()) and set(found["items"]) == set(items)

        back = await lab.topic_records(
            fb.RECORDED.topic, where=lambda r: run_of(r) == run and "dlq.redriven_from" in dict(r.headers)
        )
        assert len(back) == len(poisoned)
        for record in back:
            headers = dict(record.headers)
            assert not any(k.startswith("dlq.") and k != "dlq.redriven_from" for k in headers)
            assert headers["dlq.redriven_from"].decode().startswith("faultbox.recorded.v1.dlq:")
        after = json.loads(cli(infra.kafka, "dlq", "list", "faultbox.recorded", "--json").stdout)
        assert after["pending"] == summary["pending"] - would
    finally:
        lab.stop_all()
        await engine.dispose()
