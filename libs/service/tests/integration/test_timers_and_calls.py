"""Durable timers, external calls and the one consumer per service, on the real PostgreSQL and Kafka.

Each test runs runtimes of a throw-away service (``sandbox``) in this process; their effects land in
tables of the ``sandbox`` database, where they are counted.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from huntaze_events import REGISTRY, Envelope, EventPayload, EventSpec, make_envelope
from huntaze_service import (
    Call,
    CallFailed,
    PermanentError,
    Recurrence,
    Role,
    ServiceSettings,
    Subscriptions,
    Timer,
)
from huntaze_service.db import libpq_url
from huntaze_service.migrations import CHASSIS_SCHEMA
from huntaze_service.runtime import Runtime
from huntaze_service.timers import store
from huntaze_testkit import LocalHTTPServer, eventually

TENANT = uuid.UUID(int=7)


class Probe(BaseModel):
    run: str
    n: int = 0


@pytest.fixture(scope="module")
async def db(infra: Any) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(infra.url("sandbox"))
    async with engine.begin() as conn:
        await conn.execute(text("DROP TABLE IF EXISTS outbox, processed_events, timers, timer_effects"))
        for statement in CHASSIS_SCHEMA:
            await conn.execute(text(statement))
        await conn.execute(
            text(
                "CREATE TABLE timer_effects (run text, kind text, key text, worker text, due_at timestamptz, "
                "fired_at timestamptz DEFAULT clock_timestamp())"
            )
        )
    yield engine
    await engine.dispose()


def settings(infra: Any, **overrides: Any) -> ServiceSettings:
    values: dict[str, Any] = {
        "service_name": "sandbox",
        "database_url": infra.url("sandbox"),
        "kafka_bootstrap_servers": infra.kafka,
        "role": Role.WORKER,
        "retry_max_attempts": 3,
        "retry_initial_backoff_s": 0.05,
        "retry_max_backoff_s": 0.2,
        "timer_poll_interval_s": 0.5,
        "log_level": "WARNING",
    }
    values.update(overrides)
    return ServiceSettings(**values)


async def record(uow: Any, run: str, kind: str, key: str, worker: str, due_at: datetime | None = None) -> None:
    await uow.session.execute(
        text("INSERT INTO timer_effects (run, kind, key, worker, due_at) VALUES (:r, :k, :key, :w, :d)"),
        {"r": run, "k": kind, "key": key, "w": worker, "d": due_at},
    )


async def effects(db: AsyncEngine, run: str) -> list[Any]:
    async with db.connect() as conn:
        return list(
            (await conn.execute(text("SELECT * FROM timer_effects WHERE run = :r ORDER BY fired_at"), {"r": run})).all()
        )


async def timer_rows(infra: Any, where: str = "true") -> list[dict[str, Any]]:
    async with await psycopg.AsyncConnection.connect(libpq_url(infra.url("sandbox")), autocommit=True) as conn:
        cursor = await conn.execute(f"SELECT kind, key, state, attempts, last_error FROM timers WHERE {where}")
        names = [c.name for c in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in await cursor.fetchall()]


def timer_subscriptions(worker: str, failures: Counter[str] | None = None) -> Subscriptions:
    subs = Subscriptions()

    @subs.timer("probe_fire", Probe)
    async def fire(uow: Any, timer: Timer[Probe]) -> None:
        if failures is not None:
            failures[timer.key] += 1
            if timer.key.startswith("refused"):
                raise PermanentError("this can never work")
            if timer.key.startswith("doomed") or (timer.key.startswith("flaky") and failures[timer.key] == 1):
                raise RuntimeError(f"injected failure {failures[timer.key]}")
        assert timer.fired_at >= timer.due_at
        await record(uow, timer.payload.run, timer.kind, timer.key, worker, timer.due_at)

    return subs


async def test_timers_fire_once_at_their_time_across_two_replicas_moved_and_cancelled(infra: Any, db: Any) -> None:
    run = uuid.uuid4().hex[:8]
    replicas = [Runtime(settings(infra), timer_subscriptions(f"w{i}")) for i in range(2)]
    for runtime in replicas:
        await runtime.start()
    try:
        start = datetime.now(UTC) + timedelta(seconds=1)
        keys = [f"{run}-{i}" for i in range(400)]
        async with replicas[0].uow() as uow:
            for i, key in enumerate(keys):
                uow.schedule(
                    "probe_fire",
                    key=key,
                    at=start + timedelta(milliseconds=5 * i),
                    payload=Probe(run=run),
                    tenant=TENANT,
                )
            uow.schedule(
                "probe_fire", key=f"{run}-moved", at=start + timedelta(hours=1), payload=Probe(run=run), tenant=TENANT
            )
            uow.schedule("probe_fire", key=f"{run}-cancelled", at=start, payload=Probe(run=run), tenant=TENANT)
            await uow.commit()
        async with replicas[1].uow() as uow:  # another process moves one and cancels one
            uow.schedule(
                "probe_fire", key=f"{run}-moved", at=start + timedelta(seconds=1), payload=Probe(run=run), tenant=TENANT
            )
            uow.cancel("probe_fire", key=f"{run}-cancelled")
            await uow.commit()
        await eventually(lambda: _count(db, run, len(keys) + 1), timeout=30)
        await asyncio.sleep(1.5)  # anything fired twice would show now
    finally:
        for runtime in replicas:
            await runtime.stop()
    fired = await effects(db, run)
    per_key = Counter(r.key for r in fired)
    assert set(per_key) == set(keys) | {f"{run}-moved"}, "a timer was lost, or a cancelled one fired"
    assert max(per_key.values()) == 1, "a timer fired twice"
    assert all(r.fired_at >= r.due_at for r in fired), "a timer fired before its time"
    assert {r.worker for r in fired} == {"w0", "w1"}, "both replicas claim timers"
    assert await timer_rows(infra, f"key LIKE '{run}%'") == [], "fired one-shot timers are deleted"


async def _count(db: AsyncEngine, run: str, expected: int) -> bool:
    return len(await effects(db, run)) >= expected


async def test_failures_are_retried_then_buried_and_a_dead_replicas_claim_runs_out(infra: Any, db: Any) -> None:
    run = uuid.uuid4().hex[:8]
    failures: Counter[str] = Counter()
    runtime = Runtime(settings(infra, timer_lease_s=1.0), timer_subscriptions("w", failures))
    # A replica that claimed a timer and died: its claim holds for one second, then another fires it.
    writer = Runtime(settings(infra, role=Role.API), timer_subscriptions("api"))
    await writer.start()
    now = datetime.now(UTC)
    async with writer.uow() as uow:
        uow.schedule("probe_fire", key=f"orphan-{run}", at=now, payload=Probe(run=run), tenant=TENANT)
        await uow.commit()
    async with await psycopg.AsyncConnection.connect(libpq_url(infra.url("sandbox")), autocommit=True) as conn:
        (claimed,) = await store.claim(conn, calls=False, limit=1, lease_s=1.0)
    async with writer.uow() as uow:
        for key in ("flaky", "doomed", "refused"):
            uow.schedule("probe_fire", key=f"{key}-{run}", at=now, payload=Probe(run=run), tenant=TENANT)
        await uow.commit()
    assert claimed.key == f"orphan-{run}"
    await runtime.start()
    try:
        await eventually(lambda: _count(db, run, 2), timeout=20)
        await eventually(lambda: _dead(infra, run, 2), timeout=20)
    finally:
        await runtime.stop()
        await writer.stop()
    assert Counter(r.key.split("-")[0] for r in await effects(db, run)) == {"orphan": 1, "flaky": 1}
    dead = {r["key"].split("-")[0]: r for r in await timer_rows(infra, f"key LIKE '%{run}' AND state = 'dead'")}
    assert dead["doomed"]["attempts"] == 3 and "injected failure 3" in dead["doomed"]["last_error"]
    assert dead["refused"]["attempts"] == 1 and "can never work" in dead["refused"]["last_error"]
    # failed once, then fired (a batch rolled back by another timer's failure may fire it once more,
    # in a transaction that did not commit: its effect above is counted once)
    assert failures[f"flaky-{run}"] >= 2


async def _dead(infra: Any, run: str, expected: int) -> bool:
    return len(await timer_rows(infra, f"key LIKE '%{run}' AND state = 'dead'")) >= expected


async def test_a_recurring_timer_fires_on_each_occurrence(infra: Any, db: Any) -> None:
    run = uuid.uuid4().hex[:8]
    runtime = Runtime(settings(infra), timer_subscriptions("w"))
    await runtime.start()
    try:
        first = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
        async with runtime.uow() as uow:
            every_second = Recurrence("FREQ=SECONDLY;INTERVAL=1", "Europe/Paris")
            uow.schedule(
                "probe_fire", key=f"{run}-tick", at=first, payload=Probe(run=run), tenant=TENANT, every=every_second
            )
            await uow.commit()
        await eventually(lambda: _count(db, run, 3), timeout=20)
        async with runtime.uow() as uow:
            uow.cancel("probe_fire", key=f"{run}-tick")
            await uow.commit()
    finally:
        await runtime.stop()
    fired = await effects(db, run)
    due = [r.due_at for r in fired]
    assert due[:3] == [first + timedelta(seconds=i) for i in range(3)], "each occurrence once, in order"


# external calls -----------------------------------------------------------------------------------------


class HeldPeer:
    """A remote peer that holds its first answers until released, and counts requests per key."""

    def __init__(self, hold: int) -> None:
        self.release = threading.Event()
        self.hold = hold
        self.posts: Counter[str] = Counter()
        self.landed: set[str] = set()
        self._lock = threading.Lock()
        self.server = LocalHTTPServer(self.respond)

    def respond(self, method: str, path: str, headers: dict[str, str], body: Any) -> tuple[int, Any]:
        key = headers.get("idempotency-key") or str((body or {}).get("key"))
        if method == "GET":  # lookup by client reference, for peers without idempotency keys
            ref = path.rsplit("=", 1)[-1]
            return (200, {"id": ref}) if ref in self.landed else (404, {"error": "no such post"})
        with self._lock:
            self.posts[key] += 1
            held = len(self.posts) <= self.hold
        if held:
            self.release.wait(timeout=20)
        self.landed.add(key)
        return 200, {"id": key}


def call_subscriptions(peer_url: str, *, reconcile: bool = False) -> Subscriptions:
    subs = Subscriptions()

    async def remote(call: Call[Probe]) -> str:
        async with httpx.AsyncClient(timeout=30) as client:
            answer = await client.post(
                f"{peer_url}/posts", json={"key": call.key}, headers={"Idempotency-Key": call.idempotency_key}
            )
        if answer.status_code >= 500:
            raise CallFailed(f"peer answered {answer.status_code}")
        return str(answer.json()["id"])

    async def look_up(call: Call[Probe]) -> str | None:
        async with httpx.AsyncClient(timeout=5) as client:
            answer = await client.get(f"{peer_url}/posts?ref={call.key}")
        return str(answer.json()["id"]) if answer.status_code == 200 else None

    async def recorded(uow: Any, call: Call[Probe], result: str) -> None:
        await record(uow, call.payload.run, call.kind, call.key, f"reconciling={call.reconciling}")

    subs.call(
        "probe_call", Probe, remote=remote, on_result=recorded, reconcile=look_up if reconcile else None, timeout_s=15
    )
    return subs


async def test_no_database_connection_is_held_while_a_peer_takes_ten_seconds(infra: Any, db: Any) -> None:
    run = uuid.uuid4().hex[:8]
    peer = HeldPeer(hold=5)
    with peer.server:
        runtime = Runtime(
            settings(infra, db_pool_size=1, db_max_overflow=0, db_pool_timeout_s=2.0),
            call_subscriptions(peer.server.url),
        )
        await runtime.start()
        try:
            async with runtime.uow() as uow:
                for i in range(5):
                    uow.call("probe_call", key=f"{run}-{i}", payload=Probe(run=run), tenant=TENANT)
                await uow.commit()
            await eventually(lambda: len(peer.posts) == 5, timeout=10)
            assert runtime.engine is not None
            held_since = asyncio.get_running_loop().time()
            # Five calls are waiting for the peer; the pool's one connection serves everyone else,
            # which would time out after 2 s (and fail here) if a call held it.
            while asyncio.get_running_loop().time() - held_since < 10:
                assert runtime.engine.pool.checkedout() == 0
                async with runtime.uow() as uow:
                    assert await uow.session.scalar(text("SELECT 1")) == 1
                    await uow.commit()
                await asyncio.sleep(0.25)
            assert len(await effects(db, run)) == 0, "no outcome before the peer answered"
            peer.release.set()
            await eventually(lambda: _count(db, run, 5), timeout=20)
        finally:
            peer.release.set()
            await runtime.stop()
    assert Counter(r.key for r in await effects(db, run)) == {f"{run}-{i}": 1 for i in range(5)}
    assert await timer_rows(infra, f"key LIKE '{run}%'") == [], "recorded calls are done"


async def test_a_call_whose_worker_died_after_the_peer_acted_is_reconciled_not_repeated(infra: Any, db: Any) -> None:
    run = uuid.uuid4().hex[:8]
    peer = HeldPeer(hold=0)
    with peer.server:
        writer = Runtime(settings(infra, role=Role.API), call_subscriptions(peer.server.url, reconcile=True))
        await writer.start()
        async with writer.uow() as uow:
            uow.call("probe_call", key=f"{run}-landed", payload=Probe(run=run), tenant=TENANT)
            uow.call("probe_call", key=f"{run}-lost", payload=Probe(run=run), tenant=TENANT)
            await uow.commit()
        await writer.stop()
        # A worker claims both, reaches the peer for the first only, and dies before recording.
        async with await psycopg.AsyncConnection.connect(libpq_url(infra.url("sandbox")), autocommit=True) as conn:
            claimed = await store.claim(conn, calls=True, limit=10, lease_s=1.0, kinds=["probe_call"])
        assert {c.key for c in claimed} >= {f"{run}-landed", f"{run}-lost"}
        async with httpx.AsyncClient() as client:
            await client.post(f"{peer.server.url}/posts", json={"key": f"{run}-landed"})
        runtime = Runtime(settings(infra), call_subscriptions(peer.server.url, reconcile=True))
        await runtime.start()
        try:
            await eventually(lambda: _count(db, run, 2), timeout=20)
        finally:
            await runtime.stop()
    assert peer.posts[f"{run}-landed"] == 1, "the call that landed was not made again"
    assert peer.posts[f"{run}-lost"] == 1, "the call that never landed was made once"
    outcomes = {r.key: r.worker for r in await effects(db, run)}
    assert outcomes == {f"{run}-landed": "reconciling=True", f"{run}-lost": "reconciling=True"}


# one consumer, many topics ---------------------------------------------------------------------------------


class First(EventPayload):
    key: str
    run: str


class Second(EventPayload):
    key: str
    run: str


@pytest.fixture(scope="module")
async def two_topics(infra: Any) -> AsyncIterator[tuple[EventSpec, EventSpec]]:
    suffix = uuid.uuid4().hex[:8]
    specs = tuple(
        EventSpec(
            type=f"probe_{name}_{suffix}.seen",
            version=1,
            model=model,
            producer="sandbox",
            key="key",
            summary="t",
            partitions=3,
        )
        for name, model in (("first", First), ("second", Second))
    )
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.kafka)
    await admin.start()
    await admin.create_topics([NewTopic(t, 3, 1) for s in specs for t in (s.topic, s.dlq_topic)])
    await admin.close()
    for spec in specs:
        REGISTRY.register(spec)
    yield specs  # type: ignore[misc]
    for spec in specs:
        REGISTRY.unregister(spec)


async def test_one_consumer_group_reads_every_topic_of_the_service(infra: Any, db: Any, two_topics: Any) -> None:
    first, second = two_topics
    run = uuid.uuid4().hex[:8]
    subs = Subscriptions()

    @subs.on(First, name="firsts")
    async def firsts(uow: Any, event: Envelope[First]) -> None:
        await record(uow, run, "first", event.payload.key, "consumer")

    @subs.on_batch(Second, name="seconds")
    async def seconds(uow: Any, events: Any) -> None:
        for e in events:
            await record(uow, run, "second", e.payload.key, "consumer")

    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka, acks="all")
    await producer.start()
    for i in range(60):
        for spec, model in ((first, First), (second, Second)):
            envelope = make_envelope(model(key=f"k{i % 7}", run=run), producer="sandbox", creator_id=TENANT)
            await producer.send(spec.topic, value=envelope.to_json(), key=envelope.payload.key.encode())
    await producer.stop()
    runtime = Runtime(settings(infra, service_name=f"sandbox_{run}"), subs)
    await runtime.start()
    try:
        assert runtime.consumers is not None and runtime.consumers.topics == sorted([first.topic, second.topic])
        await eventually(lambda: _count(db, run, 120), timeout=30)
    finally:
        await runtime.stop()
    assert Counter(r.kind for r in await effects(db, run)) == {"first": 60, "second": 60}
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.kafka)
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(f"sandbox_{run}")
    finally:
        await admin.close()
    assert {tp.topic for tp in committed} == {first.topic, second.topic}, "one group, both topics"
    assert sum(meta.offset for meta in committed.values()) == 120


async def test_calls_sharing_an_order_key_are_made_one_at_a_time_in_order(infra: Any, db: Any) -> None:
    run = uuid.uuid4().hex[:8]
    seen: list[str] = []

    def respond(method: str, path: str, headers: dict[str, str], body: Any) -> tuple[int, Any]:
        key = str(body["key"])
        # later calls answer faster: without the order key their outcomes would overtake
        time.sleep(0.02 * (6 - int(key.rsplit("-", 1)[1])))
        seen.append(key)
        return 200, {"id": key}

    with LocalHTTPServer(respond) as peer:
        runtime = Runtime(settings(infra, call_concurrency=16), call_subscriptions(peer.url))
        await runtime.start()
        try:
            async with runtime.uow() as uow:
                for n in range(6):
                    for conversation in range(5):
                        uow.call(
                            "probe_call",
                            key=f"{run}-c{conversation}-{n}",
                            payload=Probe(run=run, n=n),
                            tenant=TENANT,
                            order_key=f"{run}-c{conversation}",
                        )
                await uow.commit()
            await eventually(lambda: _count(db, run, 30), timeout=30)
        finally:
            await runtime.stop()
    recorded = [r.key for r in await effects(db, run)]
    for conversation in range(5):
        mine = [k for k in recorded if f"-c{conversation}-" in k]
        assert mine == [f"{run}-c{conversation}-{n}" for n in range(6)], mine
        assert [k for k in seen if f"-c{conversation}-" in k] == mine, "made one at a time, in order"
