"""F35: analytics' weekly summaries through two SIGKILLs of the analytics worker. 40 creators, each with
60 sales, refunds and chargebacks over the last two weeks (a few in EUR), a quarter of them twice on
the wire, shuffled, produced at a pace; each creator's first revenue event sets their weekly timer
(first firing 45 s later here; timers are fired four at a time, so a kill lands between firings).
The worker is SIGKILLed once a third of the transactions are stored, and again once the first
summaries are written (around the firings: a batch of timers killed mid-way is rolled back and fired
again after its lease), and restarted each time.

Afterwards: every transaction stored once, one timer per creator (recurring), and exactly one
``week.summarized`` per creator in analytics' outbox, with the exact revenue of both weeks in the
creator's main currency (the percentage by the ai's rule) and its sources adding up to it."""

from __future__ import annotations

import asyncio
import json
import random
import signal
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from huntaze_events import REGISTRY, FanRef, TransactionRecorded, make_envelope
from huntaze_testkit.lab import Lab, Report, emit

pytestmark = pytest.mark.timeout(300)

CREATORS, PER_CREATOR, FIRST_S = 40, 60, 45
TYPES = ("subscription", "renewal", "message", "post", "tip", "stream_tip", "refund", "chargeback")


def pct(current: int, previous: int) -> float | None:
    if previous == 0:
        return None
    return float((Decimal(current - previous) * 100 / Decimal(abs(previous))).quantize(Decimal("0.1"), ROUND_HALF_UP))


def events(rng: random.Random, now: datetime) -> tuple[list[Any], dict[str, dict[str, list[int]]]]:
    """The envelopes, and per creator and currency: [net this week, net the week before, transactions]."""
    out: list[Any] = []
    expected: dict[str, dict[str, list[int]]] = {}
    for c in range(CREATORS):
        creator = uuid.uuid4()
        sums = expected.setdefault(str(creator), {})
        fans = [FanRef(fan_id=uuid.uuid4(), external_id=f"f35_{c}_{i}", display_name=f"Fan {i}") for i in range(5)]
        for i in range(PER_CREATOR):
            type_ = TYPES[rng.randrange(len(TYPES))]
            gross = rng.randrange(100, 20_000) * (-1 if type_ in ("refund", "chargeback") else 1)
            fee = int(gross * 0.2)
            current = i % 3 != 0
            # this week: 1 hour to 6.5 days back; the week before: 7.5 to 13.5 days back (the first
            # firing is FIRST_S after the first event: both weeks keep these whole)
            back = timedelta(hours=rng.uniform(1, 156)) if current else timedelta(hours=rng.uniform(180, 324))
            currency = "EUR" if i % 17 == 5 else "USD"
            fan = fans[i % len(fans)]
            payload = TransactionRecorded(transaction_id=uuid.uuid4(), fan_id=fan.fan_id, fan=fan, type=type_,  # type: ignore[arg-type]
                                          gross_cents=gross, fee_cents=fee, net_cents=gross - fee, currency=currency,
                                          occurred_at=now - back, source="connector")  # fmt: skip
            out.append(make_envelope(payload, producer="fans", creator_id=creator))
            row = sums.setdefault(currency, [0, 0, 0])
            row[0 if current else 1] += gross - fee
            row[2] += 1
    return out, expected


def main_currency(sums: dict[str, list[int]]) -> str:
    """analytics.weekly's rule, restated: most net this week, then the week before, then transactions, then code."""
    return min(sums, key=lambda c: (-sums[c][0], -sums[c][1], -sums[c][2], c))


async def test_f35_one_exact_weekly_summary_per_creator_through_sigkills(fresh_lab: Lab, capsys: Any) -> None:
    lab = fresh_lab
    rng = random.Random(35)
    envelopes, expected = events(rng, datetime.now(UTC))
    wire = envelopes + rng.sample(envelopes, len(envelopes) // 4)
    rng.shuffle(wire)
    worker = lab.service("analytics", role="worker", ANALYTICS_TIMER_LEASE_S="5", ANALYTICS_TIMER_BATCH_SIZE="4",
                         ANALYTICS_WEEKLY_FIRST_S=str(FIRST_S))  # fmt: skip
    db = create_async_engine(lab.env["ANALYTICS_DATABASE_URL"])
    creators = list(expected)

    async def scalar(sql: str) -> int:
        async with db.connect() as conn:
            return int((await conn.execute(text(sql), {"c": creators})).scalar() or 0)

    async def stored() -> int:
        return await scalar("SELECT count(*) FROM transactions WHERE creator_id::text = ANY(:c)")

    async def summarized() -> int:
        return await scalar("SELECT count(*) FROM weekly_summaries WHERE creator_id::text = ANY(:c)")

    async def restart() -> None:
        worker.kill(signal.SIGKILL)
        await asyncio.sleep(1)
        worker.start()
        await asyncio.to_thread(worker.wait_ready)

    try:
        sending = asyncio.create_task(lab.produce(REGISTRY.for_model(TransactionRecorded), wire, per_second=250))
        deadline = time.monotonic() + 120
        while (killed_at := await stored()) < len(envelopes) // 3:
            assert time.monotonic() < deadline, (killed_at, lab.log_tails())
            await asyncio.sleep(0.02)
        restarted = time.monotonic()
        await restart()
        produced = await sending

        deadline = time.monotonic() + 120
        while (killed_at_summaries := await summarized()) < 1:  # the firings have begun
            assert time.monotonic() < deadline, (await stored(), lab.log_tails())
            await asyncio.sleep(0.02)
        await restart()

        async def settled() -> bool:
            moved = await scalar(
                "SELECT count(*) FROM timers WHERE kind = 'weekly_summary' AND key = ANY(:c) "
                "AND due_at > now() + interval '1 hour'"
            )
            return await summarized() == CREATORS and moved == CREATORS

        deadline = time.monotonic() + 180
        while not await settled():
            assert time.monotonic() < deadline, (await summarized(), lab.log_tails())
            await asyncio.sleep(0.5)
        recovery = time.monotonic() - restarted
        await asyncio.sleep(2)
        facts = await stored()
        timers = await scalar("SELECT count(*) FROM timers WHERE kind = 'weekly_summary' AND key = ANY(:c)")
        rows = await summarized()
        dead = await scalar("SELECT count(*) FROM timers WHERE state = 'dead'")
        async with db.connect() as conn:
            found = await conn.execute(
                text("SELECT convert_from(value, 'UTF8') FROM outbox WHERE topic = 'week.summarized.v1'")
            )
            summaries = [json.loads(r[0]) for r in found]
    finally:
        await db.dispose()
    mine = [s for s in summaries if s["creator_id"] in expected]
    per_creator: dict[str, list[dict[str, Any]]] = {}
    for s in mine:
        per_creator.setdefault(s["creator_id"], []).append(s["payload"])
    wrong = 0
    for creator, sums in expected.items():
        main = main_currency(sums)
        week, before, _ = sums[main]
        for p in per_creator.get(creator, []):
            got = (p["currency"], p["revenue_cents"], p["previous_revenue_cents"], p["change_cents"], p["change_pct"])
            by_source = [sum(m[k] for m in p["by_source"]) for k in ("revenue_cents", "previous_revenue_cents")]
            others = sorted(set(sums) - {main})
            if got != (main, week, before, week - before, pct(week, before)) or by_source != [week, before]:
                wrong += 1
            elif p["other_currencies"] != others:
                wrong += 1
    twice = sum(max(0, len(v) - 1) for v in per_creator.values())
    missing = sum(1 for c in expected if c not in per_creator)
    report = Report(
        "F35",
        produced=produced,
        effects=facts + len(mine),
        duplicates=max(0, facts - len(envelopes)) + twice + max(0, timers - CREATORS) + max(0, rows - CREATORS),
        lost=max(0, len(envelopes) - facts) + missing + wrong + max(0, CREATORS - timers),
        dlq=dead,
        recovery_s=recovery,
        extra={"creators": CREATORS, "transactions": facts, "week_summarized": len(mine), "wrong_figures": wrong,
               "killed_at_transactions": killed_at, "killed_at_summaries": killed_at_summaries,
               "wire_repeats": len(wire) - len(envelopes)},
    )  # fmt: skip
    emit(capsys, report)
    assert report.duplicates == 0 and report.lost == 0 and report.dlq == 0, report.line()
    assert len(mine) == CREATORS and 0 < killed_at < len(envelopes), report.line()
