"""F1–F13: faults injected into real processes on the real broker and database.

Each scenario prints one line — `F<n> produced=… effects=… duplicates=… lost=… dlq=… recovery_s=…` —
and asserts lost=0 and duplicates=0 (duplicate *effects*; duplicates on the wire are allowed and
reported as `wire_duplicates`). Effects are counted per item (key, per-key sequence number), so a
loss, a second effect or a reordering is visible.

F13 is the operators' side: `huntaze-streams dlq redrive` SIGKILLed mid-way through 2,000 dead letters,
then run again: every record back on its topic once (read_committed), every effect once.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from huntaze_events import REGISTRY, FanRef, MessageReceived, ReplyDrafted, fan_id_for, make_envelope
from huntaze_testkit import faultbox as fb
from huntaze_testkit import internal_headers
from huntaze_testkit.lab import Lab, PostingPeer, Report, emit, grouped, items_for, new_run, run_of, wire_duplicates

pytestmark = pytest.mark.timeout(600)


def recorded(run: str, items: list[tuple[str, int]]) -> list[Any]:
    creator = uuid.UUID(int=0)
    return [
        make_envelope(fb.Recorded(run=run, key=k, seq=s), producer=fb.PRODUCER, creator_id=creator) for k, s in items
    ]


async def check_both_hops(lab: Lab, run: str, items: list[tuple[str, int]], report: Report) -> None:
    """Counts effects of both hops (apply, then count after the outbox) against the items."""
    expected = set(items)
    report.effects = 0
    for consumer in ("apply", "count"):
        found = await lab.effects(run, consumer)
        report.effects += found["rows"]
        report.duplicates += sum(n - 1 for n in found["items"].values())
        report.lost += len(expected - set(found["items"]))
        report.extra[f"reorders_{consumer}"] = found["reorders"]


async def metric(url: str, name: str, **labels: str) -> float:
    async with httpx.AsyncClient() as client:
        body = (await client.get(f"{url}/metrics")).text
    wanted = [f'{k}="{v}"' for k, v in labels.items()]
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in body.splitlines()
        if line.startswith(name + "{") and all(w in line for w in wanted)
    )


# F1 ---------------------------------------------------------------------------------------------


async def test_f1_sigkill_ai_and_fans_workers_mid_stream(fresh_lab: Lab, capsys: Any) -> None:
    lab = fresh_lab
    creator = uuid.uuid4()
    fans, per_fan = 100, 50
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    conversations = [uuid.uuid4() for _ in range(fans)]
    seq_of: dict[str, int] = {}
    envelopes = []
    for seq in range(per_fan):
        for f in range(fans):
            message_id = uuid.uuid4()
            seq_of[str(message_id)] = seq
            envelopes.append(
                make_envelope(
                    MessageReceived(
                        message_id=message_id,
                        conversation_id=conversations[f],
                        fan=FanRef(
                            fan_id=fan_id_for(creator, f"fan{f}"), external_id=f"fan{f}", display_name=f"Fan {f}"
                        ),
                        text=f"#{seq} hey! what are you up to tonight?",
                        sent_at=t0 + timedelta(seconds=seq),
                        received_at=t0 + timedelta(seconds=seq),
                    ),
                    producer="inbox",
                    creator_id=creator,
                )
            )
    ai_db = create_async_engine(lab.env["AI_DATABASE_URL"])
    fans_db = create_async_engine(lab.env["FANS_DATABASE_URL"])

    async def drafts() -> int:
        async with ai_db.connect() as conn:
            return int(
                (
                    await conn.execute(text("SELECT count(*) FROM generations WHERE creator_id = :c"), {"c": creator})
                ).scalar()
            )

    async def counted() -> int:
        async with fans_db.connect() as conn:
            value = (
                await conn.execute(
                    text("SELECT coalesce(sum(message_count), 0) FROM fans WHERE creator_id = :c"), {"c": creator}
                )
            ).scalar()
        return int(value)

    try:
        ai = lab.service("ai")
        fans_worker = lab.service("fans")
        spec = REGISTRY.for_model(MessageReceived)
        feeding = asyncio.create_task(lab.produce(spec, envelopes, per_second=1000))
        while await drafts() < len(envelopes) // 4:
            await asyncio.sleep(0.1)
        at_kill = (await drafts(), await counted())
        ai.kill(signal.SIGKILL)
        fans_worker.kill(signal.SIGKILL)
        restarted = time.monotonic()
        ai.start()
        fans_worker.start()
        ai.wait_ready()
        fans_worker.wait_ready()
        produced = await feeding
        while (await drafts(), await counted()) != (len(envelopes), len(envelopes)):
            assert time.monotonic() - restarted < 300, f"stuck at {await drafts()} drafts, {await counted()} counted"
            await asyncio.sleep(0.25)
        recovery = time.monotonic() - restarted
        await asyncio.sleep(1)  # let any late duplicate show up
        async with ai_db.connect() as conn:
            # The effect that must happen once per message is reply.drafted written to the ai's
            # outbox; unlike the generations table, nothing in the schema stops a second one.
            per_message = (
                await conn.execute(
                    text(
                        "SELECT count(*) - count(DISTINCT convert_from(value, 'UTF8')::jsonb "
                        "-> 'payload' ->> 'in_reply_to_message_id') FROM outbox "
                        "WHERE event_type = 'reply.drafted.v1' AND convert_from(value, 'UTF8')::jsonb ->> 'creator_id' = :c"
                    ),
                    {"c": str(creator)},
                )
            ).scalar()
        async with fans_db.connect() as conn:
            counts = [
                r[0]
                for r in await conn.execute(
                    text("SELECT message_count FROM fans WHERE creator_id = :c"), {"c": creator}
                )
            ]
    finally:
        await ai_db.dispose()
        await fans_db.dispose()

    drafted_spec = REGISTRY.for_model(ReplyDrafted)
    records = await lab.topic_records(
        drafted_spec.topic, where=lambda r: json.loads(r.value)["creator_id"] == str(creator)
    )
    draft_ids = {json.loads(r.value)["payload"]["draft_id"] for r in records}
    reorders = 0
    last: dict[str, int] = {}
    for r in sorted(records, key=lambda r: (r.partition, r.offset)):
        payload = json.loads(r.value)["payload"]
        seq = seq_of[payload["in_reply_to_message_id"]]
        if seq < last.get(payload["conversation_id"], -1):
            reorders += 1
        last[payload["conversation_id"]] = max(seq, last.get(payload["conversation_id"], -1))
    report = Report(
        "F1",
        produced=produced,
        effects=len(envelopes) + sum(counts),
        duplicates=int(per_message)
        + max(0, sum(counts) - len(envelopes))
        + (len(draft_ids) - len(envelopes) if len(draft_ids) > len(envelopes) else 0),
        lost=(len(envelopes) - len(draft_ids)) + sum(max(0, per_fan - c) for c in counts) + (fans - len(counts)),
        recovery_s=recovery,
        extra={
            "killed_at_drafts": at_kill[0],
            "killed_at_counted": at_kill[1],
            "fans_exact": all(c == per_fan for c in counts) and len(counts) == fans,
            "wire_duplicates": wire_duplicates(records),
            "reorders": reorders,
        },
    )
    emit(capsys, report)
    assert report.extra["fans_exact"] and reorders == 0


# F2 ---------------------------------------------------------------------------------------------


async def test_f2_sigterm_during_processing_hands_back_or_finishes_in_flight_work(fresh_lab: Lab, capsys: Any) -> None:
    lab = fresh_lab
    run = new_run("F2")
    items = items_for(30, 100)
    worker = lab.faultbox(role="worker", handler_delay_ms=150)
    feeding = asyncio.create_task(lab.produce(fb.RECORDED, recorded(run, items)))
    while (await lab.effects(run, "apply"))["rows"] < len(items) // 4:
        await asyncio.sleep(0.05)
    shutdown_s = worker.kill(signal.SIGTERM)  # graceful: lifespan drains the consumers and the relay
    restarted = time.monotonic()
    worker.start()
    worker.wait_ready()
    produced = await feeding
    await lab.wait_effects(run, "apply", len(items))
    await lab.wait_effects(run, "count", len(items))
    report = Report(
        "F2", produced=produced, recovery_s=time.monotonic() - restarted, extra={"shutdown_s": round(shutdown_s, 1)}
    )
    await check_both_hops(lab, run, items, report)
    emit(capsys, report)


# F3 ---------------------------------------------------------------------------------------------


async def test_f3_a_handler_failing_once_for_n_is_retried_and_nothing_is_skipped(fresh_lab: Lab, capsys: Any) -> None:
    lab = fresh_lab
    run = new_run("F3")
    items = items_for(10, 100)
    worker = lab.faultbox(role="worker", fail_once_seqs="50")  # N=50 fails once; N+1 succeeds
    produced = await lab.produce(fb.RECORDED, recorded(run, items))
    started = time.monotonic()
    await lab.wait_effects(run, "apply", len(items))
    await lab.wait_effects(run, "count", len(items))
    failures = await metric(worker.url, "huntaze_events_failed_total")
    report = Report(
        "F3", produced=produced, recovery_s=time.monotonic() - started, extra={"handler_failures": int(failures)}
    )
    await check_both_hops(lab, run, items, report)
    emit(capsys, report)
    assert failures >= 10, "the injected failures did not happen"
    assert report.extra["reorders_apply"] == 0


# F4 ---------------------------------------------------------------------------------------------


async def test_f4_one_poison_message_among_5000_goes_to_the_dead_letter_topic(fresh_lab: Lab, capsys: Any) -> None:
    lab = fresh_lab
    run = new_run("F4")
    items = items_for(20, 250)  # 5,000 records in all with the poison: 4,999 good ones
    items.remove(("k3", 249))
    half = len(items) // 2
    marker = f'{{"run": "{run}", "this is": not json'.encode()
    lab.faultbox(role="worker")
    produced = await lab.produce(fb.RECORDED, recorded(run, items[:half]))
    await lab.produce_raw(fb.RECORDED.topic, b"k3", marker)  # same key as k3: same partition
    produced += 1 + await lab.produce(fb.RECORDED, recorded(run, items[half:]))
    started = time.monotonic()
    await lab.wait_effects(run, "apply", len(items))
    await lab.wait_effects(run, "count", len(items))
    dead = await lab.topic_records(fb.RECORDED.dlq_topic, where=lambda r: r.value == marker)
    headers = {k: v.decode() for k, v in dead[0].headers} if dead else {}
    # How long did the poison hold its partition? k3's last effect before it to the first after it.
    seq_before = max(s for k, s in items[:half] if k == "k3")
    blocked = await lab.scalar(
        "SELECT extract(epoch FROM max(applied_at) FILTER (WHERE seq = :after) "
        "- max(applied_at) FILTER (WHERE seq = :before)) FROM effects WHERE run = :run AND consumer = 'apply' AND key = 'k3'",
        run=run,
        before=seq_before,
        after=seq_before + 1,
    )
    report = Report(
        "F4",
        produced=produced,
        dlq=len(dead),
        recovery_s=time.monotonic() - started,
        extra={"blocked_s": round(float(blocked or 0), 3), "dlq_reason": headers.get("dlq.reason")},
    )
    await check_both_hops(lab, run, items, report)
    emit(capsys, report)
    assert len(dead) == 1 and headers["dlq.reason"] == "malformed" and headers["dlq.consumer"] == "faultbox.apply"
    assert headers["dlq.attempts"] == "0" and headers["dlq.original_topic"] == fb.RECORDED.topic
    assert float(blocked or 0) < 5, "the poison held its partition longer than the retry budget"


# F5 ---------------------------------------------------------------------------------------------


async def test_f5_every_event_twice_then_the_whole_topic_replayed(fresh_lab: Lab, capsys: Any) -> None:
    lab = fresh_lab
    run = new_run("F5")
    items = items_for(20, 100)
    worker = lab.faultbox(role="worker")
    produced = await lab.produce(fb.RECORDED, recorded(run, items), copies=2)
    await lab.wait_effects(run, "apply", len(items))
    await lab.wait_effects(run, "count", len(items))
    while await lab.lag("faultbox", fb.RECORDED.topic) or await lab.lag("faultbox", fb.APPLIED.topic):
        await asyncio.sleep(0.2)
    before = {c: (await lab.effects(run, c))["rows"] for c in ("apply", "count")}
    worker.stop()
    await lab.reset_group("faultbox", fb.RECORDED.topic)
    await lab.reset_group("faultbox", fb.APPLIED.topic)
    replay_from = await lab.lag("faultbox", fb.RECORDED.topic)
    started = time.monotonic()
    worker.start()
    worker.wait_ready()
    while await lab.lag("faultbox", fb.RECORDED.topic) or await lab.lag("faultbox", fb.APPLIED.topic):
        await asyncio.sleep(0.2)
    replayed_s = time.monotonic() - started
    after = {c: (await lab.effects(run, c))["rows"] for c in ("apply", "count")}
    report = Report("F5", produced=produced, recovery_s=replayed_s, extra={"replayed_records": replay_from})
    await check_both_hops(lab, run, items, report)
    emit(capsys, report)
    assert after == before, f"the replay changed the effects: {before} -> {after}"
    assert replay_from >= produced


# F6 ---------------------------------------------------------------------------------------------


async def test_f6_kafka_killed_and_restarted_during_an_outbox_stream(fresh_lab: Lab, capsys: Any) -> None:
    lab = fresh_lab
    run = new_run("F6")
    items = items_for(20, 200)
    box = lab.faultbox(role="all")
    feeding = asyncio.create_task(lab.ingest(box.url, run, items, per_second=400))  # ~10 s of stream
    while (await lab.scalar("SELECT count(*) FROM ingested WHERE run = :run", run=run)) < len(items) // 5:
        await asyncio.sleep(0.05)
    await lab.infra("kafka-kill")
    await asyncio.sleep(3)  # the API keeps accepting: it only writes to PostgreSQL
    accepted_while_down = await lab.scalar("SELECT count(*) FROM ingested WHERE run = :run", run=run)
    await lab.infra("kafka-start")
    restarted = time.monotonic()
    retries = await feeding
    await lab.wait_effects(run, "apply", len(items), timeout=240)
    await lab.wait_effects(run, "count", len(items), timeout=240)
    recovery = time.monotonic() - restarted
    records = await lab.topic_records(fb.RECORDED.topic, where=lambda r: run_of(r) == run)
    report = Report(
        "F6",
        produced=len(items),
        recovery_s=recovery,
        extra={
            "wire_duplicates": wire_duplicates(records),
            "http_retries": retries,
            "accepted_by_outage_end": accepted_while_down,
        },
    )
    await check_both_hops(lab, run, items, report)
    emit(capsys, report)


# F7 ---------------------------------------------------------------------------------------------


async def test_f7_postgresql_restarted_during_a_stream_and_the_outbox_drains(fresh_lab: Lab, capsys: Any) -> None:
    lab = fresh_lab
    run = new_run("F7")
    items = items_for(20, 200)
    box = lab.faultbox(role="all")
    feeding = asyncio.create_task(lab.ingest(box.url, run, items, per_second=400))  # ~10 s of stream
    while (await lab.scalar("SELECT count(*) FROM ingested WHERE run = :run", run=run)) < len(items) // 3:
        await asyncio.sleep(0.05)
    await lab.infra("pg-restart", "--down-s", "3")
    restarted = time.monotonic()
    retries = await feeding
    await lab.wait_effects(run, "apply", len(items), timeout=240)
    await lab.wait_effects(run, "count", len(items), timeout=240)
    while (backlog := await lab.scalar("SELECT count(*) FROM outbox WHERE published_at IS NULL")) != 0:
        await asyncio.sleep(0.2)
    recovery = time.monotonic() - restarted
    report = Report(
        "F7", produced=len(items), recovery_s=recovery, extra={"outbox_backlog": backlog, "http_retries": retries}
    )
    await check_both_hops(lab, run, items, report)
    emit(capsys, report)


# F8 ---------------------------------------------------------------------------------------------


async def test_f8_relay_killed_between_publishing_and_marking(fresh_lab: Lab, capsys: Any) -> None:
    lab = fresh_lab
    run = new_run("F8")
    items = items_for(40, 300)
    api = lab.faultbox(role="api", relay_enabled="false")  # writes the outbox; publishes nothing
    await lab.ingest(api.url, run, items)
    partitions = await lab.partitions(fb.RECORDED.topic)
    watcher = AIOKafkaConsumer(bootstrap_servers=lab.kafka)
    await watcher.start()

    async def on_wire() -> int:
        return sum((await watcher.end_offsets(partitions)).values())

    async def marked() -> int:
        return int(await lab.scalar("SELECT count(*) FROM outbox WHERE published_at IS NOT NULL"))

    kills, hit = 0, False
    started = time.monotonic()
    try:
        while kills < 5 and not hit:
            wire_before, marked_before = await on_wire(), await marked()
            # One relay batch holds every row: it publishes for a while before it marks them.
            worker = lab.faultbox(role="worker", relay_batch_size=len(items))
            while await on_wire() == wire_before:
                await asyncio.sleep(0)
            worker.kill(signal.SIGKILL)  # records are reaching Kafka: the batch is not marked yet
            kills += 1
            hit = await on_wire() - wire_before > await marked() - marked_before
    finally:
        await watcher.stop()
    lab.faultbox(role="worker")
    await lab.wait_effects(run, "apply", len(items))
    await lab.wait_effects(run, "count", len(items))
    records = await lab.topic_records(fb.RECORDED.topic, where=lambda r: run_of(r) == run)
    report = Report(
        "F8",
        produced=len(items),
        recovery_s=time.monotonic() - started,
        extra={"wire_duplicates": wire_duplicates(records), "relay_kills": kills},
    )
    await check_both_hops(lab, run, items, report)
    emit(capsys, report)
    assert hit and report.extra["wire_duplicates"] > 0, "the kill never landed between publishing and marking"


# F9 ---------------------------------------------------------------------------------------------


async def test_f9_consumers_go_one_two_one_during_20000_events(fresh_lab: Lab, capsys: Any) -> None:
    lab = fresh_lab
    run = new_run("F9")
    items = items_for(100, 200)
    lab.faultbox(role="worker")
    feeding = asyncio.create_task(lab.produce(fb.RECORDED, recorded(run, items), per_second=2000))
    await asyncio.sleep(3)
    second = lab.faultbox(role="worker")  # 1 → 2: partitions are split
    await asyncio.sleep(4)
    second.kill(signal.SIGTERM)  # 2 → 1: they come back
    produced = await feeding
    started = time.monotonic()
    await lab.wait_effects(run, "apply", len(items))
    await lab.wait_effects(run, "count", len(items))
    report = Report("F9", produced=produced, recovery_s=time.monotonic() - started, extra={"instances": "1-2-1"})
    await check_both_hops(lab, run, items, report)
    emit(capsys, report)
    assert grouped(items).keys() == {f"k{i}" for i in range(100)}


# F10 --------------------------------------------------------------------------------------------


async def test_f10_a_timer_worker_killed_while_5000_timers_fall_due_on_two_replicas(
    fresh_lab: Lab, capsys: Any
) -> None:
    lab = fresh_lab
    run = new_run("F10")
    items = items_for(50, 100)
    api = lab.faultbox(role="api")
    workers = [lab.faultbox(role="worker", timer_lease_s=3), lab.faultbox(role="worker", timer_lease_s=3)]
    await lab.schedule(api.url, run, items, start_in_ms=2000, spread_ms=6000)
    while (await lab.effects(run, "timer"))["rows"] < len(items) // 4:
        await asyncio.sleep(0.05)
    workers[0].kill(signal.SIGKILL)  # its claimed timers come back when their lease runs out
    killed_at = (await lab.effects(run, "timer"))["rows"]
    await asyncio.sleep(1)
    restarted = time.monotonic()
    workers[0].start()
    workers[0].wait_ready()
    await lab.wait_effects(run, "timer", len(items))
    recovery = time.monotonic() - restarted
    await asyncio.sleep(1)  # a second firing would show now
    found = await lab.effects(run, "timer")
    late = await lab.scalar(
        "SELECT percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM "
        "handler_started_at - due_at)) FROM effects WHERE run = :run AND consumer = 'timer'",
        run=run,
    )
    early = await lab.scalar(
        "SELECT count(*) FROM effects WHERE run = :run AND consumer = 'timer' AND handler_started_at < due_at", run=run
    )
    left = await lab.scalar("SELECT count(*) FROM timers WHERE key LIKE :run", run=f"{run}:%")
    report = Report(
        "F10",
        produced=len(items),
        effects=found["rows"],
        duplicates=sum(n - 1 for n in found["items"].values()),
        lost=len(set(items) - set(found["items"])),
        recovery_s=recovery,
        extra={
            "killed_at_fired": killed_at,
            "late_p50_ms": round(late[0] * 1000, 1),
            "late_p99_ms": round(late[1] * 1000, 1),
            "early": early,
            "rows_left": left,
        },
    )
    emit(capsys, report)
    assert early == 0 and left == 0 and killed_at < len(items)


# F11 --------------------------------------------------------------------------------------------


async def test_f11_a_worker_killed_between_the_peers_answer_and_the_record(fresh_lab: Lab, capsys: Any) -> None:
    """2,000 external calls to a peer WITHOUT idempotency keys (every POST is a new post): the
    worker is SIGKILLed while calls are in flight; after the restart every call is recorded once
    and the peer holds exactly one post per call — the lost claims were reconciled, not repeated."""
    lab = fresh_lab
    run = new_run("F11")
    items = items_for(20, 100)
    with PostingPeer(delay_s=0.05) as peer:
        worker = lab.faultbox(role="all", peer_url=peer.server.url, call_concurrency=16, timer_lease_s=3)
        await lab.record_calls(worker.url, run, items)
        while sum(peer.posts.values()) < len(items) // 4:
            await asyncio.sleep(0.02)
        worker.kill(signal.SIGKILL)  # calls in flight: some answered by the peer, none recorded
        posts_at_kill = sum(peer.posts.values())
        recorded_at_kill = (await lab.effects(run, "call"))["rows"]
        restarted = time.monotonic()
        worker.start()
        worker.wait_ready()
        await lab.wait_effects(run, "call", len(items))
        recovery = time.monotonic() - restarted
        await asyncio.sleep(1)
        reconciled = await metric(worker.url, "huntaze_calls_total", kind="fb_call", outcome="reconciled")
    found = await lab.effects(run, "call")
    mine = {f"{run}:{k}:{s}" for k, s in items}
    peer_duplicates = sum(n - 1 for ref, n in peer.posts.items() if ref in mine)
    report = Report(
        "F11",
        produced=len(items),
        effects=found["rows"],
        duplicates=sum(n - 1 for n in found["items"].values()) + peer_duplicates,
        lost=len(set(items) - set(found["items"])) + len(mine - set(peer.posts)),
        recovery_s=recovery,
        extra={
            "answered_unrecorded_at_kill": posts_at_kill - recorded_at_kill,
            "reconciled": int(reconciled),
            "peer_posts": sum(peer.posts[r] for r in mine),
        },
    )
    emit(capsys, report)
    assert report.extra["answered_unrecorded_at_kill"] > 0, "the kill never landed between an answer and its record"


# F12 --------------------------------------------------------------------------------------------


def _live_sales(count: int, seed: int) -> list[dict[str, Any]]:
    """New connector sales (fans no statement row has), a second apart, fee and net given."""
    import random

    rng = random.Random(seed)
    start = datetime.now(UTC) - timedelta(days=20)
    sales = []
    for i in range(count):
        kind = rng.choice(("message", "tip", "post", "stream_tip", "tip", "message", "refund"))
        gross = rng.randint(300, 20_000)
        fee = gross // 5
        sales.append(
            {
                "external_id": f"f12-{seed}-{i}",
                "fan": {"external_id": f"f12_fan_{rng.randrange(500)}", "display_name": "F12 fan"},
                "type": kind,
                "gross_cents": gross,
                "fee_cents": fee,
                "net_cents": gross - fee,
                "currency": "USD",
                "occurred_at": (start + timedelta(seconds=i)).isoformat(),
            }
        )
    return sales


async def test_f12_fans_and_analytics_killed_during_20000_transactions(fresh_lab: Lab, capsys: Any) -> None:
    """Live connector batches (retried by the client across the crash, as the connector does) and a
    statement import (applied by durable timers, a chunk per transaction) while the fans api, the
    fans worker, the analytics worker and the ai worker (its fan_spend read model) are SIGKILLed;
    afterwards every total is exact."""
    from huntaze_testkit.statements import generate_statement

    lab = fresh_lab
    creator = uuid.uuid4()

    def headers() -> dict[str, str]:  # as the gateway forwards each request: a fresh internal token
        return internal_headers(creator, creator)

    statement = generate_statement(
        seed=12, rows=6000, start=datetime.now(UTC) - timedelta(days=40), tz=ZoneInfo("UTC"), fans=200, edge_cases=False
    )
    file = statement.csv_bytes()
    overlap = list(statement.connector_sales(0, 1000))  # sales the statement also has
    fresh = _live_sales(14_000, seed=12)
    live = overlap + fresh
    distinct = statement.expected.valid_rows + len(fresh)
    expected_net = statement.expected.net_cents + sum(
        s["net_cents"] if s["type"] != "refund" else -s["net_cents"] for s in fresh
    )
    expected_gross = statement.expected.gross_cents + sum(
        s["gross_cents"] if s["type"] != "refund" else -s["gross_cents"] for s in fresh
    )

    fans_api = lab.service("fans", role="api")
    fans_worker = lab.service("fans", role="worker")
    analytics_worker = lab.service("analytics", role="worker")
    analytics_api = lab.service("analytics", role="api")
    ai_worker = lab.service("ai", role="worker")  # its fan_spend consumer: the ai's read model of spend
    ai_db = create_async_engine(lab.env["AI_DATABASE_URL"])

    async def ai_net() -> int:
        async with ai_db.connect() as conn:
            query = text("SELECT coalesce(sum(net_cents), 0) FROM fan_facts WHERE creator_id = :c")
            return int((await conn.execute(query, {"c": creator})).scalar() or 0)

    fans_db = create_async_engine(lab.env["FANS_DATABASE_URL"])
    retries = 0

    async def post_batch(client: httpx.AsyncClient, batch: list[dict[str, Any]]) -> None:
        nonlocal retries
        while True:  # the connector's behaviour: the same batch again until it is answered
            try:
                answer = await client.post(
                    f"{fans_api.url}/v1/revenue/transactions", json={"items": batch}, headers=headers()
                )
                if answer.status_code == 200:
                    assert answer.json()["rejected"] == 0, answer.text
                    return
            except httpx.HTTPError:
                pass
            retries += 1
            await asyncio.sleep(0.2)

    async def feed() -> None:
        async with httpx.AsyncClient(timeout=30) as client:
            for i in range(0, len(live), 500):
                await post_batch(client, live[i : i + 500])

    async def stored() -> tuple[int, int]:
        async with fans_db.connect() as conn:
            row = (
                await conn.execute(
                    text("SELECT count(*), coalesce(sum(net_cents), 0) FROM transactions WHERE creator_id = :c"),
                    {"c": creator},
                )
            ).one()
        return int(row[0]), int(row[1])

    async def analytics_totals(client: httpx.AsyncClient) -> dict[str, Any]:
        answer = await client.get(
            f"{analytics_api.url}/v1/analytics/revenue",
            params={"from": "2026-01-01T00:00:00Z", "to": "2028-01-01T00:00:00Z", "granularity": "month"},
            headers=headers(),
        )
        answer.raise_for_status()
        return answer.json()["totals"]  # type: ignore[no-any-return]

    try:
        async with httpx.AsyncClient(timeout=30) as client:
            feeding = asyncio.create_task(feed())
            while (await stored())[0] < 3000:
                await asyncio.sleep(0.05)
            answer = await client.post(
                f"{fans_api.url}/v1/revenue/imports", files={"file": ("s.csv", file, "text/csv")}, headers=headers()
            )
            assert answer.status_code == 202, answer.text
            import_id = answer.json()["import_id"]
            while (await stored())[0] < 8000:
                await asyncio.sleep(0.05)
            killed_at = (await stored())[0]
            for proc in (fans_api, fans_worker, analytics_worker, ai_worker):
                proc.kill(signal.SIGKILL)
            restarted = time.monotonic()
            await asyncio.sleep(1)
            for proc in (fans_api, fans_worker, analytics_worker, ai_worker):
                proc.start()
            for proc in (fans_api, fans_worker, analytics_worker, ai_worker):
                proc.wait_ready()
            await feeding
            while True:
                status = (await client.get(f"{fans_api.url}/v1/revenue/imports/{import_id}", headers=headers())).json()
                totals = await analytics_totals(client)
                if (
                    status["status"] == "done"
                    and totals["transactions"] >= distinct
                    and (await stored())[0] >= distinct
                ):
                    break
                assert time.monotonic() - restarted < 300, (status, totals, await stored())
                await asyncio.sleep(0.5)
            recovery = time.monotonic() - restarted
            while await ai_net() != expected_net and time.monotonic() - restarted < 300:
                await asyncio.sleep(0.5)
            await asyncio.sleep(2)  # a late duplicate would show now
            totals = await analytics_totals(client)
            ai_total = await ai_net()
        count, net = await stored()
        async with fans_db.connect() as conn:
            fans_net = int(
                (
                    await conn.execute(
                        text("SELECT coalesce(sum(net_cents), 0) FROM fans WHERE creator_id = :c"), {"c": creator}
                    )
                ).scalar()
            )
            per_tx = (
                await conn.execute(
                    text(
                        "SELECT count(*), count(DISTINCT convert_from(value, 'UTF8')::jsonb -> 'payload' ->> 'transaction_id') "
                        "FROM outbox WHERE event_type = 'transaction.recorded.v1' "
                        "AND convert_from(value, 'UTF8')::jsonb ->> 'creator_id' = :c"
                    ),
                    {"c": str(creator)},
                )
            ).one()
    finally:
        await fans_db.dispose()
        await ai_db.dispose()
    report = Report(
        "F12",
        produced=len(live) + statement.expected.valid_rows,
        effects=count,
        duplicates=max(0, count - distinct) + (per_tx[0] - per_tx[1]) + max(0, totals["transactions"] - distinct),
        lost=max(0, distinct - count) + max(0, distinct - per_tx[1]) + max(0, distinct - totals["transactions"]),
        recovery_s=recovery,
        extra={
            "killed_at_stored": killed_at,
            "import": f"{status['imported']}+{status['duplicate']}dup",
            "client_retries": retries,
            "fans_net_exact": fans_net == expected_net and net == expected_net,
            "analytics_exact": totals["net_cents"] == expected_net and totals["gross_cents"] == expected_gross,
            "ai_exact": ai_total == expected_net,
        },
    )
    emit(capsys, report)
    assert report.extra["fans_net_exact"] and report.extra["analytics_exact"], (fans_net, net, totals, expected_net)
    assert report.extra["ai_exact"], (ai_total, expected_net)


# F13 --------------------------------------------------------------------------------------------


async def _redriven(lab: Lab, run: str, isolation: str) -> list[Any]:
    """Records of the run put back on faultbox.recorded.v1 by the re-drive, as a reader with that
    isolation level sees them."""
    consumer = AIOKafkaConsumer(
        fb.RECORDED.topic,
        bootstrap_servers=lab.kafka,
        group_id=None,
        auto_offset_reset="earliest",
        isolation_level=isolation,
    )
    await consumer.start()
    found: list[Any] = []
    try:
        while batch := await consumer.getmany(timeout_ms=1500):
            for records in batch.values():
                found += [r for r in records if run_of(r) == run and "dlq.redriven_from" in dict(r.headers or ())]
    finally:
        await consumer.stop()
    return found


async def _end_offsets(lab: Lab, isolation: str) -> dict[int, int]:
    partitions = await lab.partitions(fb.RECORDED.topic)
    consumer = AIOKafkaConsumer(bootstrap_servers=lab.kafka, isolation_level=isolation)
    await consumer.start()
    try:
        return {tp.partition: offset for tp, offset in (await consumer.end_offsets(partitions)).items()}
    finally:
        await consumer.stop()


async def _records_since(lab: Lab, since: dict[int, int], isolation: str) -> list[Any]:
    """Every record put on faultbox.recorded.v1 after ``since`` (per partition), as a reader with
    that isolation level sees them: only what this test added, not the earlier scenarios' records."""
    from aiokafka import TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=lab.kafka, group_id=None, isolation_level=isolation)
    await consumer.start()
    found: list[Any] = []
    try:
        partitions = [TopicPartition(fb.RECORDED.topic, p) for p in since]
        consumer.assign(partitions)
        for tp in partitions:
            consumer.seek(tp, since[tp.partition])
        while batch := await consumer.getmany(timeout_ms=1500):
            for records in batch.values():
                found += records
    finally:
        await consumer.stop()
    return found


def _ranges(offsets: list[int]) -> str:
    if not offsets:
        return "-"
    offsets = sorted(offsets)
    spans, start, prev = [], offsets[0], offsets[0]
    for o in offsets[1:]:
        if o != prev + 1:
            spans.append(f"{start}-{prev}" if start != prev else str(start))
            start = o
        prev = o
    spans.append(f"{start}-{prev}" if start != prev else str(start))
    return ",".join(spans[:12]) + (f" (+{len(spans) - 12} more)" if len(spans) > 12 else "")


async def _where_they_stopped(lab: Lab, run: str, since: dict[int, int]) -> str:
    """Per partition of the original topic, from the offsets it had before the re-drive: the
    re-driven records not applied yet (offset ranges), the offsets that only a read_uncommitted reader
    sees (aborted transactions, markers excluded), the high watermark, the last stable offset (an
    open transaction holds it back) and the faultbox group's committed offset — what tells a stuck
    transaction from a stuck consumer from a skipped record. Each step has its own time budget, so
    one that hangs does not hide the others."""
    from aiokafka.admin import AIOKafkaAdminClient

    lines: list[str] = []

    async def step(name: str, make: Any, budget: float = 20) -> Any:
        try:
            return await asyncio.wait_for(make(), timeout=budget)
        except Exception as exc:  # noqa: BLE001 - a diagnosis reports what it could not read
            lines.append(f"({name} failed: {exc!r})")
            return None

    high = await step("high watermarks", lambda: _end_offsets(lab, "read_uncommitted")) or {}
    stable = await step("last stable offsets", lambda: _end_offsets(lab, "read_committed")) or {}

    async def group_offsets() -> dict[str, dict[int, int]]:
        admin = AIOKafkaAdminClient(bootstrap_servers=lab.kafka)
        await admin.start()
        try:
            groups = {}
            for group, _ in await admin.list_consumer_groups():
                offsets = await admin.list_consumer_group_offsets(group)
                mine = {tp.partition: m.offset for tp, m in offsets.items() if tp.topic == fb.RECORDED.topic}
                if mine:
                    groups[group] = mine
            return groups
        finally:
            await admin.close()

    groups = await step("group offsets", group_offsets) or {}

    async def applied_keys() -> set[tuple[str, int]]:
        async with lab.db.connect() as conn:
            rows = await conn.execute(
                text("SELECT key, seq FROM effects WHERE run = :run AND consumer = 'apply'"), {"run": run}
            )
            return {(row[0], row[1]) for row in rows}

    applied = await step("applied effects", applied_keys) or set()
    committed = await step("committed records", lambda: _records_since(lab, since, "read_committed"), 30) or []
    everything = await step("all records", lambda: _records_since(lab, since, "read_uncommitted"), 30) or []
    visible = {(r.partition, r.offset) for r in committed}
    missing: dict[int, list[int]] = {}
    redriven: dict[int, int] = {}
    for r in committed:
        if run_of(r) != run or "dlq.redriven_from" not in dict(r.headers or ()):
            continue
        redriven[r.partition] = redriven.get(r.partition, 0) + 1
        value = json.loads(r.value)
        if (value["payload"]["key"], value["payload"]["seq"]) not in applied:
            missing.setdefault(r.partition, []).append(r.offset)
    aborted: dict[int, list[int]] = {}
    for r in everything:
        if (r.partition, r.offset) not in visible:
            aborted.setdefault(r.partition, []).append(r.offset)
    lines.append(
        f"re-driven records of {run} visible to read_committed: {sum(redriven.values())}; applied: {len(applied)}"
    )
    back = {dict(r.headers or ()).get("dlq.redriven_from", b"").decode() for r in committed if run_of(r) == run}
    dead = await step("dead letters", lambda: lab.topic_records(fb.RECORDED.dlq_topic)) or []
    not_back: dict[int, list[int]] = {}
    for r in dead:
        if run_of(r) == run and f"{r.topic}:{r.partition}:{r.offset}" not in back:
            not_back.setdefault(r.partition, []).append(r.offset)
    others = Counter(
        (r.partition, dict(r.headers or ()).get("dlq.reason", b"?").decode()) for r in dead if run_of(r) != run
    )
    lines.append(
        f"dead letters of {run} never re-driven, by DLQ partition: { {p: _ranges(o) for p, o in not_back.items()} }; "
        f"other dead letters (partition, reason): {dict(others)}"
    )
    for p in sorted(set(since) | set(high)):
        lines.append(
            f"p{p}: since={since.get(p)} high={high.get(p)} stable={stable.get(p)} "
            f"groups={ {g: o.get(p) for g, o in groups.items()} } redriven={redriven.get(p, 0)} "
            f"not_applied={_ranges(missing.get(p, []))} aborted={_ranges(aborted.get(p, []))}"
        )
    return "\n".join(lines) + "\n" + lab.log_tails(30)


def _redrive_cli(lab: Lab, log: Any, *args: str) -> Any:
    import subprocess
    import sys

    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "huntaze_streams",
            "dlq",
            "redrive",
            fb.RECORDED.dlq_topic,
            "--reason",
            "handler_failed",
            *args,
        ],
        env=dict(lab.env, HUNTAZE_STREAMS_EVENT_MODULES="huntaze_testkit.faultbox"),
        stdout=subprocess.DEVNULL,
        stderr=log,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.timeout(900)  # the diagnosis of a failure has its own budget on top of the waits
async def test_f13_dlq_redrive_sigkilled_mid_way_then_run_again(fresh_lab: Lab, capsys: Any) -> None:
    import re

    lab = fresh_lab
    run = new_run("F13")
    items = items_for(20, 100)  # 2,000 items, every one poisoned until the "fix"
    lab.faultbox(
        role="worker",
        fail_always_seqs=",".join(str(s) for s in range(100)),
        retry_max_attempts=2,
        retry_initial_backoff_s=0.001,
        retry_max_backoff_s=0.002,
    )
    produced = await lab.produce(fb.RECORDED, recorded(run, items))
    deadline = time.monotonic() + 300
    while len(dead := await lab.topic_records(fb.RECORDED.dlq_topic, where=lambda r: run_of(r) == run)) < len(items):
        assert time.monotonic() < deadline, f"only {len(dead)} of {len(items)} dead-lettered"
        await asyncio.sleep(1)
    lab.stop_all()
    lab.faultbox(role="worker")  # the fix: no injected failure any more

    since = await _end_offsets(lab, "read_uncommitted")  # where the re-driven records will start
    logfile = lab.logdir / f"{run}-redrive.log"
    started = time.monotonic()
    log = await asyncio.to_thread(logfile.open, "wb")
    try:
        first = _redrive_cli(lab, log, "--batch", "100", "--rate", "500")
        killed_after = 0
        while killed_after < 300:
            assert first.poll() is None, logfile.read_text()
            await asyncio.sleep(0.1)
            counts = [int(n.replace(",", "")) for n in re.findall(r"re-driven ([\d,]+)", logfile.read_text())]
            killed_after = max(counts, default=0)
        first.kill()  # SIGKILL mid-way, between (or inside) transactions
        first.wait()
        second = _redrive_cli(lab, log)
        assert second.wait(timeout=300) == 0, logfile.read_text()
        third = _redrive_cli(lab, log)
        assert third.wait(timeout=120) == 0, logfile.read_text()
    finally:
        log.close()
    recovery = time.monotonic() - started
    runs = re.findall(r"re-drove ([\d,]+) record", logfile.read_text())
    third_count = int(runs[-1].replace(",", ""))

    try:
        await lab.wait_effects(run, "apply", len(items), timeout=150)
        await lab.wait_effects(run, "count", len(items), timeout=150)
    except AssertionError as failed:  # say where they stopped, within the test's own time limit
        try:
            where = await asyncio.wait_for(_where_they_stopped(lab, run, since), timeout=150)
        except TimeoutError:
            where = "(the per-partition diagnosis did not finish in 150 s)\n" + lab.log_tails(30)
        where += "\n--- the re-drive runs' log\n" + logfile.read_text(errors="replace")[-4000:]
        raise AssertionError(f"{failed}\n{where}") from None
    committed = await _redriven(lab, run, "read_committed")
    uncommitted = await _redriven(lab, run, "read_uncommitted")
    sources = {dict(r.headers)["dlq.redriven_from"] for r in committed}
    report = Report(
        "F13",
        produced=produced,
        dlq=len(dead),
        recovery_s=recovery,
        extra={
            "killed_after": killed_after,
            "redriven_committed": len(committed),
            "wire_duplicates": wire_duplicates(committed),
            "aborted_seen_uncommitted": len(uncommitted) - len(committed),
            "third_run": third_count,
        },
    )
    await check_both_hops(lab, run, items, report)
    emit(capsys, report)
    assert len(committed) == len(items) == len(sources), report.line()
    assert wire_duplicates(committed) == 0 and third_count == 0, report.line()
