"""tail, replay and export on the real broker; the errors an analyst may meet."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from aiokafka import AIOKafkaProducer

from huntaze_events import make_envelope
from huntaze_testkit import faultbox as fb

from .conftest import cli, cli_env, end_offsets, plain_range

TOPIC = fb.RECORDED.topic


async def produce(kafka: str, run: str, n: int, poison: bytes | None = None) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all", linger_ms=5)
    await producer.start()
    try:
        for i in range(n):
            envelope = make_envelope(
                fb.Recorded(run=run, key=f"k{i % 12}", seq=i), producer="t", creator_id=uuid.uuid4()
            )
            await producer.send(TOPIC, envelope.to_json(), key=f"k{i % 12}".encode())
            if poison is not None and i == n // 2:
                await producer.send(TOPIC, poison, key=b"k3")
        await producer.flush()
    finally:
        await producer.stop()


def _spec(offsets: dict[int, int]) -> str:
    return ",".join(f"{p}:{o}" for p, o in sorted(offsets.items()))


async def test_tail_sees_a_new_event_within_a_second(infra: Any, fb_topics: list[str]) -> None:
    run = f"tail-{uuid.uuid4().hex[:8]}"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "huntaze_streams",
        "tail",
        "faultbox.recorded",
        "--json",
        "--timeout",
        "60",
        env=cli_env(infra.kafka),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stderr is not None and proc.stdout is not None
    try:
        ready = (await asyncio.wait_for(proc.stderr.readline(), 60)).decode()
        assert "tailing faultbox.recorded.v1" in ready, ready
        produced_at = time.monotonic()
        await produce(infra.kafka, run, 1)
        while True:
            line = await asyncio.wait_for(proc.stdout.readline(), 30)
            assert line, "tail ended without the event"
            event = json.loads(line)
            if event.get("payload", {}).get("run") == run:
                break
        latency = time.monotonic() - produced_at
        print(f"\ntail latency (produce → line on stdout): {latency * 1000:.0f} ms")
        assert latency < 10
        assert event["_topic"] == TOPIC and isinstance(event["_offset"], int) and event["type"] == "faultbox.recorded"
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl-C: a clean exit, code 0
        code = await asyncio.wait_for(proc.wait(), 20)
    assert code == 0, (await proc.stderr.read()).decode()


async def test_replay_and_export_give_exactly_the_records_of_the_range(
    infra: Any, fb_topics: list[str], tmp_path: Path
) -> None:
    run = f"range-{uuid.uuid4().hex[:8]}"
    before = await end_offsets(infra.kafka, TOPIC)
    await produce(infra.kafka, run, 3000, poison=b'{"run": "' + run.encode() + b'", broken')
    after = await end_offsets(infra.kafka, TOPIC)
    await produce(infra.kafka, run + "-later", 50)  # after the range: must not show
    reference = await plain_range(infra.kafka, TOPIC, before, after)
    assert len(reference) == 3001

    out = tmp_path / "replay.jsonl"
    done = cli(
        infra.kafka, "replay", "faultbox.recorded.v1", "--from", _spec(before), "--to", _spec(after), "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == len(reference)
    assert {(x["_partition"], x["_offset"]) for x in lines} == {(r.partition, r.offset) for r in reference}
    by_coord = {(r.partition, r.offset): r for r in reference}
    invalid = [x for x in lines if "_invalid" in x]
    assert len(invalid) == 1 and "malformed" in invalid[0]["_invalid"]
    for x in lines:
        raw = by_coord[(x["_partition"], x["_offset"])].value
        if "_invalid" not in x:
            assert {k: v for k, v in x.items() if not k.startswith("_")} == json.loads(raw)
    assert "replayed 3,001 record(s)" in done.stderr and "(1 invalid)" in done.stderr

    parquet = tmp_path / "range.parquet"
    done = cli(
        infra.kafka,
        "export",
        "faultbox.recorded",
        "--from",
        _spec(before),
        "--to",
        _spec(after),
        "--out",
        str(parquet),
        "--row-group",
        "1000",
    )
    assert done.returncode == 0, done.stderr
    assert "exported 3,000 row(s)" in done.stderr and "1 invalid record(s) not exported" in done.stderr
    table = pq.read_table(parquet)
    assert pq.ParquetFile(parquet).metadata.num_row_groups >= 3
    assert table.num_rows == 3000
    valid = {(r.partition, r.offset): json.loads(r.value) for r in reference if r.value.startswith(b'{"event_id"')}
    rows = table.to_pylist()
    assert {(r["_partition"], r["_offset"]) for r in rows} == set(valid)
    for row in rows[::97]:
        wire = valid[(row["_partition"], row["_offset"])]
        assert row["event_id"] == wire["event_id"] and row["payload.seq"] == wire["payload"]["seq"]
        assert row["payload.run"] == run and row["creator_id"] == wire["creator_id"]
        assert row["occurred_at"].isoformat().replace("+00:00", "Z") == wire["occurred_at"]
    schema = table.schema
    assert schema.field("occurred_at").type == pa.timestamp("us", tz="UTC")
    assert schema.field("_timestamp").type == pa.timestamp("us", tz="UTC")
    assert schema.field("payload.seq").type == pa.int64() and schema.field("version").type == pa.int64()
    assert schema.field("event_id").type == pa.string() and schema.field("creator_id").type == pa.string()
    assert schema.field("_offset").type == pa.int64()

    csv = tmp_path / "range.csv"
    done = cli(
        infra.kafka, "export", "faultbox.recorded", "--from", _spec(before), "--to", _spec(after), "--out", str(csv)
    )
    assert done.returncode == 0, done.stderr
    assert len(csv.read_text().splitlines()) == 3001  # header + rows


async def test_a_time_range_is_the_records_stamped_within_it(infra: Any, fb_topics: list[str], tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    run = f"time-{uuid.uuid4().hex[:8]}"
    await produce(infra.kafka, run + "-before", 20)
    await asyncio.sleep(1.1)
    start = datetime.now(UTC)
    before = await end_offsets(infra.kafka, TOPIC)
    await produce(infra.kafka, run, 500)
    after = await end_offsets(infra.kafka, TOPIC)
    await asyncio.sleep(1.1)
    stop = datetime.now(UTC)
    await produce(infra.kafka, run + "-after", 20)
    reference = await plain_range(infra.kafka, TOPIC, before, after)
    out = tmp_path / "t.jsonl"
    iso = lambda t: (t - timedelta(milliseconds=1)).isoformat()  # noqa: E731
    done = cli(infra.kafka, "replay", "faultbox.recorded", "--from", iso(start), "--to", iso(stop), "--out", str(out))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted((x["_partition"], x["_offset"]) for x in lines) == sorted((r.partition, r.offset) for r in reference)
    assert {x["payload"]["run"] for x in lines} == {run}


def test_an_unreachable_broker_says_which_address_it_tried() -> None:
    done = cli("127.0.0.1:1", "tail", "message.received", "--timeout", "5")
    assert done.returncode == 2
    assert "cannot reach Kafka at 127.0.0.1:1" in done.stderr and "KAFKA_BOOTSTRAP_SERVERS" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_an_unknown_event_lists_the_close_ones(infra: Any) -> None:
    done = cli(infra.kafka, "replay", "mesage.recieved", "--from", "beginning")
    assert done.returncode == 2
    assert "unknown event 'mesage.recieved'" in done.stderr and "message.received" in done.stderr
    assert "Traceback" not in done.stderr


def test_topics_lists_every_event_with_its_offsets(infra: Any, fb_topics: list[str]) -> None:
    started = time.monotonic()
    done = cli(infra.kafka, "topics", "--json")
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    rows = {r["topic"]: r for r in map(json.loads, done.stdout.splitlines())}
    print(f"\n`topics --json` (with the consumers' discovery) took {elapsed:.1f}s")
    assert rows["message.received.v1"]["consumers"] == ["ai.draft_reply", "fans.fan_activity"]
    assert rows["message.received.v1.dlq"]["dlq"] is True
    box = rows["faultbox.recorded.v1"]
    assert box["broker_partitions"] == 6 and box["partitions_mismatch"] is False
    assert box["records"] == box["end_offset_total"] > 0
