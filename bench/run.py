"""`make bench`: B1–B5, B12, B13, each against a raw baseline measured in the same run on the same broker and
database (the `bench` profile: a fresh Kafka and PostgreSQL started by tools/bench.sh).

    B1 consumer efficiency   chassis consumer events/s ÷ aiokafka getmany + json.loads + psycopg batch
    B2 relay efficiency      outbox relay events/s ÷ aiokafka batched sends of the same records
    B3 hop latency           commit → consuming handler start, open loop at 50 % of capacity,
                             p50 and p99 ÷ raw aiokafka produce → consume latency
    B4 gateway overhead      wrk requests/s of POST /v1/inbox/messages via the gateway ÷ direct to inbox
    B5 end to end            POST /v1/inbox/messages → draft readable, p50/p99, offline AI, steady load
    B12 ingest efficiency    wrk requests/s of POST /v1/inbox/messages straight to the inbox ÷ a bare
                             FastAPI + psycopg endpoint doing the same statements (bench/bare_ingest.py)
    B13 timer lateness       10,000 timers due within one minute: handler start − due time, p50/p99

Every figure is the median of several rounds (B1 and B2: after a warm-up round; their ratio is the
median of the per-round ratios, each round measuring the platform and its baseline back to back).
Output: a table on stdout, bench/results/latest.json
and bench/results/latest.png (ratios against their goals).
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from huntaze_events import Envelope, make_envelope
from huntaze_service import Role, ServiceSettings, Subscriptions
from huntaze_service.app import freeze_startup_heap
from huntaze_service.db import libpq_url
from huntaze_service.outbox import OutboxRelay, OutboxRow, decode_headers, new_producer
from huntaze_service.runtime import Runtime
from huntaze_testkit import Api, ServiceProcess
from huntaze_testkit import faultbox as fb

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LOGDIR = ROOT / ".data" / "bench" / "logs"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
ALL = {"B1", "B2", "B3", "B4", "B5", "B12", "B13"}
CREATOR = uuid.UUID(int=0)
TOPIC = fb.RECORDED.topic


@dataclass
class Result:
    id: str
    name: str
    value: float
    baseline: float | None
    ratio: float | None
    goal: float | None
    unit: str
    higher_is_better: bool = True
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def met(self) -> bool | None:
        if self.ratio is None or self.goal is None:
            return None
        return self.ratio >= self.goal if self.higher_is_better else self.ratio <= self.goal


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


async def paired_rounds(
    platform_run: Callable[[], Awaitable[float]], raw_run: Callable[[], Awaitable[float]]
) -> tuple[list[float], list[float], float, float, float]:
    """Runs the baseline then the platform, back to back, ROUNDS times after one warm-up round.
    Returns both series, their medians, and the median of the per-round ratios (each round's two
    measurements share the machine's conditions of the moment)."""
    platform_rates, raw_rates = [], []
    for round_ in range(ROUNDS + 1):
        raw_rate = await raw_run()
        platform_rate = await platform_run()
        label = "warm-up, not counted" if round_ == 0 else f"ratio {platform_rate / raw_rate:.2f}"
        say(f"  round {round_}: platform {platform_rate:,.0f}/s, raw {raw_rate:,.0f}/s ({label})")
        if round_:
            platform_rates.append(platform_rate)
            raw_rates.append(raw_rate)
    ratio = median([p / r for p, r in zip(platform_rates, raw_rates, strict=True)])
    return platform_rates, raw_rates, median(platform_rates), median(raw_rates), ratio


def envelopes(run: str, n: int, keys: int = 60) -> list[Envelope[Any]]:
    return [
        make_envelope(fb.Recorded(run=run, key=f"k{i % keys}", seq=i // keys), producer=fb.PRODUCER, creator_id=CREATOR)
        for i in range(n)
    ]


class Bench:
    def __init__(self) -> None:
        self.env = dict(os.environ)
        self.kafka = self.env["KAFKA_BOOTSTRAP_SERVERS"]
        self.db_url = self.env["SANDBOX_DATABASE_URL"]
        self.engine = create_async_engine(self.db_url, pool_size=10)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    async def setup(self) -> None:
        await fb.create_schema(self.db_url)
        async with self.engine.begin() as conn:
            await conn.execute(
                text("CREATE TABLE IF NOT EXISTS bench_effects (consumer text, event_id uuid, key text, seq int)")
            )
        admin = AIOKafkaAdminClient(bootstrap_servers=self.kafka)
        await admin.start()
        existing = set(await admin.list_topics())
        await admin.create_topics([NewTopic(t, 6, 1) for t in fb.TOPICS if t not in existing])
        await admin.close()

    async def effects(self, consumer: str) -> int:
        async with self.engine.connect() as conn:
            return int(
                (
                    await conn.execute(text("SELECT count(*) FROM bench_effects WHERE consumer = :c"), {"c": consumer})
                ).scalar()
            )

    async def topic_size(self) -> int:
        consumer = AIOKafkaConsumer(bootstrap_servers=self.kafka)
        await consumer.start()
        try:
            ends = await consumer.end_offsets([TopicPartition(TOPIC, p) for p in range(6)])
            return sum(ends.values())
        finally:
            await consumer.stop()

    async def produce(self, items: Sequence[Envelope[Any]]) -> None:
        producer = AIOKafkaProducer(bootstrap_servers=self.kafka, acks="all", linger_ms=5)
        await producer.start()
        for envelope in items:
            await producer.send(TOPIC, value=envelope.to_json(), key=envelope.payload.key.encode())
        await producer.flush()
        await producer.stop()

    def settings(self, **overrides: Any) -> ServiceSettings:
        values: dict[str, Any] = {
            "service_name": "bench",
            "database_url": self.db_url,
            "kafka_bootstrap_servers": self.kafka,
            "role": Role.WORKER,
            "log_level": "WARNING",
            "consumer_batch_size": 200,
        }
        values.update(overrides)
        return ServiceSettings(**values)

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

    async def _schedule(self, rate: float, seconds: float, send: Callable[[int, float], Awaitable[None]]) -> int:
        """Open loop: each send starts at its intended time, whatever the previous ones are doing
        (no coordinated omission). Returns how many were sent."""
        total = int(rate * seconds)
        t0 = time.perf_counter() + 0.1
        tasks = []
        for seq in range(total):
            when = t0 + seq / rate
            delay = when - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(send(seq, when)))
        await asyncio.gather(*tasks)
        return total

    # platform processes ---------------------------------------------------------------------------
    def processes(self, names: Sequence[str], **roles: str) -> dict[str, ServiceProcess]:
        env = dict(self.env)
        ports = {"gateway": 18700, "inbox": 18701, "ai": 18702, "fans": 18703}
        for name, port in ports.items():
            env[f"{name.upper()}_HTTP_PORT"] = str(port)
            env[f"{name.upper()}_LOG_LEVEL"] = "WARNING"
            env[f"{name.upper()}_ROLE"] = roles.get(name, "all")
            if name != "gateway":
                env[f"GATEWAY_ROUTES__{name.upper()}"] = f"http://127.0.0.1:{port}"
        env.setdefault("GATEWAY_JWT_SECRET", uuid.uuid4().hex * 2)
        LOGDIR.mkdir(parents=True, exist_ok=True)
        procs = {name: ServiceProcess(name, ports[name], env, LOGDIR) for name in names}
        for proc in procs.values():
            proc.start()
        for proc in procs.values():
            proc.wait_ready()
        return procs

    # B4 -------------------------------------------------------------------------------------------
    async def b4(self, seconds: int = 8, connections: int = 16) -> Result:
        say(f"B4 gateway overhead: wrk -t2 -c{connections} -d{seconds}s, {ROUNDS} rounds each")
        procs = self.processes(["gateway", "inbox"], inbox="api")
        try:
            async with httpx.AsyncClient(base_url=procs["gateway"].url, timeout=30) as client:
                api = await Api.sign_up(client, "Bench")
            via_gateway = {"Authorization": f"Bearer {api.token}"}
            direct = {"X-Creator-Id": api.creator_id, "X-User-Id": api.user_id}
            gateway_runs, direct_runs = [], []
            for round_ in range(ROUNDS):
                gateway_runs.append(self._wrk(procs["gateway"].url, via_gateway, seconds, connections))
                direct_runs.append(self._wrk(procs["inbox"].url, direct, seconds, connections))
                say(
                    f"  round {round_ + 1}: gateway {gateway_runs[-1][0]:,.0f} req/s p99 {gateway_runs[-1][1]:.1f} ms; "
                    f"direct {direct_runs[-1][0]:,.0f} req/s p99 {direct_runs[-1][1]:.1f} ms"
                )
        finally:
            for proc in procs.values():
                proc.stop()
        value, baseline = median([r[0] for r in gateway_runs]), median([r[0] for r in direct_runs])
        return Result(
            "B4",
            "gateway overhead",
            value,
            baseline,
            value / baseline,
            0.7,
            "req/s",
            details={
                "p99_ms_gateway": median([r[1] for r in gateway_runs]),
                "p99_ms_direct": median([r[1] for r in direct_runs]),
                "non_2xx_gateway": sum(r[2] for r in gateway_runs),
                "non_2xx_direct": sum(r[2] for r in direct_runs),
                "connections": connections,
                "threads": 2,
                "seconds": seconds,
            },
        )

    def _wrk(self, base: str, headers: dict[str, str], seconds: int, connections: int) -> tuple[float, float, int]:
        header_lines = "\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items())
        script = f"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
{header_lines}
counter = 0
request = function()
  counter = counter + 1
  local fan = math.random(1, 2000)
  return wrk.format(nil, nil, nil, '{{"fan": {{"external_id": "f' .. fan .. '", "display_name": "Fan ' .. fan .. '"}}, "text": "hi! are you around tonight?"}}')
end
"""
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
            handle.write(script)
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{connections}",
                f"-d{seconds}s",
                "--latency",
                "-s",
                handle.name,
                f"{base}/v1/inbox/messages",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        os.unlink(handle.name)
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
        p99 = _wrk_ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1))  # type: ignore[union-attr]
        bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
        return rps, p99, int(bad.group(1)) if bad else 0

    # B12 ------------------------------------------------------------------------------------------
    async def b12(self, seconds: int = 8, connections: int = 16) -> Result:
        """`POST /v1/inbox/messages` straight to the inbox (its API role: HTTP + relay, one process)
        ÷ bench/bare_ingest.py (FastAPI + psycopg, the same statements in one transaction), same wrk
        settings, rounds alternating."""
        say(f"B12 ingest efficiency: wrk -t2 -c{connections} -d{seconds}s, {ROUNDS} rounds each")
        procs = self.processes(["inbox"], inbox="api")
        env = dict(self.env) | {"PYTHONUNBUFFERED": "1"}
        bare = subprocess.Popen(  # noqa: ASYNC220 - a server started once, before the measurement
            [sys.executable, str(ROOT / "bench" / "bare_ingest.py"), "18710", self.env["INBOX_DATABASE_URL"]],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        headers = {"X-Creator-Id": str(uuid.uuid4()), "X-User-Id": str(uuid.uuid4())}
        try:
            await _wait_http("http://127.0.0.1:18710/docs")
            platform_runs, bare_runs = [], []
            for round_ in range(ROUNDS + 1):
                bare_runs.append(self._wrk("http://127.0.0.1:18710", headers, seconds, connections))
                await self._settle_bare_outbox()
                platform_runs.append(self._wrk(procs["inbox"].url, headers, seconds, connections))
                label = (
                    "warm-up, not counted" if round_ == 0 else f"ratio {platform_runs[-1][0] / bare_runs[-1][0]:.2f}"
                )
                say(
                    f"  round {round_}: inbox {platform_runs[-1][0]:,.0f} req/s p99 {platform_runs[-1][1]:.1f} ms; "
                    f"bare {bare_runs[-1][0]:,.0f} req/s p99 {bare_runs[-1][1]:.1f} ms ({label})"
                )
        finally:
            bare.terminate()
            bare.wait(timeout=30)
            for proc in procs.values():
                proc.stop()
        platform_runs, bare_runs = platform_runs[1:], bare_runs[1:]
        ratio = median([p[0] / b[0] for p, b in zip(platform_runs, bare_runs, strict=True)])
        return Result(
            "B12",
            "ingest efficiency",
            median([r[0] for r in platform_runs]),
            median([r[0] for r in bare_runs]),
            ratio,
            0.6,
            "req/s",
            details={
                "p99_ms_inbox": median([r[1] for r in platform_runs]),
                "p99_ms_bare": median([r[1] for r in bare_runs]),
                "non_2xx": sum(r[2] for r in platform_runs) + sum(r[2] for r in bare_runs),
                "connections": connections,
                "seconds": seconds,
            },
        )

    async def _settle_bare_outbox(self) -> None:
        """The bare endpoint's outbox rows have no relay: mark them so the inbox's relay skips them."""
        inbox_db = create_async_engine(self.env["INBOX_DATABASE_URL"])
        async with inbox_db.begin() as conn:
            await conn.execute(text("UPDATE outbox SET published_at = now() WHERE published_at IS NULL"))
        await inbox_db.dispose()

    # B13 ------------------------------------------------------------------------------------------
    async def b13(self, timers: int = 10000, window_s: float = 60, lead_s: float = 5) -> Result:
        """10,000 timers due in the same minute (spread evenly over it), fired by one worker process
        (faultbox); lateness = the handler's start − the timer's due time, both on this host's clock."""
        say(f"B13 timer lateness: {timers:,} timers due within {window_s:.0f} s")
        await fb.create_schema(self.db_url)
        env = dict(self.env)
        env.update(
            FAULTBOX_DATABASE_URL=self.db_url,
            FAULTBOX_HTTP_PORT="18791",
            FAULTBOX_LOG_LEVEL="WARNING",
            FAULTBOX_ROLE="worker",
        )
        LOGDIR.mkdir(parents=True, exist_ok=True)
        worker = ServiceProcess("faultbox-b13", 18791, env, LOGDIR, module="huntaze_testkit.faultbox")
        worker.start()
        worker.wait_ready()
        writer = Runtime(
            self.settings(service_name=fb.PRODUCER, role=Role.API), fb.subscriptions(fb.FaultboxSettings())
        )
        await writer.start()
        run = f"b13-{uuid.uuid4().hex[:6]}"
        try:
            first = datetime.now(UTC) + timedelta(seconds=lead_s)
            for start in range(0, timers, 1000):
                async with writer.uow() as uow:
                    for i in range(start, min(start + 1000, timers)):
                        uow.schedule(
                            "fb_fire",
                            key=f"{run}:{i}",
                            at=first + timedelta(seconds=window_s * i / timers),
                            payload=fb.ItemDue(run=run, key="k", seq=i),
                            tenant=CREATOR,
                        )
                    await uow.commit()
            deadline = time.monotonic() + lead_s + window_s + 120
            fired = 0
            while fired < timers and time.monotonic() < deadline:
                await asyncio.sleep(2)
                fired = int(await self._scalar("SELECT count(*) FROM effects WHERE run = :r", r=run))
            assert fired == timers, f"{timers - fired} timers never fired"
            async with self.engine.connect() as conn:
                late = [
                    float(x)
                    for (x,) in await conn.execute(
                        text(
                            "SELECT extract(epoch FROM handler_started_at - due_at) * 1000 FROM effects WHERE run = :r"
                        ),
                        {"r": run},
                    )
                ]
        finally:
            await writer.stop()
            worker.stop()
        return Result(
            "B13",
            "timer lateness p50",
            percentile(late, 50),
            None,
            None,
            None,
            "ms",
            higher_is_better=False,
            details={
                "p99_ms": percentile(late, 99),
                "max_ms": max(late),
                "early": sum(1 for x in late if x < 0),
                "timers": timers,
                "window_s": window_s,
                "workers": 1,
            },
        )

    async def _scalar(self, sql: str, **params: Any) -> Any:
        async with self.engine.connect() as conn:
            return (await conn.execute(text(sql), params)).scalar()

    # B5 -------------------------------------------------------------------------------------------
    async def b5(self, rate: float = 20, seconds: float = 20) -> Result:
        say(f"B5 end to end: {rate:.0f} messages/s for {seconds:.0f}s through the gateway, offline AI")
        procs = self.processes(["gateway", "inbox", "ai", "fans"])
        inbox_db = create_async_engine(self.env["INBOX_DATABASE_URL"])
        try:
            async with httpx.AsyncClient(base_url=procs["gateway"].url, timeout=30) as client:
                api = await Api.sign_up(client, "Bench5")
                intended: dict[str, float] = {}
                seen: dict[str, float] = {}
                stop_polling = asyncio.Event()

                async def poll() -> None:
                    async with inbox_db.connect() as conn:
                        while not stop_polling.is_set():
                            rows = await conn.execute(
                                text("SELECT in_reply_to_message_id FROM drafts WHERE creator_id = :c"),
                                {"c": uuid.UUID(api.creator_id)},
                            )
                            now = time.perf_counter()
                            for (message_id,) in rows:
                                seen.setdefault(str(message_id), now)
                            await conn.commit()
                            await asyncio.sleep(0.005)

                poller = asyncio.create_task(poll())

                async def post(seq: int, when: float) -> None:
                    answer = await api.post(
                        "/v1/inbox/messages",
                        json={
                            "fan": {"external_id": f"f{seq % 50}", "display_name": f"Fan {seq % 50}"},
                            "text": f"#{seq} hey, do you do customs?",
                        },
                    )
                    assert answer.status_code == 202, answer.text
                    intended[answer.json()["message_id"]] = when

                total = await self._schedule(rate, seconds, post)
                deadline = time.perf_counter() + 60
                while len([m for m in intended if m in seen]) < total and time.perf_counter() < deadline:
                    await asyncio.sleep(0.05)
                stop_polling.set()
                await poller
        finally:
            await inbox_db.dispose()
            for proc in procs.values():
                proc.stop()
        latencies = [(seen[m] - intended[m]) * 1000 for m in intended if m in seen]
        assert len(latencies) == total, f"{total - len(latencies)} drafts never appeared"
        return Result(
            "B5",
            "end to end p50",
            percentile(latencies, 50),
            None,
            None,
            None,
            "ms",
            higher_is_better=False,
            details={
                "p99_ms": percentile(latencies, 99),
                "messages": total,
                "rate_per_s": rate,
                "poll_resolution_ms": 5,
                "provider": "offline",
            },
        )


async def _wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while True:
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not answer in {timeout}s")
            await asyncio.sleep(0.2)


def _wrk_ms(value: str) -> float:
    number = float(re.match(r"[\d.]+", value).group(0))  # type: ignore[union-attr]
    if value.endswith("us"):
        return number / 1000
    if value.endswith("ms"):
        return number
    if value.endswith("s"):
        return number * 1000
    return number


def machine(bench: Bench) -> dict[str, Any]:
    cpu = "unknown"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory_gib = 0.0
    try:
        memory_gib = int(next(line.split()[1] for line in open("/proc/meminfo") if line.startswith("MemTotal"))) / 2**20
    except (OSError, StopIteration):
        pass
    pg = subprocess.run(
        ["psql", libpq_url(bench.db_url), "-tAc", "SHOW server_version"], capture_output=True, text=True
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_gib, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "kafka": (ROOT / "infra" / "kafka" / "pom.xml").read_text().split("<kafka.version>")[1].split("<")[0],
        "postgresql": pg.stdout.strip() or "unknown",
        "note": "broker, database, services and load generator share these cores",
    }


def table(results: Sequence[Result]) -> str:
    lines = [
        "| id | benchmark | platform | raw baseline | ratio | goal | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        baseline = f"{r.baseline:,.1f} {r.unit}" if r.baseline is not None else "—"
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else "—"
        goal = ("≥ " if r.higher_is_better else "≤ ") + f"{r.goal:g}" if r.goal is not None else "—"
        met = {True: "yes", False: "no", None: "—"}[r.met]
        value = f"{r.value:,.1f} {r.unit}"
        if r.id in ("B5", "B13"):
            value += f" (p99 {r.details['p99_ms']:,.1f} ms)"
        if r.id == "B12":
            value += f" (p99 {r.details['p99_ms_inbox']:.1f} ms vs {r.details['p99_ms_bare']:.1f} ms bare)"
        if r.id == "B4":
            value += f" (p99 {r.details['p99_ms_gateway']:.1f} ms vs {r.details['p99_ms_direct']:.1f} ms direct)"
        lines.append(f"| {r.id} | {r.name} | {value} | {baseline} | {ratio} | {goal} | {met} |")
    return "\n".join(lines)


def chart(results: Sequence[Result], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rated = [r for r in results if r.ratio is not None and r.goal is not None]
    fig, ax = plt.subplots(figsize=(8, 4.2))
    labels = [f"{r.id}\n{r.name}" for r in rated]
    colors = ["#2e7d32" if r.met else "#c62828" for r in rated]
    bars = ax.bar(labels, [r.ratio for r in rated], color=colors, width=0.55)
    for index, r in enumerate(rated):
        ax.hlines(r.goal, index - 0.35, index + 0.35, colors="black", linestyles="dashed")
        ax.text(index + 0.37, r.goal, ("≥" if r.higher_is_better else "≤") + f"{r.goal:g}", va="center", fontsize=8)
        ax.text(
            bars[index].get_x() + bars[index].get_width() / 2,
            r.ratio,
            f"{r.ratio:.2f}",
            ha="center",
            va="bottom",
            fontsize=9,
        )
    ax.set_ylabel("platform ÷ raw baseline")
    ax.set_title("Huntaze chassis vs raw clients (green: goal met; dashed: goal)")
    ax.tick_params(axis="x", labelsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def readme(results: Sequence[Result], document: dict[str, Any]) -> None:
    """Puts the latest full run's table in README.md, between its bench markers."""
    path = ROOT / "README.md"
    m = document["machine"]
    text_ = path.read_text()
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    if start not in text_:
        return
    block = (
        f"{start}\n"
        f"Latest `make bench` ({time.strftime('%Y-%m-%d')}, {document['rounds']} rounds, {document['duration_s']:.0f} s): "
        f"{m['cores']} × {m['cpu']}, {m['memory_gib']} GiB, Python {m['python']}, Kafka {m['kafka']}, "
        f"PostgreSQL {m['postgresql'].split()[0]} — {m['note']}.\n\n"
        f"{table(results)}\n\n![ratios against goals](bench/results/latest.png)\n{end}"
    )
    before, rest = text_.split(start, 1)
    after = rest.split(end, 1)[1]
    path.write_text(before + block + after)


async def main(selected: set[str]) -> int:
    bench = Bench()
    await bench.setup()
    results: list[Result] = []
    started = time.perf_counter()
    if "B1" in selected:
        results.append(await bench.b1())
    if "B2" in selected:
        results.append(await bench.b2())
    if "B3" in selected:
        results += await bench.b3()
    # B5 before B4: B4's thousands of messages would otherwise wait for ai ahead of B5's
    b5 = await bench.b5() if "B5" in selected else None
    if "B4" in selected:
        results.append(await bench.b4())
    if b5 is not None:
        results.append(b5)
    if "B12" in selected:
        results.append(await bench.b12())
    if "B13" in selected:
        results.append(await bench.b13())
    await bench.engine.dispose()
    RESULTS.mkdir(parents=True, exist_ok=True)
    document = {
        "machine": machine(bench),
        "command": "make bench",
        "rounds": ROUNDS,
        "duration_s": round(time.perf_counter() - started, 1),
        "benchmarks": [
            {k: v for k, v in asdict(r).items() if k != "higher_is_better"} | {"met": r.met} for r in results
        ],
    }
    complete = selected == ALL
    name = "latest" if complete else "partial"  # a partial run never replaces the full results
    (RESULTS / f"{name}.json").write_text(json.dumps(document, indent=2) + "\n")
    chart(results, RESULTS / f"{name}.png")
    print("\n" + table(results) + "\n", flush=True)
    if complete:
        readme(results, document)
    say(f"wrote {RESULTS.relative_to(ROOT)}/{name}.json and {name}.png in {document['duration_s']}s")
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    chosen = {a.upper() for a in sys.argv[1:]} or ALL
    import uvloop

    uvloop.install()
    sys.exit(asyncio.run(main(chosen)))
