"""B1 consumer efficiency, B2 relay efficiency, B3 hop latency: the event pipeline against aiokafka
and psycopg by hand."""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections.abc import Sequence
from typing import Any

import psycopg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from sqlalchemy import text

from common import CREATOR, LOGDIR, ROUNDS, TOPIC, BenchBase, Result, envelopes, median, paired_rounds, percentile, say
from huntaze_events import Envelope, make_envelope
from huntaze_service import Subscriptions
from huntaze_service.app import freeze_startup_heap
from huntaze_service.db import libpq_url
from huntaze_service.outbox import OutboxRelay, OutboxRow, decode_headers, new_producer
from huntaze_service.runtime import Runtime
from huntaze_testkit import ServiceProcess
from huntaze_testkit import faultbox as fb


class PipelineBenchmarks(BenchBase):
    # B1 -------------------------------------------------------------------------------------------
    async def b1(self, n: int = 60000) -> Result:
        await self.produce(envelopes("b1", n))
        n = await self.topic_size()  # each round reads the whole topic
        say(f"B1 consumer efficiency: {n} events, {ROUNDS} rounds each")
        chassis, raw, value, baseline, ratio = await paired_rounds(
            lambda: self._b1_chassis(n, f"b1r{uuid.uuid4().hex[:8]}"),
            lambda: self._b1_raw(n, f"raw-b1-{uuid.uuid4().hex[:8]}"),
        )
        return Result(
            "B1",
            "consumer efficiency",
            value,
            baseline,
            ratio,
            0.8,
            "events/s",
            details={"rounds_chassis": chassis, "rounds_raw": raw, "events": n, "batch": 200},
        )

    async def _b1_chassis(self, n: int, name: str) -> float:
        """From the first batch to the n-th event handled (counted in-process, like the baseline:
        polling the database would load it during the run)."""
        times: list[float] = []
        handled = 0
        done = asyncio.Event()
        subs = Subscriptions()

        @subs.on_batch(fb.Recorded, name=name)
        async def effect(uow: Any, events: Sequence[Envelope[fb.Recorded]]) -> None:
            nonlocal handled
            if not times:
                times.append(time.perf_counter())
            await uow.session.execute(
                text(
                    "INSERT INTO bench_effects (consumer, event_id, key, seq) SELECT :c, unnest(CAST(:ids AS uuid[])), "
                    "unnest(CAST(:keys AS text[])), unnest(CAST(:seqs AS int[]))"
                ),
                {
                    "c": name,
                    "ids": [e.event_id for e in events],
                    "keys": [e.payload.key for e in events],
                    "seqs": [e.payload.seq for e in events],
                },
            )
            handled += len(events)
            if handled >= n:
                times.append(time.perf_counter())
                done.set()

        runtime = Runtime(self.settings(service_name=name), subs)  # its own consumer group: reads from 0
        await runtime.start()
        try:
            await asyncio.wait_for(done.wait(), timeout=300)
            await asyncio.sleep(0.2)  # the last batch commits
        finally:
            await runtime.stop()
        assert await self.effects(name) == n, "the chassis consumer did not apply every event once"
        return n / (times[-1] - times[0])

    async def _b1_raw(self, n: int, group: str) -> float:
        """The same work written by hand, with the same tricks as the chassis: ids sent as one
        text, offsets of each batch committed in the background (in order) after the database."""
        consumer = AIOKafkaConsumer(
            TOPIC, bootstrap_servers=self.kafka, group_id=group, enable_auto_commit=False, auto_offset_reset="earliest"
        )
        conn = await psycopg.AsyncConnection.connect(libpq_url(self.db_url))
        await consumer.start()
        done, started = 0, 0.0
        committing: asyncio.Task[None] | None = None

        async def commit(offsets: dict[TopicPartition, int], previous: asyncio.Task[None] | None) -> None:
            if previous is not None:
                await previous
            await consumer.commit(offsets)

        try:
            while done < n:
                batches = await consumer.getmany(timeout_ms=500, max_records=200)
                records = [r for part in batches.values() for r in part]
                if not records:
                    continue
                started = started or time.perf_counter()
                events = [json.loads(r.value) for r in records]
                async with conn.transaction():
                    cursor = await conn.execute(
                        "INSERT INTO processed_events (consumer, event_id) "
                        "SELECT %s, unnest(CAST(string_to_array(%s, ',') AS uuid[])) "
                        "ON CONFLICT DO NOTHING RETURNING event_id",
                        (group, ",".join(e["event_id"] for e in events)),
                    )
                    fresh = {str(row[0]) for row in await cursor.fetchall()}
                    new = [e for e in events if e["event_id"] in fresh]
                    await conn.execute(
                        "INSERT INTO bench_effects (consumer, event_id, key, seq) SELECT %s, unnest(%s::uuid[]), "
                        "unnest(%s::text[]), unnest(%s::int[])",
                        (
                            group,
                            [e["event_id"] for e in new],
                            [e["payload"]["key"] for e in new],
                            [e["payload"]["seq"] for e in new],
                        ),
                    )
                offsets = {TopicPartition(r.topic, r.partition): r.offset + 1 for r in records}
                committing = asyncio.create_task(commit(offsets, committing))
                done += len(records)
            finished = time.perf_counter()
            if committing is not None:
                await committing
        finally:
            await consumer.stop()
            await conn.close()
        return n / (finished - started)

    # B2 -------------------------------------------------------------------------------------------
    async def b2(self, n: int = 60000) -> Result:
        say(f"B2 relay efficiency: {n} outbox rows, {ROUNDS} rounds each")
        rows = [OutboxRow.from_envelope(e) for e in envelopes("b2", n)]
        producer = new_producer(self.kafka, "bench-b2")
        await producer.start()
        try:
            chassis, raw, value, baseline, ratio = await paired_rounds(
                lambda: self._b2_relay(producer, rows), lambda: self._b2_raw(producer, rows)
            )
        finally:
            await producer.stop()
        return Result(
            "B2",
            "relay efficiency",
            value,
            baseline,
            ratio,
            0.5,
            "events/s",
            details={"rounds_relay": chassis, "rounds_raw": raw, "events": n, "relay_batch": 1000},
        )

    async def _b2_relay(self, producer: AIOKafkaProducer, rows: Sequence[OutboxRow]) -> float:
        """A freshly written outbox (as after a burst of commits), published by one relay."""
        n = len(rows)
        async with self.engine.begin() as conn:
            await conn.execute(text("TRUNCATE outbox"))
            await conn.execute(
                text(
                    "INSERT INTO outbox (event_id, event_type, topic, key, value, headers) VALUES "
                    "(CAST(:event_id AS uuid), :event_type, :topic, :key, :value, :headers)"
                ),
                [r.__dict__ for r in rows],
            )
            await conn.execute(text("ANALYZE outbox"))
        relay = OutboxRelay(
            service="bench",
            sessionmaker=self.sessionmaker,
            database_url=self.db_url,
            producer=producer,
            batch_size=int(os.environ.get("BENCH_RELAY_BATCH", "1000")),
        )
        assert await relay.lead(), "another relay holds the bench outbox"
        started = time.perf_counter()
        published = await relay.drain()
        elapsed = time.perf_counter() - started
        await relay.stop()
        assert published == n, (published, n)
        return n / elapsed

    async def _b2_raw(self, producer: AIOKafkaProducer, rows: Sequence[OutboxRow]) -> float:
        prepared = [(r.topic, r.value, r.key.encode(), decode_headers(r.headers)) for r in rows]
        started = time.perf_counter()
        futures = [
            await producer.send(topic, value=value, key=key, headers=headers) for topic, value, key, headers in prepared
        ]
        await asyncio.gather(*futures)
        return len(rows) / (time.perf_counter() - started)

    # B3 -------------------------------------------------------------------------------------------
    async def b3(self, seconds: float = 10) -> list[Result]:
        """The producing side (unit of work + relay) runs here; the consuming service is its own
        process (faultbox, single hop), as in production. Handler start = the handler's clock when
        the chassis calls it (after the idempotency claim); commit = the writer's clock right after
        COMMIT returns (same host clock). One warm-up round, not counted, as in B1 and B2."""
        say("B3 hop latency: capacity, then an open-loop run at 50 % of it")
        consumer = await self._hop_consumer()
        producer_side = Runtime(self.settings(service_name=fb.PRODUCER), None)
        await producer_side.start()
        freeze_startup_heap()  # as a served producing service does once started (huntaze_service.cli)
        try:
            capacity = await self._b3_capacity(producer_side)
            rate = capacity / 2
            say(f"  hop capacity {capacity:,.0f} events/s; open loop at {rate:,.0f}/s for {seconds:.0f}s")
            rounds_chassis: list[tuple[float, float, float]] = []
            rounds_raw: list[tuple[float, float]] = []
            for round_ in range(max(2, ROUNDS - 1) + 1):
                raw = await self._b3_raw(rate, seconds)
                chassis = await self._b3_chassis(producer_side, rate, seconds)
                if round_:
                    rounds_raw.append(raw)
                    rounds_chassis.append(chassis)
                label = "warm-up, not counted" if round_ == 0 else "counted"
                say(
                    f"  round {round_} ({label}): chassis p50 {chassis[0]:.1f} ms p99 {chassis[1]:.1f} ms; "
                    f"raw p50 {raw[0]:.1f} ms p99 {raw[1]:.1f} ms"
                )
        finally:
            await producer_side.stop()
            consumer.stop()
        results = []
        for index, (label, goal) in enumerate((("p50", 2.0), ("p99", 3.0))):
            value = median([r[index] for r in rounds_chassis])
            baseline = median([r[index] for r in rounds_raw])
            results.append(
                Result(
                    f"B3-{label}",
                    f"hop latency {label}",
                    value,
                    baseline,
                    value / baseline,
                    goal,
                    "ms",
                    higher_is_better=False,
                    details={
                        "rate_per_s": rate,
                        "capacity_per_s": capacity,
                        "seconds": seconds,
                        "rounds_chassis": [r[index] for r in rounds_chassis],
                        "rounds_raw": [r[index] for r in rounds_raw],
                        "writer_lag_p99_ms": median([r[2] for r in rounds_chassis]),
                        "from": "producer commit to consumer handler start (separate processes)",
                    },
                )
            )
        return results

    async def _hop_consumer(self) -> ServiceProcess:
        await self._start_group_at_end(fb.PRODUCER)  # the consumer group of a service is its name
        env = dict(self.env)
        env.update(
            FAULTBOX_DATABASE_URL=self.db_url,
            FAULTBOX_HTTP_PORT="18790",
            FAULTBOX_LOG_LEVEL="WARNING",
            FAULTBOX_PASS_ON="false",
            FAULTBOX_ROLE="worker",
            # it emits nothing: its relay stays off, as a consuming service's relay works on its own
            # database, not on the producer's outbox (here both share the sandbox database)
            FAULTBOX_RELAY_ENABLED="false",
        )
        LOGDIR.mkdir(parents=True, exist_ok=True)
        proc = ServiceProcess("faultbox-b3", 18790, env, LOGDIR, module="huntaze_testkit.faultbox")
        proc.start()
        proc.wait_ready()
        await asyncio.sleep(3)  # joined its group
        return proc

    async def _start_group_at_end(self, group: str) -> None:
        """Commits the end offsets for a consumer group on both faultbox topics: it reads only what
        comes next (the earlier benchmarks left tens of thousands of records behind)."""
        consumer = AIOKafkaConsumer(bootstrap_servers=self.kafka, group_id=group, enable_auto_commit=False)
        await consumer.start()
        try:
            partitions = [TopicPartition(t, p) for t in (TOPIC, fb.APPLIED.topic) for p in range(6)]
            consumer.assign(partitions)
            await consumer.seek_to_end(*partitions)
            await consumer.commit({tp: await consumer.position(tp) for tp in partitions})
        finally:
            await consumer.stop()

    async def _write(self, runtime: Runtime, run: str, seq: int) -> float:
        async with runtime.uow() as uow:
            uow.emit(fb.Recorded(run=run, key=f"k{seq % 60}", seq=seq), creator_id=CREATOR)
            await uow.commit()
        return time.time()

    async def _applied(self, run: str) -> dict[int, float]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT seq, extract(epoch FROM handler_started_at) FROM effects WHERE run = :r AND consumer = 'apply'"
                ),
                {"r": run},
            )
            return {seq: float(at) for seq, at in rows}

    async def _b3_capacity(self, producer_side: Runtime, seconds: float = 5) -> float:
        run = f"cap-{uuid.uuid4().hex[:6]}"
        stop = time.perf_counter() + seconds
        seq = 0

        async def writer() -> None:
            nonlocal seq
            while time.perf_counter() < stop:
                seq += 1
                await self._write(producer_side, run, seq)

        started_wall = time.time()
        await asyncio.gather(*(writer() for _ in range(8)))
        await asyncio.sleep(3)
        applied = await self._applied(run)
        return sum(1 for at in applied.values() if at <= started_wall + seconds) / seconds

    async def _b3_chassis(self, producer_side: Runtime, rate: float, seconds: float) -> tuple[float, float, float]:
        run = f"hop-{uuid.uuid4().hex[:6]}"
        committed: dict[int, float] = {}
        lag: list[float] = []

        async def one(seq: int, when: float) -> None:
            committed[seq] = await self._write(producer_side, run, seq)
            lag.append((time.perf_counter() - when) * 1000)

        total = await self._schedule(rate, seconds, one)
        deadline = time.perf_counter() + 60
        applied: dict[int, float] = {}
        while len(applied) < total and time.perf_counter() < deadline:
            await asyncio.sleep(0.5)
            applied = await self._applied(run)
        assert len(applied) == total, f"{total - len(applied)} events never reached the handler"
        latencies = [(applied[s] - committed[s]) * 1000 for s in committed]
        return percentile(latencies, 50), percentile(latencies, 99), percentile(lag, 99)

    async def _b3_raw(self, rate: float, seconds: float) -> tuple[float, float]:
        run = f"raw-{uuid.uuid4().hex[:6]}"
        producer = AIOKafkaProducer(bootstrap_servers=self.kafka, acks="all", enable_idempotence=True)
        consumer = AIOKafkaConsumer(TOPIC, bootstrap_servers=self.kafka, group_id=None, auto_offset_reset="latest")
        await producer.start()
        await consumer.start()
        await consumer.seek_to_end()
        arrived: dict[int, float] = {}
        sent: dict[int, float] = {}

        async def consume() -> None:
            while True:
                batches = await consumer.getmany(timeout_ms=500)
                now = time.time()
                for part in batches.values():
                    for record in part:
                        body = json.loads(record.value)
                        if body["payload"]["run"] == run:
                            arrived.setdefault(body["payload"]["seq"], now)

        reader = asyncio.create_task(consume())
        await asyncio.sleep(0.5)

        async def one(seq: int, when: float) -> None:
            value = make_envelope(
                fb.Recorded(run=run, key=f"k{seq % 60}", seq=seq), producer=fb.PRODUCER, creator_id=CREATOR
            ).to_json()
            sent[seq] = time.time()
            await producer.send_and_wait(TOPIC, value=value, key=f"k{seq % 60}".encode())

        try:
            total = await self._schedule(rate, seconds, one)
            deadline = time.perf_counter() + 30
            while len(arrived) < total and time.perf_counter() < deadline:
                await asyncio.sleep(0.05)
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
            await consumer.stop()
            await producer.stop()
        assert len(arrived) == total, f"{total - len(arrived)} records never arrived"
        latencies = [(arrived[s] - sent[s]) * 1000 for s in sent]
        return percentile(latencies, 50), percentile(latencies, 99)
