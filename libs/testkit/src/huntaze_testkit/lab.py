"""The fault lab: services as real processes, faults injected into them and into the broker and
database of the `faults` profile (or `faults2`, the second half side by side), and effects counted
afterwards. Used by tests/faults."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import OffsetAndMetadata
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from huntaze_events import REGISTRY, Envelope, EventSpec, FanRef, SubscriptionStarted, make_envelope

from . import ServiceProcess


@dataclass
class Report:
    """One scenario's line: what went in, what came out."""

    name: str
    produced: int = 0
    effects: int = 0
    duplicates: int = 0
    lost: int = 0
    dlq: int = 0
    recovery_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        fields = [
            f"{self.name} produced={self.produced}",
            f"effects={self.effects}",
            f"duplicates={self.duplicates}",
            f"lost={self.lost}",
            f"dlq={self.dlq}",
            f"recovery_s={self.recovery_s:.1f}",
        ]
        fields += [f"{k}={v}" for k, v in self.extra.items()]
        return " ".join(fields)


def emit(capsys: Any, report: Report) -> None:
    """Prints a scenario's line past pytest's capture (the suite's output is these lines), then
    holds it to the two rules every scenario keeps: nothing lost, no effect twice."""
    with capsys.disabled():
        print("\n" + report.line(), flush=True)
    assert report.lost == 0, report.line()
    assert report.duplicates == 0, report.line()


class Lab:
    def __init__(self, env: dict[str, str], engine: AsyncEngine, root: Path, logdir: Path) -> None:
        self.env = env
        self.root = root
        self.logdir = logdir
        self.kafka = env["KAFKA_BOOTSTRAP_SERVERS"]
        self.db = engine
        self.processes: list[ServiceProcess] = []
        self.profile = env.get("HUNTAZE_PROFILE", "faults")
        # its processes' ports: 18900 up on `faults`, 22900 up on `faults2` (clear of every profile's others)
        self._port = 7900 + int(env.get("HUNTAZE_TEST_PORT_OFFSET", "11000"))

    # processes ----------------------------------------------------------------------------------
    def faultbox(self, role: str = "all", **settings: Any) -> ServiceProcess:
        self._port += 1
        env = dict(self.env)
        env["FAULTBOX_DATABASE_URL"] = self.env["SANDBOX_DATABASE_URL"]
        env["FAULTBOX_HTTP_PORT"] = str(self._port)
        env["FAULTBOX_LOG_LEVEL"] = "WARNING"
        env["FAULTBOX_CONSUMER_BATCH_SIZE"] = "100"
        env["FAULTBOX_RETRY_INITIAL_BACKOFF_S"] = "0.05"
        env["FAULTBOX_RETRY_MAX_BACKOFF_S"] = "0.5"
        env["FAULTBOX_SHUTDOWN_GRACE_S"] = "10"
        for key, value in settings.items():
            env[f"FAULTBOX_{key.upper()}"] = str(value)
        proc = ServiceProcess(
            f"faultbox-{self._port}",
            self._port,
            env,
            self.logdir,
            module="huntaze_testkit.faultbox",
            args=["--role", role],
        )
        self.processes.append(proc)
        proc.start()
        proc.wait_ready()
        return proc

    def service(self, name: str, role: str = "worker", port: int = 0, **env_extra: str) -> ServiceProcess:
        env = dict(self.env)
        self._port += 1
        env[f"{name.upper()}_HTTP_PORT"] = str(port or self._port)
        env[f"{name.upper()}_ROLE"] = role
        env[f"{name.upper()}_LOG_LEVEL"] = "WARNING"
        env.update(env_extra)
        proc = ServiceProcess(name, port or self._port, env, self.logdir)
        self.processes.append(proc)
        proc.start()
        proc.wait_ready()
        return proc

    def stop_all(self) -> None:
        for proc in self.processes:
            proc.stop()
        self.processes.clear()

    # infrastructure faults ------------------------------------------------------------------------
    async def infra(self, command: str, *args: str) -> None:
        """tools/infra.py <command> on the lab's profile, in a thread: the stream goes on meanwhile."""
        await asyncio.to_thread(
            subprocess.run,
            [sys.executable, str(self.root / "tools" / "infra.py"), command, "--profile", self.profile, *args],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    # feeding --------------------------------------------------------------------------------------
    async def produce(
        self, spec: EventSpec, envelopes: Iterable[Envelope[Any]], copies: int = 1, per_second: float = 0
    ) -> int:
        producer = AIOKafkaProducer(bootstrap_servers=self.kafka, acks="all", linger_ms=5)
        await producer.start()
        sent = 0
        started = time.monotonic()
        try:
            for envelope in envelopes:
                value = envelope.to_json()
                key = spec.key_for(envelope.payload).encode()
                for _ in range(copies):
                    await producer.send(spec.topic, value=value, key=key)
                    sent += 1
                if per_second and sent % 100 == 0:
                    ahead = sent / per_second - (time.monotonic() - started)
                    if ahead > 0:
                        await asyncio.sleep(ahead)
            await producer.flush()
        finally:
            await producer.stop()
        return sent

    async def produce_all(self, envelopes: Iterable[Envelope[Any]], per_second: float = 0) -> int:
        """Every envelope to its own topic, one producer per event type, all at once (each at
        ``per_second``): the types arrive alongside each other, in the order given within each."""
        by_type: dict[type, list[Envelope[Any]]] = {}
        for envelope in envelopes:
            by_type.setdefault(type(envelope.payload), []).append(envelope)
        sent = await asyncio.gather(
            *(self.produce(REGISTRY.for_model(model), batch, per_second=per_second) for model, batch in by_type.items())
        )
        return sum(sent)

    async def kill_when(
        self, process: ServiceProcess, count: Callable[[], Awaitable[int]], at_least: int, timeout_s: float = 120
    ) -> tuple[int, float]:
        """SIGKILLs ``process`` once ``count()`` reaches ``at_least``, restarts it and waits until it is
        ready; returns the count it was killed at and the monotonic time of the restart."""
        deadline = time.monotonic() + timeout_s
        while (reached := await count()) < at_least:
            assert time.monotonic() < deadline, (reached, self.log_tails())
            await asyncio.sleep(0.02)
        process.kill(signal.SIGKILL)
        restarted = time.monotonic()
        await asyncio.sleep(1)
        process.start()
        await asyncio.to_thread(process.wait_ready)
        return reached, restarted

    async def produce_raw(self, topic: str, key: bytes, value: bytes) -> None:
        producer = AIOKafkaProducer(bootstrap_servers=self.kafka, acks="all")
        await producer.start()
        try:
            await producer.send_and_wait(topic, value=value, key=key)
        finally:
            await producer.stop()

    async def ingest(self, url: str, run: str, items: list[tuple[str, int]], per_second: float = 0) -> int:
        """POSTs items through the API (the outbox) in chunks of 50, retrying 503s and connection
        errors until each chunk is accepted; returns the number of HTTP retries it needed."""
        retries = 0
        started = time.monotonic()
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            for start in range(0, len(items), 50):
                if per_second:
                    ahead = start / per_second - (time.monotonic() - started)
                    if ahead > 0:
                        await asyncio.sleep(ahead)
                chunk = [{"key": k, "seq": s} for k, s in items[start : start + 50]]
                while True:
                    try:
                        answer = await client.post("/ingest", json={"run": run, "items": chunk})
                        if answer.status_code == 202:
                            break
                        assert answer.status_code == 503, answer.text
                    except httpx.TransportError:
                        pass
                    retries += 1
                    await asyncio.sleep(0.2)
        return retries

    async def schedule(
        self, url: str, run: str, items: list[tuple[str, int]], start_in_ms: int, spread_ms: int
    ) -> None:
        """Schedules one durable timer per item through the faultbox API, in chunks."""
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            for start in range(0, len(items), 1000):
                chunk = items[start : start + 1000]
                offset = spread_ms * start // max(len(items), 1)
                answer = await client.post(
                    "/schedule",
                    json={
                        "run": run,
                        "items": [{"key": k, "seq": s} for k, s in chunk],
                        "start_in_ms": start_in_ms + offset,
                        "spread_ms": spread_ms * len(chunk) // max(len(items), 1),
                    },
                )
                assert answer.status_code == 202, answer.text

    async def record_calls(self, url: str, run: str, items: list[tuple[str, int]]) -> None:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            for start in range(0, len(items), 1000):
                chunk = [{"key": k, "seq": s} for k, s in items[start : start + 1000]]
                answer = await client.post("/calls", json={"run": run, "items": chunk})
                assert answer.status_code == 202, answer.text

    # counting -------------------------------------------------------------------------------------
    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.db.connect() as conn:
            return (await conn.execute(text(sql), params)).scalar()

    async def effects(self, run: str, consumer: str) -> dict[str, Any]:
        async with self.db.connect() as conn:
            rows = (
                await conn.execute(
                    text("SELECT key, seq FROM effects WHERE run = :run AND consumer = :c ORDER BY id"),
                    {"run": run, "c": consumer},
                )
            ).all()
        per_item = Counter((r.key, r.seq) for r in rows)
        last: dict[str, int] = {}
        reorders = 0
        for r in rows:
            if r.key in last and r.seq < last[r.key]:
                reorders += 1
            last[r.key] = max(r.seq, last.get(r.key, -1))
        return {"rows": len(rows), "items": per_item, "reorders": reorders}

    async def wait_effects(self, run: str, consumer: str, expected: int, timeout: float = 120) -> float:
        started = time.monotonic()
        reached = 0
        while time.monotonic() - started < timeout:
            reached = await self.scalar(
                "SELECT count(DISTINCT (key, seq)) FROM effects WHERE run = :run AND consumer = :c",
                run=run,
                c=consumer,
            )
            if reached >= expected:
                return time.monotonic() - started
            await asyncio.sleep(0.25)
        raise AssertionError(
            f"{consumer} did not reach {expected} effects for {run} in {timeout}s (reached {reached})\n"
            + self.log_tails()
        )

    def log_tails(self, lines: int = 15) -> str:
        """The last lines of each running process's log: what a failed wait prints, so a CI failure
        says why without the log files."""
        return "\n".join(
            f"--- {proc.name} (exit code {proc.proc.poll() if proc.proc else None})\n{proc.tail(lines)}"
            for proc in self.processes
        )

    async def topic_records(self, topic: str, where: Any = None, timeout_s: float = 60) -> list[Any]:
        """Every record of the topic up to its end offsets as they are now (not "until quiet": a slow
        first fetch on a loaded machine would read nothing and count nothing)."""
        try:
            partitions = await self.partitions(topic)
        except AssertionError:
            return []  # the topic does not exist (a dead-letter topic nothing was ever sent to)
        consumer = AIOKafkaConsumer(bootstrap_servers=self.kafka, group_id=None, enable_auto_commit=False)
        await consumer.start()
        records: list[Any] = []
        try:
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            ends = await consumer.end_offsets(partitions)
            deadline = time.monotonic() + timeout_s
            while [tp for tp, end in ends.items() if await consumer.position(tp) < end]:
                assert time.monotonic() < deadline, f"{topic}: could not read up to {ends} in {timeout_s}s"
                batch = await consumer.getmany(timeout_ms=500)
                for part in batch.values():
                    records.extend(r for r in part if where is None or where(r))
        finally:
            await consumer.stop()
        return records

    async def partitions(self, topic: str) -> list[TopicPartition]:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.kafka)
        await admin.start()
        try:
            (described,) = await admin.describe_topics([topic])
        finally:
            await admin.close()
        partitions = [TopicPartition(topic, p["partition"]) for p in described["partitions"]]
        assert partitions, f"no partitions for {topic}"
        return partitions

    async def reset_group(self, group: str, topic: str) -> None:
        """Moves a stopped consumer group back to offset 0 on every partition (a replay)."""
        consumer = AIOKafkaConsumer(bootstrap_servers=self.kafka, group_id=group, enable_auto_commit=False)
        await consumer.start()
        try:
            partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
            if not partitions:
                await consumer._client.force_metadata_update()
                partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
            consumer.assign(partitions)
            await consumer.commit({tp: OffsetAndMetadata(0, "") for tp in partitions})
        finally:
            await consumer.stop()

    async def lag(self, group: str, topic: str) -> int:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.kafka)
        await admin.start()
        consumer = AIOKafkaConsumer(bootstrap_servers=self.kafka)
        await consumer.start()
        try:
            committed = await admin.list_consumer_group_offsets(group)
            partitions = await self.partitions(topic)
            ends = await consumer.end_offsets(partitions)
            return sum(
                ends[tp] - (committed[tp].offset if tp in committed and committed[tp].offset >= 0 else 0)
                for tp in partitions
            )
        finally:
            await consumer.stop()
            await admin.close()


def wire_duplicates(records: list[Any]) -> int:
    ids = Counter(json.loads(r.value)["event_id"] for r in records if r.value)
    return sum(n - 1 for n in ids.values())


def run_of(record: Any) -> str | None:
    try:
        return json.loads(record.value)["payload"]["run"]
    except (ValueError, KeyError, TypeError):
        return None


def new_run(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def items_for(keys: int, per_key: int) -> list[tuple[str, int]]:
    """Items interleaved by sequence: k0#0, k1#0, …, k0#1, … (a per-key sequence number)."""
    return [(f"k{k}", seq) for seq in range(per_key) for k in range(keys)]


def grouped(items: Iterable[tuple[str, int]]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = defaultdict(list)
    for key, seq in items:
        out[key].append(seq)
    return out


class PostingPeer:
    """A remote peer with no idempotency keys (like a social network's post API): every POST
        /posts creates a post, so a repeated call is a duplicate effect; GET /posts?ref=<client ref>
        looks a post up. Each POST is created at once and answered ``delay_s`` later (calls are in flight,
    done at the peer but not answered, when a worker dies)."""

    def __init__(self, delay_s: float = 0.0) -> None:
        import threading

        from . import LocalHTTPServer

        self.delay_s = delay_s
        self.posts: Counter[str] = Counter()
        self.lookups = 0
        self._lock = threading.Lock()
        self.server = LocalHTTPServer(self._respond)

    def _respond(self, method: str, path: str, headers: dict[str, str], body: Any) -> tuple[int, Any]:
        from urllib.parse import parse_qs, urlparse

        if method == "GET":
            ref = parse_qs(urlparse(path).query).get("ref", [""])[0]
            with self._lock:
                self.lookups += 1
                found = self.posts.get(ref, 0) > 0
            return (200, {"id": ref}) if found else (404, {"error": "not found"})
        ref = str((body or {}).get("ref"))
        with self._lock:
            self.posts[ref] += 1
        # the post exists from here on, but its answer takes delay_s: a worker dying meanwhile
        # leaves the call done at the peer and unrecorded on our side (the case reconciliation
        # is for), for every call in flight rather than only those in the few ms after an answer
        time.sleep(self.delay_s)
        return 201, {"id": ref}

    def __enter__(self) -> PostingPeer:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)


async def post_until_answered(
    client: httpx.AsyncClient, url: str, body: Any, ok: int, headers: Callable[[], dict[str, str]]
) -> Any:
    """POSTs until the service answers ``ok``, as the gateway's client and the connector retry across
    a crash: a refused connection or a 5xx is tried again (with fresh ``headers()``: an internal token
    is short-lived); any other answer fails the test. Returns the answer's JSON."""
    while True:
        try:
            answer = await client.post(url, json=body, headers=headers())
            if answer.status_code == ok:
                return answer.json()
            assert answer.status_code >= 500, answer.text
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)


def new_subscribers(creator: uuid.UUID, fans: Sequence[FanRef], at: datetime) -> list[Envelope[Any]]:
    """``subscription.started`` of each fan, first time, as the fans service announces them (new
    event ids on every call: a redelivery the event-id record does not catch)."""
    return [
        make_envelope(
            SubscriptionStarted(
                fan_id=f.fan_id,
                fan=f,
                started_at=at,
                expires_at=at + timedelta(days=30),
                auto_renew=True,
                price_cents=999,
                currency="USD",
                first_time=True,
            ),
            producer="fans",
            creator_id=creator,
        )
        for f in fans
    ]
