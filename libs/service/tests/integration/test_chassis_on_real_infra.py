"""The chassis on the real broker and database: outbox relay, idempotent consumer, retries, DLQ.

A throw-away event type (``chassis_probe.recorded``) with its own topics keeps these tests away
from the platform's topics; its effects land in a table of the ``sandbox`` database.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError
from prometheus_client import REGISTRY as prometheus
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from huntaze_events import REGISTRY, Envelope, EventPayload, EventSpec, make_envelope
from huntaze_service import Role, ServiceSettings, Subscriptions
from huntaze_service.kafka import KafkaSecurity, load_kafka_security
from huntaze_service.migrations import CHASSIS_SCHEMA
from huntaze_service.outbox import OutboxRelay, backlog, new_producer
from huntaze_service.runtime import Runtime
from huntaze_service.uow import SqlUnitOfWork
from huntaze_testkit import eventually


class ChassisProbe(EventPayload):
    key: str
    seq: int
    fail_times: int = 0


@pytest.fixture(scope="module")
async def probe_spec(infra: Any) -> AsyncIterator[EventSpec]:
    """Registers the probe event under a unique type, creates its topics, unregisters after."""
    type_ = f"chassis_probe_{uuid.uuid4().hex[:8]}.recorded"
    spec = EventSpec(
        type=type_, version=1, model=ChassisProbe, producer="sandbox", key="key", summary="test", partitions=3
    )
    REGISTRY.register(spec)
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.kafka)
    await admin.start()
    await admin.create_topics([NewTopic(spec.topic, 3, 1), NewTopic(spec.dlq_topic, 3, 1)])
    await admin.close()
    yield spec
    REGISTRY.unregister(spec)


@pytest.fixture(scope="module")
async def engine(infra: Any) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(infra.url("sandbox"))
    async with engine.begin() as conn:
        await conn.execute(text("DROP TABLE IF EXISTS outbox, processed_events, timers, probe_effects"))
        for statement in CHASSIS_SCHEMA:
            await conn.execute(text(statement))
        await conn.execute(text("CREATE TABLE probe_effects (event_id uuid, key text, seq int, consumer text)"))
    yield engine
    await engine.dispose()


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def consume_all(bootstrap: str, topic: str, expected: int, timeout: float = 30) -> list[Any]:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest")
    await consumer.start()
    records: list[Any] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(records) < expected and asyncio.get_running_loop().time() < deadline:
            for batch in (await consumer.getmany(timeout_ms=300)).values():
                records.extend(batch)
        # a little longer, to see duplicates if there are any
        for batch in (await consumer.getmany(timeout_ms=500)).values():
            records.extend(batch)
    finally:
        await consumer.stop()
    return records


async def write_probes(
    sessionmaker: async_sessionmaker[AsyncSession],
    relay: OutboxRelay | None,
    keys: Sequence[str],
    per_key: int,
    per_tx: int = 10,
) -> list[Envelope[Any]]:
    """Writes per_key events for each key through units of work, several per transaction."""
    creator = uuid.uuid4()
    emitted: list[Envelope[Any]] = []
    items = [(k, s) for s in range(per_key) for k in keys]
    for start in range(0, len(items), per_tx):
        engine = sessionmaker.kw["bind"]  # the engine the fixture made the sessionmaker with
        uow = SqlUnitOfWork(engine, producer_name="sandbox", on_events=relay.wake if relay else None)
        async with uow:
            for key, seq in items[start : start + per_tx]:
                emitted.append(uow.emit(ChassisProbe(key=key, seq=seq), creator_id=creator))
            await uow.commit()
    return emitted


async def test_relay_publishes_every_row_once_in_order_woken_by_commit(
    infra: Any, probe_spec: EventSpec, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    producer = new_producer(infra.kafka, "probe-relay")
    await producer.start()
    # The safety timer is far away: only the commit wake-up can make this pass in time.
    relay = OutboxRelay(
        service="sandbox",
        sessionmaker=sessionmaker,
        database_url=infra.url("sandbox"),
        producer=producer,
        safety_interval_s=600,
    )
    relay.start()
    try:
        emitted = await write_probes(sessionmaker, relay, keys=["a", "b", "c", "d"], per_key=50)
        await eventually(lambda: relay.published_total >= len(emitted), timeout=20)
        assert await backlog(sessionmaker) == 0
    finally:
        await relay.stop()
        await producer.stop()

    records = await consume_all(infra.kafka, probe_spec.topic, len(emitted))
    ids = Counter(json.loads(r.value)["event_id"] for r in records)
    assert set(ids) >= {str(e.event_id) for e in emitted}
    assert max(ids.values()) == 1, "a row was published twice"
    per_key: dict[str, list[int]] = defaultdict(list)
    for r in sorted(records, key=lambda r: (r.partition, r.offset)):
        body = json.loads(r.value)
        per_key[body["payload"]["key"]].append(body["payload"]["seq"])
        assert r.key.decode() == body["payload"]["key"]
        headers = dict(r.headers)
        assert headers["event_type"] == probe_spec.type.encode()
        assert headers["event_id"].decode() == body["event_id"]
    for key, seqs in per_key.items():
        assert seqs == sorted(seqs), f"events of {key} out of order"


async def test_relay_in_another_process_is_woken_by_notify_and_two_relays_never_double_publish(
    infra: Any, probe_spec: EventSpec, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with sessionmaker() as s, s.begin():
        before = await s.scalar(text("SELECT count(*) FROM outbox"))
    producers = [new_producer(infra.kafka, f"probe-relay-{i}") for i in range(2)]
    relays = [
        OutboxRelay(
            service="sandbox",
            sessionmaker=sessionmaker,
            database_url=infra.url("sandbox"),
            producer=p,
            batch_size=25,
            safety_interval_s=600,
        )
        for p in producers
    ]
    for p in producers:
        await p.start()
    for r in relays:
        r.start()
    await asyncio.sleep(0.5)  # both listeners are up
    try:
        # Units of work that know no relay (like an API replica): only NOTIFY can wake the relays.
        emitted = await write_probes(sessionmaker, None, keys=["x", "y", "z"], per_key=100, per_tx=5)
        await eventually(lambda: sum(r.published_total for r in relays) >= len(emitted), timeout=30)
        assert await backlog(sessionmaker) == 0
        assert sum(r.published_total for r in relays) == len(emitted)
    finally:
        for r in relays:
            await r.stop()
        for p in producers:
            await p.stop()
    records = await consume_all(infra.kafka, probe_spec.topic, before + len(emitted))
    ids = Counter(json.loads(r.value)["event_id"] for r in records)
    assert all(ids[str(e.event_id)] == 1 for e in emitted)


# ---------------------------------------------------------------------------------------------
# consumers
# ---------------------------------------------------------------------------------------------


def probe_subscriptions(attempts: Counter[str]) -> Subscriptions:
    subs = Subscriptions()

    @subs.on(ChassisProbe, name="probe_effects")
    async def record(uow: Any, event: Envelope[ChassisProbe]) -> None:
        attempts[str(event.event_id)] += 1
        if attempts[str(event.event_id)] <= event.payload.fail_times:
            raise RuntimeError(f"injected failure {attempts[str(event.event_id)]}")
        await uow.session.execute(
            text("INSERT INTO probe_effects VALUES (:id, :key, :seq, 'probe')"),
            {"id": event.event_id, "key": event.payload.key, "seq": event.payload.seq},
        )

    return subs


def sandbox_settings(infra: Any, **overrides: Any) -> ServiceSettings:
    return ServiceSettings(
        service_name="sandbox",
        database_url=infra.url("sandbox"),
        kafka_bootstrap_servers=infra.kafka,
        role=Role.WORKER,
        retry_max_attempts=3,
        retry_initial_backoff_s=0.01,
        retry_max_backoff_s=0.05,
        consumer_batch_size=50,
        **overrides,
    )


async def produce_raw(bootstrap: str, topic: str, items: list[tuple[bytes, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for key, value in items:
            await producer.send(topic, value=value, key=key)
        await producer.flush()
    finally:
        await producer.stop()


async def effects(sessionmaker: async_sessionmaker[AsyncSession], keys: set[str]) -> Counter[str]:
    async with sessionmaker() as s:
        rows = (await s.execute(text("SELECT event_id, key FROM probe_effects"))).all()
    return Counter(str(r.event_id) for r in rows if r.key in keys)


async def test_consumer_applies_each_event_once_retries_then_dead_letters(
    infra: Any, probe_spec: EventSpec, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    creator = uuid.uuid4()
    run = uuid.uuid4().hex[:6]
    keys = {f"{run}-{i}" for i in range(5)}

    def envelope(key: str, seq: int, fail_times: int = 0) -> Envelope[Any]:
        return make_envelope(
            ChassisProbe(key=key, seq=seq, fail_times=fail_times), producer="sandbox", creator_id=creator
        )

    good = [envelope(k, s) for s in range(40) for k in sorted(keys)]
    flaky = envelope(f"{run}-0", 1000, fail_times=1)  # fails once, then succeeds
    doomed = envelope(f"{run}-1", 1001, fail_times=99)  # always fails: DLQ after 3 attempts
    items = [(e.payload.key.encode(), e.to_json()) for e in good]
    items += [(e.payload.key.encode(), e.to_json()) for e in good[:60]]  # redelivered duplicates
    items += [(flaky.payload.key.encode(), flaky.to_json()), (doomed.payload.key.encode(), doomed.to_json())]
    items += [(b"poison", b'{"event_id": "not json')]  # malformed
    wrong_version = json.loads(good[0].to_json())
    wrong_version["version"] = 2
    wrong_version["event_id"] = str(uuid.uuid4())
    items += [(b"poison", json.dumps(wrong_version).encode())]
    await produce_raw(infra.kafka, probe_spec.topic, items)

    attempts: Counter[str] = Counter()
    runtime = Runtime(sandbox_settings(infra), probe_subscriptions(attempts))
    await runtime.start()
    try:
        expected = {str(e.event_id) for e in good} | {str(flaky.event_id)}
        await eventually(lambda: _exactly(effects(sessionmaker, keys), expected), timeout=60, interval=0.5)
        dlq = await consume_all(infra.kafka, probe_spec.dlq_topic, 3, timeout=30)
    finally:
        await runtime.stop()

    counts = await effects(sessionmaker, keys)
    assert set(counts) == expected and max(counts.values()) == 1
    assert str(doomed.event_id) not in counts
    assert attempts[str(flaky.event_id)] == 2
    assert attempts[str(doomed.event_id)] == 3

    mine = [
        r
        for r in dlq
        if dict(r.headers).get("dlq.consumer") == b"sandbox.probe_effects"
        and (r.key == b"poison" or str(doomed.event_id).encode() in r.value)
    ]
    reasons = sorted(dict(r.headers)["dlq.reason"].decode() for r in mine)
    assert reasons == ["handler_failed", "malformed", "unknown_version"], reasons
    failed = next(r for r in mine if dict(r.headers)["dlq.reason"] == b"handler_failed")
    headers = dict(failed.headers)
    assert headers["dlq.attempts"] == b"3"
    assert b"injected failure" in headers["dlq.error"]
    assert headers["dlq.original_topic"] == probe_spec.topic.encode()
    assert failed.value == doomed.to_json(), "the dead letter is the original record, unchanged"

    # Offsets were committed after the effects: a new runtime of the same group sees nothing new.
    attempts.clear()
    runtime = Runtime(sandbox_settings(infra), probe_subscriptions(attempts))
    await runtime.start()
    await asyncio.sleep(3)
    await runtime.stop()
    assert not attempts, "events were handed to the handler again after their offsets were committed"
    assert await effects(sessionmaker, keys) == counts


async def _exactly(counts_coro: Any, expected: set[str]) -> bool:
    counts = await counts_coro
    return set(counts) == expected


async def test_replaying_a_topic_from_the_start_changes_nothing(
    infra: Any, probe_spec: EventSpec, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """A new consumer process of the same group, forced back to offset 0, finds every event done."""
    labels = {"service": "sandbox", "consumer": "sandbox.probe_effects", "topic": probe_spec.topic}
    duplicates_before = prometheus.get_sample_value("huntaze_events_duplicate_total", labels) or 0
    async with sessionmaker() as s:
        total_before = await s.scalar(text("SELECT count(*) FROM probe_effects"))
    attempts: Counter[str] = Counter()
    runtime = Runtime(sandbox_settings(infra), probe_subscriptions(attempts))
    await runtime.start()
    try:
        assert runtime.consumers is not None and runtime.consumers.consumer is not None
        consumer = runtime.consumers.consumer
        await eventually(lambda: bool(consumer.assignment()), timeout=20)
        await consumer.seek_to_beginning(*consumer.assignment())
        await asyncio.sleep(4)
    finally:
        await runtime.stop()
    async with sessionmaker() as s:
        total_after = await s.scalar(text("SELECT count(*) FROM probe_effects"))
    assert total_after == total_before
    duplicates = (prometheus.get_sample_value("huntaze_events_duplicate_total", labels) or 0) - duplicates_before
    assert duplicates >= total_before, "the replay did not go through the already-processed events"


async def test_a_graceful_stop_right_after_the_last_batch_leaves_nothing_to_redeliver(
    infra: Any, probe_spec: EventSpec, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """Stopped while the last event is in the handler — its transaction and its batch's offset
    commit still to come — the consumer group's committed offsets cover every record of the topic."""
    creator = uuid.uuid4()
    run = uuid.uuid4().hex[:6]
    keys = {f"{run}-{i}" for i in range(6)}
    events = [
        make_envelope(ChassisProbe(key=k, seq=s), producer="sandbox", creator_id=creator)
        for s in range(100)
        for k in sorted(keys)
    ]
    await produce_raw(infra.kafka, probe_spec.topic, [(e.payload.key.encode(), e.to_json()) for e in events])
    last_one_in_hand = asyncio.Event()

    class Attempts(Counter[str]):
        def __setitem__(self, key: str, value: int) -> None:
            super().__setitem__(key, value)
            if len(self) == len(events):
                last_one_in_hand.set()

    runtime = Runtime(sandbox_settings(infra), probe_subscriptions(Attempts()))
    await runtime.start()
    try:
        await asyncio.wait_for(last_one_in_hand.wait(), timeout=60)
    finally:
        await runtime.stop()
    assert await effects(sessionmaker, keys) == Counter({str(e.event_id): 1 for e in events})

    admin = AIOKafkaAdminClient(bootstrap_servers=infra.kafka)
    watcher = AIOKafkaConsumer(bootstrap_servers=infra.kafka, group_id=None)
    await admin.start()
    await watcher.start()
    try:
        committed = await admin.list_consumer_group_offsets("sandbox")
        ends = await watcher.end_offsets(list(committed))
    finally:
        await watcher.stop()
        await admin.close()
    assert committed, "the group committed nothing"
    behind = {tp.partition: ends[tp] - meta.offset for tp, meta in committed.items() if ends[tp] != meta.offset}
    assert not behind, f"records applied but left to redeliver, per partition: {behind}"


@pytest.fixture
def kafka_users(infra: Any) -> dict[str, str]:
    """The SCRAM users of the local broker's SASL_SSL listener (tools/infra.py made them)."""
    return json.loads(Path(os.environ["LOCAL_KAFKA_USERS_FILE"]).read_text())  # type: ignore[no-any-return]


async def test_relay_and_consumer_speak_sasl_ssl_as_their_own_kafka_user(
    infra: Any,
    probe_spec: EventSpec,
    sessionmaker: async_sessionmaker[AsyncSession],
    kafka_users: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A runtime configured like a pod on Kubernetes (SASL_SSL, SCRAM-SHA-512, the cluster's CA)
    publishes its outbox and consumes on the broker's TLS listener; a wrong password is refused."""
    users = kafka_users
    secure = os.environ["LOCAL_KAFKA_SASL_SSL_BOOTSTRAP"]

    def security(password: str) -> KafkaSecurity:
        return load_kafka_security(
            security_protocol="SASL_SSL",
            sasl_username="sandbox",
            sasl_password=password,
            ssl_cafile=os.environ["LOCAL_KAFKA_CA_FILE"],
        )

    settings = sandbox_settings(infra, kafka_security=security(users["sandbox"])).model_copy(
        update={"kafka_bootstrap_servers": secure}
    )
    attempts: Counter[str] = Counter()
    runtime = Runtime(settings, probe_subscriptions(attempts))
    await runtime.start()
    try:
        assert runtime.producer is not None and runtime.producer.client._security_protocol == "SASL_SSL"
        keys = {f"tls-{uuid.uuid4().hex[:6]}-{i}" for i in range(4)}
        emitted = await write_probes(sessionmaker, runtime.relay, sorted(keys), per_key=25)
        expected = {str(e.event_id) for e in emitted}
        await eventually(lambda: _exactly(effects(sessionmaker, keys), expected), timeout=60, interval=0.5)
    finally:
        await runtime.stop()
    assert max((await effects(sessionmaker, keys)).values()) == 1

    intruder = new_producer(secure, "intruder", **security("not-the-password").options())
    with pytest.raises(KafkaConnectionError, match="Unable to bootstrap"):
        await intruder.start()
    await intruder.stop()
    assert "SaslAuthenticationFailed" in caplog.text
