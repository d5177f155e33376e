"""F34: the ai's pricing read model and review through a SIGKILL of the ai worker. One creator; 2,000
PPV offers at four prices (every third of them unlocked: the unlock may come before its offer), 200
tips, a quarter of all of it twice on the wire, shuffled; the ai worker — its ``pricing_offers``,
``pricing_unlocks`` and ``pricing_tips`` consumers and the creator's ``pricing_review`` timer (first
run 25 s after the first offer, once everything is in) — is SIGKILLed once a third of the offers are stored, and restarted.

Afterwards: exactly 2,000 offers, 667 unlocked and 200 tips in the read model (none twice, none
lost), one review timer for the creator (recurring), and exactly one ``price.suggested`` per scope that
changed (a review killed mid-way is rolled back with its timer and fired again once)."""

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

from huntaze_events import FanRef, PpvOffered, PpvUnlocked, TransactionRecorded, make_envelope
from huntaze_events.inbox import OfferBy
from huntaze_testkit.lab import Lab, Report, emit

pytestmark = pytest.mark.timeout(300)

OFFERS, TIPS, PRICES = 2000, 200, (500, 900, 1500, 2500)


def events(creator: uuid.UUID) -> tuple[list[Any], int]:
    now = datetime.now(UTC)
    out: list[Any] = []
    unlocked = 0
    for i in range(OFFERS):
        price, at = PRICES[i % len(PRICES)], now - timedelta(days=1 + i % 30, minutes=i)
        common: dict[str, Any] = dict(offer_id=uuid.uuid4(), conversation_id=uuid.uuid4(), fan_id=uuid.uuid4(),
                                      media_ids=[uuid.uuid4()], by=OfferBy(user_id=uuid.uuid4()), currency="USD")  # fmt: skip
        out.append(PpvOffered(**common, text="set", price_cents=price, sent_at=at, expires_at=at + timedelta(days=2)))
        if i % 3 == 0:
            unlocked += 1
            out.append(PpvUnlocked(**common, transaction_id=uuid.uuid4(), price_cents=price, gross_cents=price,
                                   net_cents=price * 8 // 10, offered_at=at, unlocked_at=at + timedelta(hours=1)))  # fmt: skip
    for i in range(TIPS):
        fan = uuid.uuid4()
        out.append(TransactionRecorded(transaction_id=uuid.uuid4(), fan_id=fan,
                                       fan=FanRef(fan_id=fan, external_id=f"f34_{i}", display_name="Fan"), type="tip",
                                       gross_cents=500 + 100 * (i % 20), fee_cents=100, net_cents=400 + 100 * (i % 20),
                                       currency="USD", occurred_at=now - timedelta(hours=i), source="connector"))  # fmt: skip
    return [make_envelope(p, producer="inbox" if not isinstance(p, TransactionRecorded) else "fans", creator_id=creator)
            for p in out], unlocked  # fmt: skip


async def test_f34_pricing_counts_and_reviews_are_exact_through_a_sigkill(fresh_lab: Lab, capsys: Any) -> None:
    lab = fresh_lab
    creator = uuid.uuid4()
    envelopes, unlocked = events(creator)
    wire = envelopes + random.Random(34).sample(envelopes, len(envelopes) // 4)
    random.Random(134).shuffle(wire)
    worker = lab.service("ai", role="worker", AI_TIMER_LEASE_S="5", AI_PRICING_FIRST_REVIEW_S="25")
    db = create_async_engine(lab.env["AI_DATABASE_URL"])

    async def scalar(sql: str) -> int:
        async with db.connect() as conn:
            return int((await conn.execute(text(sql), {"c": creator, "k": f"{creator}:%"})).scalar() or 0)

    async def offers() -> int:
        return await scalar("SELECT count(*) FROM pricing_offers WHERE creator_id = :c")

    try:
        sending = asyncio.create_task(lab.produce_all(wire, per_second=400))
        killed_at, restarted = await lab.kill_when(worker, offers, OFFERS // 3)
        produced = await sending

        async def settled() -> bool:
            tips = await scalar("SELECT count(*) FROM pricing_tips WHERE creator_id = :c")
            done = await scalar("SELECT count(*) FROM pricing_offers WHERE creator_id = :c AND unlocked_at IS NOT NULL")
            reviewed = await scalar(
                "SELECT count(*) FROM timers WHERE kind = 'pricing_review' AND key = CAST(:c AS text) "
                "AND due_at > now() + interval '1 hour'"
            )
            return await offers() == OFFERS and done == unlocked and tips == TIPS and reviewed >= 1

        deadline = time.monotonic() + 180
        while not await settled():
            assert time.monotonic() < deadline, (await offers(), lab.log_tails())
            await asyncio.sleep(0.5)
        recovery = time.monotonic() - restarted
        await asyncio.sleep(2)
        stored = await offers()
        unlocks = await scalar("SELECT count(*) FROM pricing_offers WHERE creator_id = :c AND unlocked_at IS NOT NULL")
        tips = await scalar("SELECT count(*) FROM pricing_tips WHERE creator_id = :c")
        timers = await scalar("SELECT count(*) FROM timers WHERE kind = 'pricing_review' AND key = CAST(:c AS text)")
        reviews = await scalar("SELECT count(*) FROM pricing_reviews WHERE creator_id = :c")
        saved = await scalar("SELECT count(*) FROM pricing_suggestions WHERE creator_id = :c")
        async with db.connect() as conn:
            rows = await conn.execute(
                text("SELECT convert_from(value, 'UTF8')::jsonb -> 'payload' ->> 'scope_key' FROM outbox "
                     "WHERE topic = 'price.suggested.v1'"),
            )  # fmt: skip
            keys = [r[0] for r in rows if r[0] and r[0].startswith(str(creator))]
        dead = await scalar("SELECT count(*) FROM timers WHERE state = 'dead'")
    finally:
        await db.dispose()
    twice = len(keys) - len(set(keys))
    report = Report(
        "F34",
        produced=produced,
        effects=stored + unlocks + tips,
        duplicates=max(0, stored - OFFERS) + max(0, unlocks - unlocked) + max(0, tips - TIPS) + twice
        + max(0, timers - 1),
        lost=max(0, OFFERS - stored) + max(0, unlocked - unlocks) + max(0, TIPS - tips) + (1 - min(timers, 1)),
        dlq=dead,
        recovery_s=recovery,
        extra={"offers": stored, "unlocks": unlocks, "tips": tips, "price_suggested": len(keys), "reviews": reviews, "saved": saved,
               "killed_at_offers": killed_at, "wire_repeats": len(wire) - len(envelopes)},
    )  # fmt: skip
    emit(capsys, report)
    assert report.duplicates == 0 and report.lost == 0 and report.dlq == 0, report.line()
    assert reviews == 1 and 0 < killed_at < OFFERS and len(keys) >= 1, report.line()
