"""F38: the ai's anomaly read model and hourly check through a SIGKILL of the ai worker. Three creators:
a busy one (three sales an hour for three weeks, then three silent hours: one drop), a steady one (the
same without the silence: nothing) and one whose tracking link converted a fifth of 80 daily visitors for
ten days, then nobody yesterday (one link drop); a quarter of every event twice on the wire, shuffled.
The ai worker — its ``anomaly_sales``, ``anomaly_clicks`` and ``anomaly_conversions`` consumers and the
creators' ``anomaly_check`` timers (first run 30 s after their first event, once everything is in) — is
SIGKILLed once a third of the sales are stored, and restarted.

Afterwards: every creator's hourly sales and net revenue and every link day exact (none twice, none
lost), one recurring check timer per creator, and exactly one ``anomaly.detected`` per episode: a
revenue_drop for the busy creator, a link_conversion_drop for the link, nothing for the steady one."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from huntaze_events import ConversionTracked, FanRef, LinkClicked, TransactionRecorded, make_envelope
from huntaze_testkit.lab import Lab, Report, emit

pytestmark = pytest.mark.timeout(300)

PER_HOUR, NET = 3, 1200


def sales(creator: uuid.UUID, last: datetime, *, silent_hours: int) -> list[Any]:
    out = []
    hour = last - timedelta(weeks=3, hours=6)
    while hour <= last - timedelta(hours=silent_hours):
        for i in range(PER_HOUR):
            fan = uuid.uuid4()
            payload = TransactionRecorded(
                transaction_id=uuid.uuid4(), fan_id=fan, fan=FanRef(fan_id=fan, external_id=f"f38_{fan.hex[:8]}",
                display_name="Fan"), type="message", gross_cents=1500, fee_cents=300, net_cents=NET, currency="USD",
                occurred_at=hour + timedelta(minutes=11 * i + 3), source="connector")  # fmt: skip
            out.append(make_envelope(payload, producer="fans", creator_id=creator))
        hour += timedelta(hours=1)
    return out


def link_days(creator: uuid.UUID, link: uuid.UUID, now: datetime) -> tuple[list[Any], int, int]:
    out: list[Any] = []
    clicks = conversions = 0
    for days_ago in range(1, 12):
        day = datetime.combine(now.date() - timedelta(days=days_ago), datetime.min.time(), tzinfo=UTC)
        for i in range(80):
            out.append(
                LinkClicked(link_id=link, click_id=uuid.uuid4(), clicked_at=day + timedelta(minutes=9 * i), bot=False)
            )
        for i in range(0 if days_ago == 1 else 16):
            out.append(ConversionTracked(fan_id=uuid.uuid4(), link_id=link, onlyfans_link="https://onlyfans.com/f38",
                                         converted_at=day + timedelta(hours=3, minutes=i)))  # fmt: skip
        clicks, conversions = clicks + 80, conversions + (0 if days_ago == 1 else 16)
    return [make_envelope(p, producer="marketing", creator_id=creator) for p in out], clicks, conversions


async def test_f38_anomaly_counts_and_alerts_are_exact_through_a_sigkill(fresh_lab: Lab, capsys: Any) -> None:
    lab = fresh_lab
    now = datetime.now(UTC)
    last = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    busy, steady, marketer, link = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    busy_sales, steady_sales = sales(busy, last, silent_hours=3), sales(steady, last, silent_hours=0)
    visits, clicks, conversions = link_days(marketer, link, now)
    envelopes = busy_sales + steady_sales + visits
    wire = envelopes + random.Random(38).sample(envelopes, len(envelopes) // 4)
    random.Random(138).shuffle(wire)
    worker = lab.service("ai", role="worker", AI_TIMER_LEASE_S="5", AI_ANOMALY_FIRST_CHECK_S="30")
    db = create_async_engine(lab.env["AI_DATABASE_URL"])
    creators = [busy, steady, marketer]

    async def scalar(sql: str, **params: Any) -> int:
        async with db.connect() as conn:
            return int((await conn.execute(text(sql), {"cs": creators, **params})).scalar() or 0)

    async def stored_sales() -> int:
        return await scalar("SELECT coalesce(sum(sales), 0) FROM anomaly_revenue_hours WHERE creator_id = ANY(:cs)")

    total_sales = len(busy_sales) + len(steady_sales)
    try:
        sending = asyncio.create_task(lab.produce_all(wire, per_second=400))
        killed_at, restarted = await lab.kill_when(worker, stored_sales, total_sales // 3)
        produced = await sending

        async def checked() -> int:
            return await scalar(
                "SELECT count(*) FROM anomaly_checks WHERE creator_id = ANY(:cs) AND last_hour IS NOT NULL"
            )

        deadline = time.monotonic() + 180
        while await stored_sales() < total_sales or await checked() < len(creators):
            assert time.monotonic() < deadline, (await stored_sales(), await checked(), lab.log_tails())
            await asyncio.sleep(0.5)
        recovery = time.monotonic() - restarted
        await asyncio.sleep(2)
        net = await scalar("SELECT coalesce(sum(net_cents), 0) FROM anomaly_revenue_hours WHERE creator_id = ANY(:cs)")
        hours = await scalar("SELECT count(*) FROM anomaly_revenue_hours WHERE creator_id = ANY(:cs)")
        got_sales = await stored_sales()
        got_clicks = await scalar("SELECT coalesce(sum(clicks), 0) FROM anomaly_link_days WHERE creator_id = ANY(:cs)")
        got_conversions = await scalar(
            "SELECT coalesce(sum(conversions), 0) FROM anomaly_link_days WHERE creator_id = ANY(:cs)"
        )
        timers = await scalar("SELECT count(*) FROM timers WHERE kind = 'anomaly_check' AND key = ANY(CAST(:ks AS text[]))",
                              ks=[str(c) for c in creators])  # fmt: skip
        async with db.connect() as conn:
            rows = await conn.execute(
                text("SELECT convert_from(value, 'UTF8')::jsonb ->> 'creator_id', "
                     "convert_from(value, 'UTF8')::jsonb -> 'payload' ->> 'kind' FROM outbox "
                     "WHERE topic = 'anomaly.detected.v1'"),
            )  # fmt: skip
            alerts = [(uuid.UUID(r[0]), r[1]) for r in rows if r[0] and uuid.UUID(r[0]) in creators]
        dead = await scalar("SELECT count(*) FROM timers WHERE state = 'dead'")
    finally:
        await db.dispose()
    expected_alerts = [(busy, "revenue_drop"), (marketer, "link_conversion_drop")]
    twice = len(alerts) - len(set(alerts))
    report = Report(
        "F38",
        produced=produced,
        effects=got_sales + got_clicks + got_conversions + len(alerts),
        duplicates=max(0, got_sales - total_sales) + max(0, got_clicks - clicks)
        + max(0, got_conversions - conversions) + twice + max(0, timers - len(creators)),
        lost=max(0, total_sales - got_sales) + max(0, clicks - got_clicks) + max(0, conversions - got_conversions)
        + len(set(expected_alerts) - set(alerts)) + max(0, len(creators) - timers),
        dlq=dead,
        recovery_s=recovery,
        extra={"sales": got_sales, "hours": hours, "net_exact": net == total_sales * NET, "clicks": got_clicks,
               "conversions": got_conversions, "alerts": len(alerts), "false_alerts": len(set(alerts) - set(expected_alerts)),
               "killed_at_sales": killed_at, "wire_repeats": len(wire) - len(envelopes)},
    )  # fmt: skip
    emit(capsys, report)
    assert report.duplicates == 0 and report.lost == 0 and report.dlq == 0, report.line()
    assert net == total_sales * NET and set(alerts) == set(expected_alerts), report.line()
    assert 0 < killed_at < total_sales, report.line()
