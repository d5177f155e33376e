"""B14: `huntaze-streams export` of 1,000,000 events to Parquet — rows/s and peak RSS of the export
process — against a raw baseline in the same run on the same records: a plain aiokafka consumer
reading the same offset range (getmany, no validation, no conversion), also as its own process.

The events are real, valid envelopes (faultbox.recorded), produced fast: pre-serialized JSON
written straight into producer batches (one per partition, ~1 MiB each)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from common import CREATOR, ROOT, TOPIC, BenchBase, Result, say
from huntaze_testkit import faultbox as fb

EVENTS = int(os.environ.get("BENCH_STREAMS_EVENTS", "1000000"))

_RAW_READER = """
import asyncio, json, sys, time
from aiokafka import AIOKafkaConsumer, TopicPartition
async def main():
    topic, start, stop = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
    c = AIOKafkaConsumer(bootstrap_servers=sys.argv[4], group_id=None, enable_auto_commit=False,
                         max_partition_fetch_bytes=2 * 1024 * 1024)
    await c.start()
    tps = [TopicPartition(topic, int(p)) for p in start]
    c.assign(tps)
    for tp in tps:
        c.seek(tp, start[str(tp.partition)])
    t0, n, left = time.perf_counter(), 0, {tp for tp in tps if start[str(tp.partition)] < stop[str(tp.partition)]}
    while left:
        for tp, records in (await c.getmany(*left, timeout_ms=500, max_records=5000)).items():
            end = stop[str(tp.partition)]
            n += sum(1 for r in records if r.offset < end)
            if records and records[-1].offset >= end - 1:
                left.discard(tp)
    print(json.dumps({"rows": n, "seconds": time.perf_counter() - t0}))
    await c.stop()
asyncio.run(main())
"""


def _run_measured(cmd: list[str], env: dict[str, str]) -> tuple[float, int, str, str]:
    """Runs a process to its end; returns (wall seconds, its own peak RSS in bytes, stdout, stderr)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        import subprocess

        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:4]} exited {proc.returncode}: {stderr[-2000:]}")
    return elapsed, usage.ru_maxrss * 1024, stdout, stderr


class StreamsBenchmarks(BenchBase):
    async def _ends(self) -> dict[int, int]:
        consumer = AIOKafkaConsumer(bootstrap_servers=self.kafka)
        await consumer.start()
        try:
            ends = await consumer.end_offsets([TopicPartition(TOPIC, p) for p in range(6)])
            return {tp.partition: o for tp, o in ends.items()}
        finally:
            await consumer.stop()

    async def _produce_fast(self, n: int) -> float:
        """n valid faultbox.recorded envelopes, pre-serialized, in full producer batches."""
        producer = AIOKafkaProducer(bootstrap_servers=self.kafka, acks=1, max_batch_size=1024 * 1024, linger_ms=20)
        await producer.start()
        started = time.perf_counter()
        head = '{"event_id":"%s","type":"faultbox.recorded","version":1,"occurred_at":"2026-11-02T21:14:%02d.%06dZ",'
        tail = (
            '"producer":"faultbox","creator_id":"' + str(CREATOR) + '","correlation_id":"%s","causation_id":null,'
            '"traceparent":null,"tracestate":null,"payload":{"run":"b14","key":"k%d","seq":%d}}'
        )
        template = head + tail
        try:
            pending: list[Any] = []
            for partition in range(6):
                batch = producer.create_batch()
                for i in range(partition, n, 6):
                    eid = str(uuid.uuid4())
                    value = (template % (eid, i % 60, i % 1_000_000, eid, i % 600, i)).encode()
                    if batch.append(key=None, value=value, timestamp=None) is None:
                        batch.close()
                        pending.append(await producer.send_batch(batch, TOPIC, partition=partition))
                        batch = producer.create_batch()
                        batch.append(key=None, value=value, timestamp=None)
                    if len(pending) > 24:
                        await asyncio.gather(*pending)
                        pending.clear()
                batch.close()
                pending.append(await producer.send_batch(batch, TOPIC, partition=partition))
            await asyncio.gather(*pending)
        finally:
            await producer.stop()
        return time.perf_counter() - started

    async def b14(self) -> Result:
        n = EVENTS
        before = await self._ends()
        say(f"B14 stream export: producing {n:,} events")
        produce_s = await self._produce_fast(n)
        after = await self._ends()
        rows = sum(after[p] - before[p] for p in after)
        say(f"  produced {rows:,} in {produce_s:.1f}s")
        spec = lambda offsets: ",".join(f"{p}:{o}" for p, o in sorted(offsets.items()))  # noqa: E731
        env = dict(self.env, HUNTAZE_STREAMS_EVENT_MODULES="huntaze_testkit.faultbox", PYTHONUNBUFFERED="1")
        raw_s, raw_rss, raw_out, _ = await asyncio.to_thread(
            _run_measured,
            [sys.executable, "-c", _RAW_READER, TOPIC, json.dumps(before), json.dumps(after), self.kafka],
            env,
        )
        raw = json.loads(raw_out)
        assert raw["rows"] == rows, raw
        out = Path(tempfile.mkdtemp()) / "b14.parquet"
        cmd = [sys.executable, "-m", "huntaze_streams", "export", "faultbox.recorded", "--from", spec(before),
               "--to", spec(after), "--format", "parquet", "--out", str(out)]
        export_s, export_rss, _, export_err = await asyncio.to_thread(_run_measured, cmd, env)
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(out).metadata
        assert meta.num_rows == rows, (meta.num_rows, rows, export_err[-500:])
        size = out.stat().st_size
        out.unlink()
        value, baseline = rows / export_s, rows / raw_s
        say(
            f"  export {value:,.0f} rows/s, peak RSS {export_rss / 2**20:.0f} MiB; raw aiokafka {baseline:,.0f} rows/s, "
            f"peak RSS {raw_rss / 2**20:.0f} MiB ({meta.num_row_groups} row groups, {size / 2**20:.0f} MiB)"
        )
        return Result(
            "B14",
            "stream export to Parquet",
            value,
            baseline,
            value / baseline,
            None,
            "rows/s",
            details={
                "rows": rows,
                "export_s": round(export_s, 1),
                "export_peak_rss_mib": round(export_rss / 2**20),
                "raw_s": round(raw_s, 1),
                "raw_peak_rss_mib": round(raw_rss / 2**20),
                "rss_ratio": round(export_rss / raw_rss, 2),
                "parquet_mib": round(size / 2**20),
                "row_groups": meta.num_row_groups,
                "produce_s": round(produce_s, 1),
                "root": str(ROOT.name),
            },
        )


_ = fb  # registers faultbox.recorded in this process (the envelopes are of that event)
