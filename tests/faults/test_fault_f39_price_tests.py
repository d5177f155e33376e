"""F39: a price test read out and ended through a SIGKILL of the ai worker. Ten creators each start a
test of 900 against 2,400 (``POST /v1/ai/pricing/experiments`` on a real ai API process); 300 offers per
creator carry the test's id, each fan priced by ``arm_of``; every fan of the dearer arm unlocks, one in
ten of the cheaper; a quarter of it all twice on the wire, shuffled. The ai worker — its
``pricing_offers`` and ``pricing_unlocks`` consumers, which read each touched test out and end it at a
decision in the same transaction — is SIGKILLed once a third of the offers are stored, and restarted; the
inbox worker (``price_tests_started``/``_ended``) runs alongside.

Afterwards: every test's offers and unlocks per arm exact (none twice, none lost), every test ended
exactly once (one ``price_experiment.ended`` each, a winner at 2,400), and the inbox knows each test
started and ended."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from huntaze_events import PpvOffered, PpvUnlocked, arm_of, make_envelope
from huntaze_events.inbox import OfferBy
from huntaze_testkit import internal_headers
from huntaze_testkit.lab import Lab, Report, emit

pytestmark = pytest.mark.timeout(300)

CREATORS, OFFERS, ARMS = 10, 300, (900, 2400)


def events(creator: uuid.UUID, experiment: uuid.UUID) -> tuple[list[Any], dict[int, tuple[int, int]]]:
    now, out = datetime.now(UTC), []
    counts = {p: [0, 0] for p in ARMS}
    for i in range(OFFERS):
        fan = uuid.uuid4()
        price = ARMS[arm_of(experiment, fan, len(ARMS))]
        common: dict[str, Any] = dict(offer_id=uuid.uuid4(), conversation_id=uuid.uuid4(), fan_id=fan,
                                      media_ids=[uuid.uuid4()], by=OfferBy(user_id=uuid.uuid4()), currency="USD")  # fmt: skip
        at = now - timedelta(minutes=OFFERS - i)
        out.append(PpvOffered(**common, text="set", price_cents=price, sent_at=at, expires_at=at + timedelta(days=2),
                              experiment_id=experiment))  # fmt: skip
        counts[price][0] += 1
        if price == ARMS[1] or i % 10 == 0:
            counts[price][1] += 1
            out.append(PpvUnlocked(**common, transaction_id=uuid.uuid4(), price_cents=price, gross_cents=price,
                                   net_cents=price * 8 // 10, offered_at=at, unlocked_at=at + timedelta(minutes=5)))  # fmt: skip
    envelopes = [make_envelope(p, producer="inbox", creator_id=creator) for p in out]
    return envelopes, {p: (c[0], c[1]) for p, c in counts.items()}


async def test_f39_price_tests_are_read_out_and_ended_once_through_a_sigkill(fresh_lab: Lab, capsys: Any) -> None:
    lab = fresh_lab
    api = lab.service("ai", role="api")
    worker = lab.service("ai", role="worker", AI_TIMER_LEASE_S="5")
    lab.service("inbox", role="worker")
    db = create_async_engine(lab.env["AI_DATABASE_URL"])
    inbox_db = create_async_engine(lab.env["INBOX_DATABASE_URL"])
    creators = [uuid.uuid4() for _ in range(CREATORS)]
    tests: dict[uuid.UUID, uuid.UUID] = {}
    expected: dict[uuid.UUID, dict[int, tuple[int, int]]] = {}
    wire: list[Any] = []
    originals = 0
    try:
        async with httpx.AsyncClient(base_url=api.url, timeout=30) as client:
            for creator in creators:
                started = await client.post(
                    "/v1/ai/pricing/experiments",
                    json={"name": "9 or 24", "prices_cents": list(ARMS), "min_offers_per_arm": 100,
                          "max_offers_per_arm": 1000},
                    headers=internal_headers(creator, uuid.uuid4(), role="owner"),
                )  # fmt: skip
                assert started.status_code == 201, started.text
                tests[creator] = uuid.UUID(started.json()["experiment_id"])
                envelopes, expected[creator] = events(creator, tests[creator])
                wire += envelopes + random.Random(39).sample(envelopes, len(envelopes) // 4)
                originals += len(envelopes)
        random.Random(139).shuffle(wire)
        offers_sent = sum(c[0] for e in expected.values() for c in e.values())

        async def scalar(sql: str, engine: Any = db) -> int:
            async with engine.connect() as conn:
                return int((await conn.execute(text(sql), {"ids": list(tests.values())})).scalar() or 0)

        async def stored() -> int:
            return await scalar("SELECT count(*) FROM pricing_offers WHERE experiment_id = ANY(:ids)")

        sending = asyncio.create_task(lab.produce_all(wire, per_second=600))
        killed_at, restarted = await lab.kill_when(worker, stored, offers_sent // 3)
        produced = await sending

        async def settled() -> bool:
            unlocks = await scalar(
                "SELECT count(*) FROM pricing_offers WHERE experiment_id = ANY(:ids) AND unlocked_at IS NOT NULL"
            )
            ended = await scalar(
                "SELECT count(*) FROM price_experiments WHERE experiment_id = ANY(:ids) AND status <> 'running'"
            )
            known = await scalar("SELECT count(*) FROM price_tests WHERE experiment_id = ANY(:ids) AND ended_at IS NOT NULL",
                                 inbox_db)  # fmt: skip
            want = sum(c[1] for e in expected.values() for c in e.values())
            return await stored() == offers_sent and unlocks == want and ended == CREATORS and known == CREATORS

        deadline = time.monotonic() + 180
        while not await settled():
            assert time.monotonic() < deadline, (await stored(), lab.log_tails())
            await asyncio.sleep(0.5)
        recovery = time.monotonic() - restarted
        await asyncio.sleep(2)
        async with db.connect() as conn:
            rows = await conn.execute(
                text("SELECT experiment_id, price_cents, count(*), count(unlocked_at) FROM pricing_offers "
                     "WHERE experiment_id = ANY(:ids) GROUP BY experiment_id, price_cents"), {"ids": list(tests.values())},
            )  # fmt: skip
            got = {(r[0], int(r[1])): (int(r[2]), int(r[3])) for r in rows}
            statuses = dict((await conn.execute(
                text("SELECT experiment_id, status || ':' || coalesce(winner_price_cents::text, '-') FROM price_experiments "
                     "WHERE experiment_id = ANY(:ids)"), {"ids": list(tests.values())})).all())  # fmt: skip
            outbox = await conn.execute(
                text("SELECT convert_from(value, 'UTF8')::jsonb -> 'payload' ->> 'experiment_id' FROM outbox "
                     "WHERE topic = 'price_experiment.ended.v1'"),
            )  # fmt: skip
            ends = [uuid.UUID(r[0]) for r in outbox if r[0] and uuid.UUID(r[0]) in set(tests.values())]
        dead = await scalar("SELECT count(*) FROM timers WHERE state = 'dead'")
    finally:
        await db.dispose()
        await inbox_db.dispose()
    want = {(tests[c], p): n for c, e in expected.items() for p, n in e.items()}
    over = sum(max(0, got.get(k, (0, 0))[i] - want[k][i]) for k in want for i in (0, 1))
    under = sum(max(0, want[k][i] - got.get(k, (0, 0))[i]) for k in want for i in (0, 1))
    twice = len(ends) - len(set(ends))
    report = Report(
        "F39",
        produced=produced,
        effects=sum(a + b for a, b in got.values()) + len(ends),
        duplicates=over + twice,
        lost=under + (CREATORS - len(set(ends))),
        dlq=dead,
        recovery_s=recovery,
        extra={"tests": CREATORS, "offers": sum(a for a, _ in got.values()), "unlocks": sum(b for _, b in got.values()),
               "ended": len(set(ends)), "winners_2400": sum(1 for s in statuses.values() if s == "winner:2400"),
               "killed_at_offers": killed_at, "wire_repeats": len(wire) - originals},
    )  # fmt: skip
    emit(capsys, report)
    assert report.duplicates == 0 and report.lost == 0 and report.dlq == 0, report.line()
    assert all(s == "winner:2400" for s in statuses.values()) and len(statuses) == CREATORS, statuses
    assert 0 < killed_at < offers_sent, report.line()
