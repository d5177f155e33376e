"""F18: the ai service's read model of 1,000 fans — segments (``fan.segment_changed``: whales and new
entered, new left) and subscriptions (``subscription.started``, ``.renewed``, and for half of them
``.expired``, on three topics) — announced twice while the ai worker (its ``fan_segments`` and
``fan_subscription_*`` consumers) is SIGKILLed a quarter of the way and restarted.

Afterwards every fan's facts are exactly what the events say, whatever order the three topics were
read in and however many times: segments ``{whales}``, and the last report's subscription (a renewed
one active until its new expiry, an expired one expired) — a replayed older report never wins.
"""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from huntaze_events import (
    REGISTRY,
    FanRef,
    FanSegmentChanged,
    SubscriptionExpired,
    SubscriptionRenewed,
    SubscriptionStarted,
    make_envelope,
)
from huntaze_testkit.lab import Lab, Report, emit

pytestmark = pytest.mark.timeout(600)

FANS = 1000


async def test_f18_the_ais_fan_facts_are_exact_through_a_sigkill_and_a_replay(fresh_lab: Lab, capsys: Any) -> None:
    lab = fresh_lab
    creator = uuid.uuid4()
    now = datetime.now(UTC).replace(microsecond=0)
    fans = [FanRef(fan_id=uuid.uuid4(), external_id=f"f18_{i}", display_name=f"Fan{i}") for i in range(FANS)]
    started_at, first_end, renewed_end = now - timedelta(days=20), now + timedelta(days=10), now + timedelta(days=40)

    def on(payload: Any, at: datetime) -> Any:
        return make_envelope(payload, producer="fans", creator_id=creator, occurred_at=at)

    segments, started, renewed, expired = [], [], [], []
    for i, f in enumerate(fans):
        for k, (segment, change) in enumerate((("whales", "entered"), ("new", "entered"), ("new", "left"))):
            at = now - timedelta(seconds=30 - k)
            segments.append(
                on(FanSegmentChanged(fan_id=f.fan_id, segment=segment, change=change, segment_name=segment, at=at), at)
            )
        state = {"fan_id": f.fan_id, "fan": f, "started_at": started_at, "auto_renew": True, "currency": "USD"}
        started.append(
            on(SubscriptionStarted(**state, expires_at=first_end, first_time=True), now - timedelta(seconds=20))
        )
        renewed.append(
            on(
                SubscriptionRenewed(**state, expires_at=renewed_end, previous_expires_at=first_end),
                now - timedelta(seconds=10),
            )
        )
        if i % 2 == 0:
            expired.append(
                on(
                    SubscriptionExpired(**{**state, "auto_renew": False}, expires_at=renewed_end, expired_at=now),
                    now,
                )
            )

    worker = lab.service("ai", role="worker")
    db = create_async_engine(lab.env["AI_DATABASE_URL"])

    async def known() -> int:
        async with db.connect() as conn:
            query = text("SELECT count(*) FROM fan_facts WHERE creator_id = :c AND subscription IS NOT NULL")
            return int((await conn.execute(query, {"c": creator})).scalar() or 0)

    async def announce(copies: int = 1, fresh_ids: bool = False) -> None:
        def batch(envelopes: list[Any]) -> list[Any]:
            # fresh ids: the same reports again as new events (a replay the event-id record does not catch)
            return [e.model_copy(update={"event_id": uuid.uuid4()}) for e in envelopes] if fresh_ids else envelopes

        await asyncio.gather(
            lab.produce(REGISTRY.for_model(FanSegmentChanged), batch(segments), copies=copies, per_second=1500),
            lab.produce(REGISTRY.for_model(SubscriptionStarted), batch(started), copies=copies, per_second=500),
            lab.produce(REGISTRY.for_model(SubscriptionRenewed), batch(renewed), copies=copies, per_second=500),
            lab.produce(REGISTRY.for_model(SubscriptionExpired), batch(expired), copies=copies, per_second=250),
        )

    try:
        announcing = asyncio.create_task(announce(copies=2))  # every event twice on the wire
        deadline = time.monotonic() + 120
        while (killed_at := await known()) < FANS // 4:  # the worker may still be catching up once all is sent
            assert time.monotonic() < deadline, killed_at
            await asyncio.sleep(0.02)
        worker.kill(signal.SIGKILL)
        restarted = time.monotonic()
        await asyncio.sleep(1)
        worker.start()
        worker.wait_ready()
        await announcing
        await announce(fresh_ids=True)  # and once more after the restart: a replay of old reports

        async def facts() -> dict[str, tuple[Any, ...]]:
            async with db.connect() as conn:
                rows = await conn.execute(
                    text(
                        "SELECT fan_id, segments, subscription, expires_at, auto_renew FROM fan_facts "
                        "WHERE creator_id = :c"
                    ),
                    {"c": creator},
                )
                return {str(r[0]): (tuple(sorted(r[1])), r[2], r[3], r[4]) for r in rows}

        expected = {
            str(f.fan_id): (("whales",), "expired", renewed_end, False)
            if i % 2 == 0
            else (("whales",), "active", renewed_end, True)
            for i, f in enumerate(fans)
        }
        deadline = time.monotonic() + 180
        while (got := await facts()) != expected:
            assert time.monotonic() < deadline, sum(1 for k, v in expected.items() if got.get(k) != v)
            await asyncio.sleep(0.5)
        recovery = time.monotonic() - restarted
        await asyncio.sleep(2)
        got = await facts()
    finally:
        await db.dispose()
    wrong = sum(1 for k, v in expected.items() if got.get(k) != v)
    report = Report(
        "F18",
        produced=3 * (len(segments) + len(started) + len(renewed) + len(expired)),
        effects=len(got),
        duplicates=len(got) - FANS if len(got) > FANS else 0,
        lost=FANS - len(got) + wrong,
        dlq=0,
        recovery_s=recovery,
        extra={"killed_at_known": killed_at, "wrong_facts": wrong},
    )
    emit(capsys, report)
    assert got == expected and killed_at < FANS, report.line()
