"""B11 calendar: `GET /v1/calendar?from&to` through the gateway and the content service, for a month
holding 5,000 entries of every kind the calendar reads (social posts, mass messages, automations'
sends, chatter shifts, campaigns), p50 and p99 of sequential requests ÷ the same rows read straight
from the content database with psycopg and serialised with json.dumps (the floor: one indexed query
and the JSON) — measured in the same run, rounds alternating.

The 5,000 entries arrive the way production fills the calendar: as events on their topics, applied
by the content worker; the benchmark waits until all 5,000 are in the read model before measuring,
and checks that every answer lists all of them."""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
from aiokafka import AIOKafkaProducer

from common import BenchBase, Result, median, percentile, say
from huntaze_events import (
    REGISTRY,
    AutomationRunScheduled,
    CampaignCreated,
    MassAudience,
    MassMessageScheduled,
    PostScheduled,
    ShiftScheduled,
    make_envelope,
)
from huntaze_service.db import libpq_url
from huntaze_testkit import Api

ENTRIES = int(os.environ.get("B11_ENTRIES", "5000"))
REQUESTS = int(os.environ.get("B11_REQUESTS", "40"))
"""Sequential requests per round, on each side."""
GOAL_P50_RATIO = 10.0
"""The platform's p50 at most ten times the raw query's: the gateway hop, the internal token, the
service's own query, conflicts and JSON must stay in proportion to the rows they carry."""
NETWORKS = ("instagram", "tiktok", "x", "reddit")
RAW_SQL = (
    "SELECT entry_id, kind, source, title, starts_at, ends_at, status, network, link, result_cents, currency, "
    "pending_starts_at FROM calendar_entries WHERE creator_id = %s AND starts_at < %s "
    "AND coalesce(ends_at, starts_at) >= %s ORDER BY starts_at, entry_id"
)


def month_of_events(creator: uuid.UUID, org: uuid.UUID, user: uuid.UUID, start: datetime) -> list[Any]:
    """5,000 plans spread over 30 days: 40 % posts, 20 % mass messages, 30 % automations' sends,
    8 % shifts, 2 % campaigns."""
    out: list[Any] = []
    step = timedelta(days=30) / ENTRIES

    def on(payload: Any, producer: str) -> Any:
        return make_envelope(payload, producer=producer, creator_id=creator)

    for i in range(ENTRIES):
        at = start + step * i
        kind = i % 50
        if kind < 20:
            out.append(
                on(
                    PostScheduled(
                        post_id=uuid.uuid4(),
                        revision=1,
                        account_id=org,
                        network=NETWORKS[i % 4],
                        publish_at=at,
                        status="scheduled",
                        caption_excerpt=f"Post {i}: new set tonight, link in bio",
                    ),
                    "marketing",
                )
            )
        elif kind < 30:
            out.append(
                on(
                    MassMessageScheduled(
                        mass_message_id=uuid.uuid4(),
                        revision=1,
                        send_at=at,
                        status="scheduled",
                        audience=MassAudience(segments=[("whales", "new", "expiring", "lapsed")[i % 4]]),
                        text_excerpt=f"Mass message {i}",
                        price_cents=1500,
                        currency="USD",
                        created_by=user,
                    ),
                    "inbox",
                )
            )
        elif kind < 45:
            out.append(
                on(
                    AutomationRunScheduled(
                        run_id=uuid.uuid4(),
                        conversation_id=uuid.uuid4(),
                        automation="welcome",
                        fan_id=uuid.uuid4(),
                        fire_at=at,
                        status="scheduled",
                    ),
                    "inbox",
                )
            )
        elif kind < 49:
            out.append(
                on(
                    ShiftScheduled(
                        shift_id=uuid.uuid4(),
                        organization_id=org,
                        user_id=user,
                        starts_at=at,
                        ends_at=at + timedelta(hours=6),
                        creator_ids=[creator],
                        scheduled_by=user,
                    ),
                    "gateway",
                )
            )
        else:
            out.append(
                on(
                    CampaignCreated(
                        campaign_id=uuid.uuid4(),
                        name=f"Campaign {i}",
                        cost_cents=10_000,
                        currency="USD",
                        starts_at=at,
                        ends_at=at + timedelta(days=2),
                    ),
                    "marketing",
                )
            )
    return out


class CalendarBenchmarks(BenchBase):
    # B11 ------------------------------------------------------------------------------------------
    async def b11(self) -> Result:
        procs = self.processes(["gateway", "content"], workers=["content"], content="api")
        try:
            gateway = "http://127.0.0.1:18700"
            async with httpx.AsyncClient(base_url=gateway, timeout=60) as client:
                api = await Api.sign_up(client, "B11")
                creator = uuid.UUID(api.creator_id)
                start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
                events = month_of_events(creator, uuid.uuid4(), uuid.uuid4(), start)
                say(f"B11: {len(events):,} plans of one month to the content worker")
                t0 = time.perf_counter()
                await self._publish(events)
                db = libpq_url(self.env["CONTENT_DATABASE_URL"])
                with psycopg.connect(db) as conn:
                    deadline = time.monotonic() + 300
                    while True:
                        count = conn.execute(
                            "SELECT count(*) FROM calendar_entries WHERE creator_id = %s", (creator,)
                        ).fetchone()[0]
                        if count >= ENTRIES:
                            break
                        if time.monotonic() > deadline:
                            raise RuntimeError(f"B11: only {count} of {ENTRIES} entries after 300 s")
                        await asyncio.sleep(0.5)
                applied_s = time.perf_counter() - t0
                say(f"B11: {ENTRIES:,} entries in the read model after {applied_s:.1f} s")
                window = {"from": start.isoformat(), "to": (start + timedelta(days=31)).isoformat()}
                to = start + timedelta(days=31)

                async def platform_round() -> list[float]:
                    times = []
                    for _ in range(REQUESTS):
                        began = time.perf_counter()
                        answer = await api.get("/v1/calendar", params=window)
                        body = answer.content
                        times.append((time.perf_counter() - began) * 1000)
                        if answer.status_code != 200:
                            raise RuntimeError(f"B11: {answer.status_code} {body[:300]!r}")
                    items = answer.json()["items"]
                    if len(items) < ENTRIES:
                        raise RuntimeError(f"B11: the calendar listed {len(items)} of {ENTRIES} entries")
                    return times

                def raw_round() -> list[float]:
                    times = []
                    with psycopg.connect(db) as conn:
                        for _ in range(REQUESTS):
                            began = time.perf_counter()
                            rows = conn.execute(RAW_SQL, (creator, to, start)).fetchall()
                            json.dumps([list(r) for r in rows], default=str).encode()
                            times.append((time.perf_counter() - began) * 1000)
                    if len(rows) < ENTRIES:
                        raise RuntimeError(f"B11: the raw query read {len(rows)} of {ENTRIES} rows")
                    return times

                platform_ms: list[float] = []
                raw_ms: list[float] = []
                await platform_round()  # warm-up: caches, prepared statements, pools
                raw_round()
                for _ in range(3):
                    raw_ms += raw_round()
                    platform_ms += await platform_round()
        finally:
            for proc in procs.values():
                proc.stop()
        p50, p99 = median(platform_ms), percentile(platform_ms, 99)
        raw_p50, raw_p99 = median(raw_ms), percentile(raw_ms, 99)
        say(f"B11: p50 {p50:.1f} ms p99 {p99:.1f} ms; raw p50 {raw_p50:.1f} ms p99 {raw_p99:.1f} ms")
        return Result(
            "B11",
            f"calendar month of {ENTRIES:,}",
            p50,
            raw_p50,
            p50 / raw_p50,
            GOAL_P50_RATIO,
            "ms p50",
            higher_is_better=False,
            details={
                "p99_ms": p99,
                "raw_p99_ms": raw_p99,
                "entries": ENTRIES,
                "requests": len(platform_ms),
                "read_model_filled_s": round(applied_s, 1),
            },
        )

    async def _publish(self, events: list[Any]) -> None:
        producer = AIOKafkaProducer(bootstrap_servers=self.kafka, acks="all", linger_ms=5)
        await producer.start()
        try:
            for envelope in events:
                spec = REGISTRY.for_model(type(envelope.payload))
                key = spec.key_for(envelope.payload).encode()
                await producer.send(spec.topic, value=envelope.to_json(), key=key)
            await producer.flush()
        finally:
            await producer.stop()
        await asyncio.sleep(0)
