"""F14: fans erased while the erasure consumers (the inbox, ai and analytics workers) are SIGKILLed
mid-stream and restarted. Real services as processes on the `faults` profile, like F1 and F12.

The effect counted is the tombstone each service records per erased fan (``erased_fans``): its
``applications`` column counts every time a fan.erased was applied, so a second application shows
(a duplicate), and a missing row is a loss. The fans service's own effect is the fan.erased row in
its outbox (one per fan, whatever the requests). Afterwards no service database holds anything of
the run's fans (names, OnlyFans ids, messages, drafts: one marker searched in every text, JSON,
array and bytea column) and the money is exact in fans and analytics.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from huntaze_events import REGISTRY, FanErased
from huntaze_testkit import internal_headers
from huntaze_testkit.lab import Lab, Report, emit, post_until_answered, wire_duplicates

pytestmark = pytest.mark.timeout(600)

FANS = 300
MESSAGES_PER_FAN = 2
ASKED_TWICE = 50
"""Fans whose erasure is requested a second time (the route answers the same, emits nothing)."""
CONSUMERS = ("inbox", "ai", "analytics")
TEXTUAL = {"text", "character varying", "character", "json", "jsonb", "ARRAY"}


async def rows_holding(url: str, needle: str) -> int:
    """Rows of the database holding ``needle`` in any text, JSON, array (case-insensitive) or bytea column."""
    engine = create_async_engine(url)
    found = 0
    try:
        async with engine.connect() as conn:
            columns = (
                await conn.execute(
                    text(
                        "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c "
                        "JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
                        "WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'"
                    )
                )
            ).all()
            for table, column, data_type in columns:
                if data_type == "bytea":
                    condition = f'position(CAST(:needle AS bytea) IN "{column}") > 0'
                elif data_type in TEXTUAL:
                    condition = f'strpos(lower(CAST("{column}" AS text)), lower(:needle)) > 0'
                else:
                    continue
                sql = text(f'SELECT count(*) FROM "{table}" WHERE {condition}')
                found += int((await conn.execute(sql, {"needle": needle})).scalar() or 0)
    finally:
        await engine.dispose()
    return found


async def test_f14_fans_erased_while_the_erasure_consumers_are_sigkilled(fresh_lab: Lab, capsys: Any) -> None:
    lab = fresh_lab
    creator, owner = uuid.uuid4(), uuid.uuid4()
    marker = f"q{uuid.uuid4().hex[:9]}"  # in every handle, name and text of the run

    def headers() -> dict[str, str]:  # as the gateway forwards each request: a fresh internal token
        return internal_headers(creator, owner, role="owner")

    inbox_api = lab.service("inbox", role="api")
    fans_api = lab.service("fans", role="api")
    workers = {name: lab.service(name, role="worker") for name in (*CONSUMERS, "fans")}
    db = {name: create_async_engine(lab.env[f"{name.upper()}_DATABASE_URL"]) for name in (*CONSUMERS, "fans")}

    async def scalar(service: str, sql: str) -> int:
        async with db[service].connect() as conn:
            return int((await conn.execute(text(sql), {"c": creator})).scalar() or 0)

    async def tombstones() -> dict[str, int]:
        return {s: await scalar(s, "SELECT count(*) FROM erased_fans WHERE creator_id = :c") for s in CONSUMERS}

    try:
        async with httpx.AsyncClient(timeout=30) as client:

            async def post(url: str, body: dict[str, Any], ok: int) -> Any:
                return await post_until_answered(client, url, body, ok, headers)

            # -- personal data of FANS fans: messages (→ drafts), one sale each ----------------------------
            fan_ids: list[str] = []
            for i in range(FANS):
                fan = {"external_id": f"{marker}_{i}", "display_name": f"{marker} Fan {i}"}
                for k in range(MESSAGES_PER_FAN):
                    body = {
                        "fan": fan,
                        "text": f"{marker}-{i}-{k} my number is 0770 {i:04d}",
                        "external_id": f"{i}-{k}",
                    }
                    accepted = await post(f"{inbox_api.url}/v1/inbox/messages", body, 202)
                fan_ids.append(accepted["fan_id"])
            at = datetime.now(UTC) - timedelta(days=3)
            sales = [
                {
                    "external_id": f"tx-{creator.hex[:8]}-{i}",  # the sale's id: kept (not the fan's)
                    "fan": {"external_id": f"{marker}_{i}", "display_name": f"{marker} Fan {i}"},
                    "type": "tip",
                    "gross_cents": 1_000 + i,
                    "currency": "USD",
                    "occurred_at": (at + timedelta(seconds=i)).isoformat(),
                }
                for i in range(FANS)
            ]
            recorded = await post(f"{fans_api.url}/v1/revenue/transactions", {"items": sales}, 200)
            assert recorded["accepted"] == FANS, recorded
            expected_net = sum(s["gross_cents"] - (s["gross_cents"] * 20 + 50) // 100 for s in sales)

            deadline = time.monotonic() + 180
            while (
                await scalar("ai", "SELECT count(*) FROM generations WHERE creator_id = :c") < FANS * MESSAGES_PER_FAN
                or await scalar("analytics", "SELECT count(*) FROM fans WHERE creator_id = :c") < FANS
                or await scalar("analytics", "SELECT count(*) FROM transactions WHERE creator_id = :c") < FANS
                or await scalar("fans", "SELECT coalesce(sum(message_count), 0) FROM fans WHERE creator_id = :c")
                < FANS * MESSAGES_PER_FAN
            ):
                assert time.monotonic() < deadline, "the personal data never settled"
                await asyncio.sleep(0.25)
            await asyncio.sleep(1)  # every relay has published what the seeding committed
            assert await rows_holding(lab.env["INBOX_DATABASE_URL"], marker) > 0

            # -- erasures through the fans api, the erasure consumers SIGKILLed mid-stream --------------------
            async def erase_all() -> None:
                gate = asyncio.Semaphore(8)

                async def erase(fan_id: str) -> None:
                    async with gate:
                        await post(f"{fans_api.url}/v1/fans/{fan_id}/erase", {}, 202)

                for start in range(0, FANS, 20):
                    await asyncio.gather(*(erase(f) for f in fan_ids[start : start + 20]))
                    await asyncio.sleep(0.15)
                answers = [await post(f"{fans_api.url}/v1/fans/{f}/erase", {}, 202) for f in fan_ids[:ASKED_TWICE]]
                assert all(a["requested_by"] == str(owner) for a in answers)

            erasing = asyncio.create_task(erase_all())
            deadline = time.monotonic() + 120
            while min((await tombstones()).values()) < FANS // 4:
                assert time.monotonic() < deadline, await tombstones()
                await asyncio.sleep(0.02)
            killed_at = await tombstones()
            for name in CONSUMERS:
                workers[name].kill(signal.SIGKILL)
            restarted = time.monotonic()
            await asyncio.sleep(1)
            for name in CONSUMERS:
                workers[name].start()
            for name in CONSUMERS:
                workers[name].wait_ready()
            await erasing
            while min((await tombstones()).values()) < FANS:
                assert time.monotonic() - restarted < 300, await tombstones()
                await asyncio.sleep(0.25)
            recovery = time.monotonic() - restarted
            await asyncio.sleep(2)  # a late second application would show now

        found = await tombstones()
        applications = {
            s: await scalar(s, "SELECT coalesce(sum(applications - 1), 0) FROM erased_fans WHERE creator_id = :c")
            for s in CONSUMERS
        }
        outbox = await scalar(
            "fans",
            "SELECT count(*) - count(DISTINCT key) FROM outbox WHERE event_type = 'fan.erased.v1' "
            "AND convert_from(value, 'UTF8')::jsonb ->> 'creator_id' = CAST(:c AS text)",
        )
        emitted = await scalar(
            "fans",
            "SELECT count(*) FROM outbox WHERE event_type = 'fan.erased.v1' "
            "AND convert_from(value, 'UTF8')::jsonb ->> 'creator_id' = CAST(:c AS text)",
        )
        fans_net = await scalar("fans", "SELECT coalesce(sum(net_cents), 0) FROM fans WHERE creator_id = :c")
        analytics_net = await scalar(
            "analytics", "SELECT coalesce(sum(net_cents), 0) FROM transactions WHERE creator_id = :c"
        )
        left = {s: await rows_holding(lab.env[f"{s.upper()}_DATABASE_URL"], marker) for s in (*CONSUMERS, "fans")}
    finally:
        for engine in db.values():
            await engine.dispose()

    spec = REGISTRY.for_model(FanErased)
    mine = lambda r: json.loads(r.value)["creator_id"] == str(creator)  # noqa: E731
    records = await lab.topic_records(spec.topic, where=mine)
    dead = await lab.topic_records(spec.dlq_topic, where=mine)
    report = Report(
        "F14",
        produced=emitted,
        effects=sum(found.values()),
        duplicates=sum(applications.values()) + outbox,
        lost=sum(FANS - n for n in found.values()) + (FANS - emitted if emitted < FANS else 0),
        dlq=len(dead),
        recovery_s=recovery,
        extra={
            "fans": FANS,
            "killed_at_applied": "/".join(str(killed_at[s]) for s in CONSUMERS),
            "asked_twice": ASKED_TWICE,
            "personal_rows_left": sum(left.values()),
            "money_exact": fans_net == expected_net and analytics_net == expected_net,
            "wire_duplicates": wire_duplicates(records),
        },
    )
    emit(capsys, report)
    assert emitted == FANS and len({json.loads(r.value)["payload"]["fan_id"] for r in records}) == FANS, report.line()
    assert sum(left.values()) == 0, left
    assert report.extra["money_exact"], (fans_net, analytics_net, expected_net)
    assert report.dlq == 0 and min(killed_at.values()) < FANS, report.line()
