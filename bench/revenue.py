"""B6 revenue freshness, B7 statement import: the fans and analytics services as processes, against
aiokafka and psycopg by hand."""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random
from zoneinfo import ZoneInfo

import httpx
import psycopg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from common import ROUNDS, BenchBase, Result, median, percentile, say
from fans.statement import RowRejected, open_statement, parse_line
from huntaze_events import REGISTRY, TransactionRecorded
from huntaze_service.db import libpq_url
from huntaze_testkit import internal_headers
from huntaze_testkit.statements import generate_statement

RAW_TOPIC = "bench.b6.raw"
SALE_GROSS, SALE_NET = 1000, 800  # a $10 tip: the fee defaults to 20 %
POLL_S = 0.01  # both readers poll every 10 ms
SAMPLE_TIMEOUT_S = 30.0


def _headers(creator: uuid.UUID) -> dict[str, str]:
    """What the gateway adds after checking the bearer token: an internal token (it lives 5 minutes,
    longer than any one measurement here)."""
    return internal_headers(creator)


def _midday_zone() -> str:
    """A fixed-offset zone where it is about noon now: `today` does not roll over during the run."""
    offset = (12 - datetime.now(UTC).hour + 12) % 24 - 12  # in [-12, 11]
    return "Etc/GMT" + (f"{-offset:+d}" if offset else "")  # Etc/GMT-3 is UTC+3


def _batches(rate: float, seconds: float, seed: int) -> list[tuple[float, int]]:
    """(offset from the start in s, size 1–10) so that `rate` items/s arrive evenly."""
    rng, out, sent, total = Random(seed), [], 0, int(rate * seconds)
    while sent < total:
        size = min(rng.randint(1, 10), total - sent)
        out.append((sent / rate, size))
        sent += size
    return out


async def _open_loop(batches: list[tuple[float, int]], send: Callable[[int, int], Awaitable[None]]) -> float:
    """Each batch starts at its intended time (no coordinated omission). Returns the worst lag of a
    batch's completion behind its intended start, in ms."""
    t0 = time.perf_counter() + 0.1
    lag: list[float] = []

    async def one(index: int, when: float, size: int) -> None:
        await send(index, size)
        lag.append((time.perf_counter() - when) * 1000)

    tasks = []
    for index, (offset, size) in enumerate(batches):
        when = t0 + offset
        delay = when - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(index, when, size)))
    await asyncio.gather(*tasks)
    return percentile(lag, 99)


def _rss_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (the peak RSS since the process started) from /proc, in KiB."""
    out = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1])
    return out


class RevenueBenchmarks(BenchBase):
    # B6 -------------------------------------------------------------------------------------------
    async def b6(self, rate: float = 200, seconds: float = 20) -> list[Result]:
        """A sale posted to fans → visible in analytics' `GET /v1/analytics/summary`, while a load
        client posts `rate` transactions/s (batches of 1–10, ten other creators). The measuring
        client posts one sale at a time for its own creator and polls the summary every 10 ms until
        `periods.today.net_cents` moved by it. Raw: aiokafka producer → aiokafka consumer inserting
        each batch in PostgreSQL → a reader polling the sum, same load, same poll interval."""
        say(
            f"B6 revenue freshness: {rate:.0f} transactions/s in batches of 1–10 for {seconds:.0f}s, one sale at a time measured"
        )
        await self._b6_raw_setup()
        procs = self.processes(["fans", "analytics"])
        counted = max(2, ROUNDS - 2)
        rounds_ours: list[dict[str, float]] = []
        rounds_raw: list[dict[str, float]] = []
        try:
            async with (
                httpx.AsyncClient(base_url=procs["fans"].url, timeout=30) as load_client,
                httpx.AsyncClient(timeout=30) as probe,
            ):
                await self._b6_wait_pipeline(procs["fans"].url, procs["analytics"].url, probe)
                for round_ in range(counted + 1):
                    raw = await self._b6_raw(rate, seconds, seed=round_)
                    ours = await self._b6_platform(
                        load_client, probe, procs["fans"].url, procs["analytics"].url, rate, seconds, seed=round_
                    )
                    label = "warm-up, not counted" if round_ == 0 else "counted"
                    say(
                        f"  round {round_} ({label}): ours p50 {ours['p50']:.1f} ms p99 {ours['p99']:.1f} ms "
                        f"({ours['samples']:.0f} sales; post {ours['post_p50']:.1f} ms, read {ours['read_p50']:.1f} ms, "
                        f"load lag p99 {ours['load_lag_p99']:.0f} ms); raw p50 {raw['p50']:.1f} ms p99 {raw['p99']:.1f} ms "
                        f"({raw['samples']:.0f}; post {raw['post_p50']:.1f} ms, read {raw['read_p50']:.1f} ms)"
                    )
                    if round_:
                        rounds_ours.append(ours)
                        rounds_raw.append(raw)
        finally:
            for proc in procs.values():
                proc.stop()
        results = []
        for label in ("p50", "p99"):
            value = median([r[label] for r in rounds_ours])
            baseline = median([r[label] for r in rounds_raw])
            results.append(
                Result(
                    f"B6-{label}",
                    f"revenue freshness {label}",
                    value,
                    baseline,
                    value / baseline,
                    None,
                    "ms",
                    higher_is_better=False,
                    details={
                        "rate_per_s": rate,
                        "batch_sizes": "1-10",
                        "seconds": seconds,
                        "poll_interval_ms": POLL_S * 1000,
                        "rounds_ours": [r[label] for r in rounds_ours],
                        "rounds_raw": [r[label] for r in rounds_raw],
                        "samples_per_round": [r["samples"] for r in rounds_ours],
                        "load_lag_p99_ms": median([r["load_lag_p99"] for r in rounds_ours]),
                        "post_p50_ms": median([r["post_p50"] for r in rounds_ours]),
                        "read_p50_ms": median([r["read_p50"] for r in rounds_ours]),
                        "raw_post_p50_ms": median([r["post_p50"] for r in rounds_raw]),
                        "raw_read_p50_ms": median([r["read_p50"] for r in rounds_raw]),
                        "from": "POST /v1/revenue/transactions (fans) → GET /v1/analytics/summary shows it",
                        "raw": "aiokafka send_and_wait → aiokafka getmany + psycopg INSERT → SELECT sum polled",
                    },
                )
            )
        return results

    def _summary_url(self, analytics: str) -> str:
        return f"{analytics}/v1/analytics/summary"

    async def _today_net(self, client: httpx.AsyncClient, analytics: str, headers: dict[str, str], tz: str) -> int:
        answer = await client.get(self._summary_url(analytics), headers=headers, params={"tz": tz})
        assert answer.status_code == 200, answer.text
        return int(answer.json()["periods"]["today"]["net_cents"])

    async def _post_sale(self, client: httpx.AsyncClient, fans: str, headers: dict[str, str], fan: str) -> None:
        item = {
            "external_id": f"b6-{uuid.uuid4().hex}",
            "fan": {"external_id": fan, "display_name": fan},
            "type": "tip",
            "gross_cents": SALE_GROSS,
            "currency": "USD",
            "occurred_at": datetime.now(UTC).isoformat(),
        }
        answer = await client.post(f"{fans}/v1/revenue/transactions", headers=headers, json={"items": [item]})
        assert answer.status_code == 200 and answer.json()["accepted"] == 1, answer.text

    async def _b6_wait_pipeline(self, fans: str, analytics: str, client: httpx.AsyncClient) -> None:
        """One sale all the way through before any round: both services' consumers have joined."""
        creator, tz = uuid.uuid4(), _midday_zone()
        headers = _headers(creator)
        await self._post_sale(client, fans, headers, "warm")
        deadline = time.monotonic() + 90
        while await self._today_net(client, analytics, headers, tz) < SALE_NET:
            assert time.monotonic() < deadline, "the first sale never reached the analytics summary"
            await asyncio.sleep(0.2)

    async def _measure(
        self,
        stop: asyncio.Event,
        post: Callable[[], Awaitable[None]],
        read: Callable[[], Awaitable[int]],
    ) -> dict[str, float]:
        """One sale at a time: post it, poll until the total moved by its net; until `stop`.
        Returns p50/p99 of that lag, with how long the post itself and one read took (p50)."""
        latencies: list[float] = []
        posts: list[float] = []
        reads: list[float] = []
        total = await read()
        await asyncio.sleep(1)  # the load is under way
        while not stop.is_set():
            started = time.perf_counter()
            await post()
            posts.append((time.perf_counter() - started) * 1000)
            want = total + SALE_NET
            while True:
                before_read = time.perf_counter()
                total = await read()
                reads.append((time.perf_counter() - before_read) * 1000)
                if total >= want:
                    break
                assert time.perf_counter() - started < SAMPLE_TIMEOUT_S, "a sale never became visible"
                await asyncio.sleep(POLL_S)
            latencies.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(POLL_S)
        return {
            "p50": percentile(latencies, 50),
            "p99": percentile(latencies, 99),
            "samples": len(latencies),
            "post_p50": percentile(posts, 50),
            "read_p50": percentile(reads, 50),
        }

    async def _b6_platform(
        self,
        load_client: httpx.AsyncClient,
        probe: httpx.AsyncClient,
        fans: str,
        analytics: str,
        rate: float,
        seconds: float,
        seed: int,
    ) -> dict[str, float]:
        creators = [uuid.uuid4() for _ in range(10)]
        load_headers = [_headers(c) for c in creators]
        rng = Random(seed)
        batches = _batches(rate, seconds, seed)

        async def send(index: int, size: int) -> None:
            now = datetime.now(UTC).isoformat()
            items = [
                {
                    "external_id": f"load-{uuid.uuid4().hex}",
                    "fan": {"external_id": f"fan{(f := rng.randrange(500))}", "display_name": f"Fan {f}"},
                    "type": ("tip", "message", "post")[rng.randrange(3)],
                    "gross_cents": rng.randrange(500, 5000),
                    "currency": "USD",
                    "occurred_at": now,
                }
                for _ in range(size)
            ]
            answer = await load_client.post(
                "/v1/revenue/transactions", headers=load_headers[index % len(creators)], json={"items": items}
            )
            assert answer.status_code == 200 and answer.json()["accepted"] == size, answer.text

        creator, tz = uuid.uuid4(), _midday_zone()
        headers = _headers(creator)
        stop = asyncio.Event()
        measuring = asyncio.create_task(
            self._measure(
                stop,
                lambda: self._post_sale(probe, fans, headers, "measured"),
                lambda: self._today_net(probe, analytics, headers, tz),
            )
        )
        try:
            load_lag = await asyncio.wait_for(_open_loop(batches, send), timeout=seconds + 120)
        finally:
            stop.set()
            measured = await asyncio.wait_for(measuring, timeout=SAMPLE_TIMEOUT_S + 5)
        return measured | {"load_lag_p99": load_lag}

    async def _b6_raw_setup(self) -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.kafka)
        await admin.start()
        try:
            if RAW_TOPIC not in set(await admin.list_topics()):
                await admin.create_topics([NewTopic(RAW_TOPIC, 6, 1)])
        finally:
            await admin.close()
        async with await psycopg.AsyncConnection.connect(libpq_url(self.db_url), autocommit=True) as conn:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS bench_b6_facts (transaction_id uuid PRIMARY KEY, creator_id uuid NOT NULL, "
                "net_cents bigint NOT NULL, occurred_at timestamptz NOT NULL)"
            )
            await conn.execute(
                "CREATE INDEX IF NOT EXISTS bench_b6_facts_creator ON bench_b6_facts (creator_id, occurred_at)"
            )

    async def _b6_raw(self, rate: float, seconds: float, seed: int) -> dict[str, float]:
        """The same path by hand: acks=all idempotent producer, a consumer inserting each fetched
        batch in one transaction (ON CONFLICT DO NOTHING: idempotent like the read model), a reader
        summing the creator's net since the start of the day."""
        producer = AIOKafkaProducer(bootstrap_servers=self.kafka, acks="all", enable_idempotence=True)
        probe = AIOKafkaProducer(bootstrap_servers=self.kafka, acks="all", enable_idempotence=True)
        consumer = AIOKafkaConsumer(RAW_TOPIC, bootstrap_servers=self.kafka, group_id=None, auto_offset_reset="latest")
        writer = await psycopg.AsyncConnection.connect(libpq_url(self.db_url))
        reader = await psycopg.AsyncConnection.connect(libpq_url(self.db_url), autocommit=True)
        await producer.start()
        await probe.start()
        await consumer.start()
        await consumer.seek_to_end()

        async def consume() -> None:
            while True:
                batches = await consumer.getmany(timeout_ms=500, max_records=200)
                records = [json.loads(r.value) for part in batches.values() for r in part]
                if not records:
                    continue
                async with writer.transaction():
                    await writer.execute(
                        "INSERT INTO bench_b6_facts (transaction_id, creator_id, net_cents, occurred_at) "
                        "SELECT * FROM unnest(%s::uuid[], %s::uuid[], %s::bigint[], %s::timestamptz[]) "
                        "ON CONFLICT DO NOTHING",
                        (
                            [r["transaction_id"] for r in records],
                            [r["creator_id"] for r in records],
                            [r["net_cents"] for r in records],
                            [r["occurred_at"] for r in records],
                        ),
                    )

        consuming = asyncio.create_task(consume())
        await asyncio.sleep(0.5)
        rng = Random(seed)
        creators = [str(uuid.uuid4()) for _ in range(10)]
        batches = _batches(rate, seconds, seed)

        def record(creator: str, net: int) -> tuple[bytes, bytes]:
            body = {
                "transaction_id": str(uuid.uuid4()),
                "creator_id": creator,
                "net_cents": net,
                "occurred_at": datetime.now(UTC).isoformat(),
            }
            return creator.encode(), json.dumps(body).encode()

        async def send(index: int, size: int) -> None:
            futures = []
            for _ in range(size):
                key, value = record(creators[index % len(creators)], rng.randrange(400, 4000))
                futures.append(await producer.send(RAW_TOPIC, value=value, key=key))
            await asyncio.gather(*futures)

        measured = str(uuid.uuid4())
        day_start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)

        async def post() -> None:
            key, value = record(measured, SALE_NET)
            await probe.send_and_wait(RAW_TOPIC, value=value, key=key)

        async def read() -> int:
            cursor = await reader.execute(
                "SELECT coalesce(sum(net_cents), 0) FROM bench_b6_facts WHERE creator_id = %s AND occurred_at >= %s",
                (measured, day_start),
            )
            row = await cursor.fetchone()
            return int(row[0])  # type: ignore[index]

        stop = asyncio.Event()
        measuring = asyncio.create_task(self._measure(stop, post, read))
        try:
            await asyncio.wait_for(_open_loop(batches, send), timeout=seconds + 120)
        finally:
            stop.set()
            try:
                measured = await asyncio.wait_for(measuring, timeout=SAMPLE_TIMEOUT_S + 5)
            finally:
                consuming.cancel()
                await asyncio.gather(consuming, return_exceptions=True)
                await consumer.stop()
                await producer.stop()
                await probe.stop()
                await writer.close()
                await reader.close()
        return measured

    # B7 -------------------------------------------------------------------------------------------
    async def b7(self, rows: int = 200_000) -> Result:
        """A 200,000-row OnlyFans statement uploaded to fans (`POST /v1/revenue/imports`) until the
        import is `done` ÷ the same file parsed with fans.statement and COPYed into a plain table
        (one transaction, psycopg `cursor.copy`). Ours also stages the rows, matches duplicates,
        updates fan profiles and segments, and emits one `transaction.recorded` per row through the
        outbox. Peak RSS of the fans process (VmHWM of a freshly started process) and its growth
        over the idle process. One import (it takes minutes); the baseline's figure is the median of
        ROUNDS runs."""
        say(f"B7 statement import: {rows:,} rows; raw COPY {ROUNDS} rounds, then one import (minutes long)")
        path, size = await asyncio.to_thread(self._b7_statement, rows)
        try:
            say(f"  statement: {size / 2**20:.1f} MiB")
            raw_runs: list[float] = []
            for round_ in range(ROUNDS):
                raw_runs.append(await asyncio.to_thread(self._b7_raw_copy, path, rows))
                say(f"  raw round {round_ + 1}: parse + COPY {raw_runs[-1]:,.0f} rows/s")
            parse_rate = await asyncio.to_thread(self._b7_parse_only, path, rows)
            say(f"  parsing alone: {parse_rate:,.0f} rows/s")
            o = await self._b7_import(path, rows)
            say(
                f"  ours: {o['rate']:,.0f} rows/s ({o['elapsed_s']:.1f} s, of which upload + staging "
                f"{o['upload_s']:.1f} s), peak RSS {o['peak_mib']:.0f} MiB (+{o['growth_mib']:.0f} over idle), "
                f"{o['events']:,.0f} transaction.recorded on Kafka ({o['events_at_done']:,.0f} when done)"
            )
        finally:
            await asyncio.to_thread(path.unlink, missing_ok=True)
        baseline = median(raw_runs)
        return Result(
            "B7",
            "statement import",
            o["rate"],
            baseline,
            o["rate"] / baseline,
            None,
            "rows/s",
            details={
                "rows": rows,
                "file_mib": round(size / 2**20, 1),
                "elapsed_s": o["elapsed_s"],
                "upload_and_staging_s": o["upload_s"],
                "peak_rss_mib": o["peak_mib"],
                "idle_rss_mib": o["idle_mib"],
                "rss_growth_mib": o["growth_mib"],
                "transaction_recorded_on_kafka_at_done": o["events_at_done"],
                "transaction_recorded_on_kafka": o["events"],
                "outbox_drained_s_after_done": o["drain_s"],
                "parse_only_rows_per_s": parse_rate,
                "rounds_raw": raw_runs,
                "raw": "open_statement + parse_line + psycopg COPY into a plain table, one transaction",
            },
        )

    def _b7_statement(self, rows: int) -> tuple[Path, int]:
        """The generated statement in a temporary file (streamed: never held in memory)."""
        handle, name = tempfile.mkstemp(prefix="bench-b7-", suffix=".csv")
        with os.fdopen(handle, "wb") as out:
            generate_statement(
                seed=7,
                rows=rows,
                start=datetime.now(UTC) - timedelta(days=200),
                tz=ZoneInfo("UTC"),
                fans=5000,
                edge_cases=False,
            ).write(out)
        path = Path(name)
        return path, path.stat().st_size

    def _b7_parse_only(self, path: Path, rows: int) -> float:
        started, parsed = time.perf_counter(), 0
        with path.open("rb") as f:
            for line in open_statement(f):
                parse_line(line, UTC)
                parsed += 1
        assert parsed == rows, parsed
        return rows / (time.perf_counter() - started)

    def _b7_raw_copy(self, path: Path, rows: int) -> float:
        with psycopg.connect(libpq_url(self.db_url)) as conn:
            conn.execute("DROP TABLE IF EXISTS bench_b7_rows")
            conn.execute(
                "CREATE TABLE bench_b7_rows (line_no int, type text, fan_external_id text, fan_display_name text, "
                "gross_cents bigint, fee_cents bigint, net_cents bigint, occurred_at timestamptz, status text)"
            )
            conn.commit()
            started, copied = time.perf_counter(), 0
            with (
                conn.transaction(),
                conn.cursor() as cursor,
                cursor.copy(
                    "COPY bench_b7_rows (line_no, type, fan_external_id, fan_display_name, gross_cents, fee_cents, "
                    "net_cents, occurred_at, status) FROM STDIN"
                ) as copy,
                path.open("rb") as f,
            ):
                for line in open_statement(f):
                    try:
                        r = parse_line(line, UTC)
                    except RowRejected:
                        continue
                    copy.write_row(
                        (
                            r.line_no,
                            r.type,
                            r.fan_external_id,
                            r.fan_display_name,
                            r.gross_cents,
                            r.fee_cents,
                            r.net_cents,
                            r.occurred_at,
                            r.status,
                        )
                    )
                    copied += 1
            elapsed = time.perf_counter() - started
        assert copied == rows, copied
        return rows / elapsed

    async def _b7_import(self, path: Path, rows: int) -> dict[str, float]:
        procs = self.processes(["fans"], extra={"FANS_MAX_IMPORT_BYTES": str(64 * 2**20)})
        fans = procs["fans"]
        assert fans.proc is not None
        pid = fans.proc.pid
        fans_db = await psycopg.AsyncConnection.connect(libpq_url(self.env["FANS_DATABASE_URL"]), autocommit=True)
        headers = _headers(uuid.uuid4())
        peak = 0
        sampling = True

        async def sample() -> None:
            nonlocal peak
            while sampling:
                peak = max(peak, _rss_kib(pid)["VmRSS"])
                await asyncio.sleep(0.05)

        try:
            await asyncio.sleep(2)  # settled after start-up
            idle = _rss_kib(pid)["VmRSS"]
            before = await self._topic_end()
            sampler = asyncio.create_task(sample())
            async with httpx.AsyncClient(base_url=fans.url, timeout=600) as client:
                started_wall, started = time.time(), time.perf_counter()
                with path.open("rb") as f:
                    answer = await client.post(
                        "/v1/revenue/imports", headers=headers, files={"file": ("statement.csv", f, "text/csv")}
                    )
                assert answer.status_code == 202, answer.text
                upload_s = time.perf_counter() - started
                import_id = answer.json()["import_id"]
                deadline = time.monotonic() + 1200
                while True:
                    body = (await client.get(f"/v1/revenue/imports/{import_id}", headers=headers)).json()
                    if body["status"] != "running":
                        break
                    assert time.monotonic() < deadline, f"import not done after 20 min: {body}"
                    await asyncio.sleep(0.25)
            at_done = await self._topic_end()
            sampling = False
            await sampler
            hwm = _rss_kib(pid)["VmHWM"]
            assert body["status"] == "done", body
            assert (body["imported"], body["rejected"]) == (rows, 0), body
            finished = datetime.fromisoformat(body["finished_at"]).timestamp()
            elapsed = finished - started_wall
            drain_started = time.monotonic()
            unpublished = "SELECT count(*) FROM outbox WHERE published_at IS NULL"
            while (await (await fans_db.execute(unpublished)).fetchone())[0]:  # type: ignore[index]
                assert time.monotonic() - drain_started < 300, "the fans outbox did not drain in 5 min"
                await asyncio.sleep(0.5)
            drain_s = time.monotonic() - drain_started
            after = await self._topic_end()
        finally:
            sampling = False
            await fans_db.close()
            fans.stop()
        peak = max(peak, hwm)
        return {
            "rate": rows / elapsed,
            "elapsed_s": elapsed,
            "upload_s": upload_s,
            "idle_mib": idle / 1024,
            "peak_mib": peak / 1024,
            "growth_mib": (peak - idle) / 1024,
            "events_at_done": at_done - before,
            "events": after - before,
            "drain_s": drain_s,
        }

    async def _topic_end(self) -> int:
        """How many transaction.recorded records the topic holds (sum of its end offsets)."""
        spec = REGISTRY.for_model(TransactionRecorded)
        consumer = AIOKafkaConsumer(bootstrap_servers=self.kafka)
        await consumer.start()
        try:
            ends = await consumer.end_offsets([TopicPartition(spec.topic, p) for p in range(spec.partitions)])
            return sum(ends.values())
        finally:
            await consumer.stop()
