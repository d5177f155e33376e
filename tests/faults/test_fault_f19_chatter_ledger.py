"""F19: the chatters' sales ledger through a SIGKILL. 400 fans were each answered by one of two
chatters (``reply.sent``) and sold an offer (``ppv.offered``); then, twice on the wire, half of the
offers are unlocked (``ppv.unlocked`` and their ``transaction.recorded``), every fan tips, and half of
the unlocks are refunded — while the analytics worker (its ``chatter_*`` consumers and the
``attribute_sale`` timer) is SIGKILLed once a quarter of the lines are written, and restarted.

Afterwards the ledger holds exactly one line per credited transaction — 400 ``after_reply``, 200
``unlock``, 100 ``reversal`` — each credited to the right chatter for the right amount, and the sums
per chatter are exact to the cent. Refunds that arrive before the unlock they reverse wait for it.
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
    OfferBy,
    PpvOffered,
    PpvUnlocked,
    ReplySent,
    TransactionRecorded,
    TransactionRef,
    make_envelope,
)
from huntaze_testkit.lab import Lab, Report, emit

pytestmark = pytest.mark.timeout(600)

FANS = 400


async def test_f19_the_chatter_ledger_is_exact_through_a_sigkill(fresh_lab: Lab, capsys: Any) -> None:
    lab = fresh_lab
    creator = uuid.uuid4()
    chatters = [uuid.uuid4(), uuid.uuid4()]
    shift = uuid.uuid4()
    now = datetime.now(UTC).replace(microsecond=0)
    fans = [FanRef(fan_id=uuid.uuid4(), external_id=f"f19_{i}", display_name=f"Fan{i}") for i in range(FANS)]

    def on(payload: Any, producer: str, at: datetime) -> Any:
        return make_envelope(payload, producer=producer, creator_id=creator, occurred_at=at)

    def tx(i: int, type_: str, gross: int, at: datetime, offer: uuid.UUID | None = None) -> Any:
        fee = gross // 5
        ref = TransactionRef(kind="message", id=str(offer)) if offer else None
        payload = TransactionRecorded(
            transaction_id=uuid.uuid4(),
            fan_id=fans[i].fan_id,
            fan=fans[i],
            type=type_,  # type: ignore[arg-type]
            gross_cents=gross,
            fee_cents=fee,
            net_cents=gross - fee,
            currency="USD",
            occurred_at=at,
            source="connector",
            ref=ref,
        )
        return on(payload, "fans", at)

    replies, offers, unlocks, sales, refunds = [], [], [], [], []
    expected: dict[str, tuple[str, uuid.UUID, int]] = {}  # transaction → (kind, chatter, gross)
    for i, f in enumerate(fans):
        who = chatters[i % 2]
        replied = now - timedelta(minutes=30)
        replies.append(
            on(
                ReplySent(
                    draft_id=uuid.uuid4(),
                    message_id=uuid.uuid4(),
                    conversation_id=uuid.uuid4(),
                    fan_id=f.fan_id,
                    text="hi",
                    sent_at=replied,
                    delivery="webhook",
                    approved_by=who,
                    shift_id=shift,
                    in_reply_to_message_id=uuid.uuid4(),
                    in_reply_to_received_at=replied - timedelta(seconds=40 + i),
                ),
                "inbox",
                replied,
            )
        )
        offer = PpvOffered(
            offer_id=uuid.uuid4(),
            conversation_id=uuid.uuid4(),
            fan_id=f.fan_id,
            text="set",
            price_cents=1000 + i,
            currency="USD",
            media_ids=[uuid.uuid4()],
            by=OfferBy(user_id=who, shift_id=shift),
            sent_at=now - timedelta(minutes=20),
            expires_at=now + timedelta(days=2),
        )
        offers.append(on(offer, "inbox", offer.sent_at))
        tip = tx(i, "tip", 100 + i, now - timedelta(minutes=5))
        sales.append(tip)
        expected[str(tip.payload.transaction_id)] = ("after_reply", who, 100 + i)
        if i % 2 == 0:
            sale = tx(i, "message", offer.price_cents, now - timedelta(minutes=10), offer.offer_id)
            sales.append(sale)
            unlocks.append(
                on(
                    PpvUnlocked(
                        offer_id=offer.offer_id,
                        conversation_id=offer.conversation_id,
                        fan_id=f.fan_id,
                        transaction_id=sale.payload.transaction_id,
                        price_cents=offer.price_cents,
                        gross_cents=offer.price_cents,
                        net_cents=sale.payload.net_cents,
                        currency="USD",
                        media_ids=offer.media_ids,
                        by=offer.by,
                        offered_at=offer.sent_at,
                        unlocked_at=sale.payload.occurred_at,
                    ),
                    "inbox",
                    sale.payload.occurred_at,
                )
            )
            expected[str(sale.payload.transaction_id)] = ("unlock", who, offer.price_cents)
            if i % 4 == 0:
                refund = tx(i, "refund", -offer.price_cents, now - timedelta(minutes=1), offer.offer_id)
                refunds.append(refund)
                expected[str(refund.payload.transaction_id)] = ("reversal", who, -offer.price_cents)

    worker = lab.service("analytics", role="worker", ANALYTICS_ATTRIBUTION_SETTLE_S="1")
    db = create_async_engine(lab.env["ANALYTICS_DATABASE_URL"])

    async def count(table: str) -> int:
        async with db.connect() as conn:
            query = text(f"SELECT count(*) FROM {table} WHERE creator_id = :c")
            return int((await conn.execute(query, {"c": creator})).scalar() or 0)

    async def ledger() -> dict[str, tuple[str, uuid.UUID, int]]:
        async with db.connect() as conn:
            rows = await conn.execute(
                text("SELECT transaction_id, kind, chatter_id, gross_cents FROM chatter_ledger WHERE creator_id = :c"),
                {"c": creator},
            )
            return {str(r[0]): (r[1], r[2], r[3]) for r in rows}

    try:
        # the work before the sales: replies and offers are known first (a sale's attribution waits
        # only the settle delay for the replies before it)
        await asyncio.gather(
            lab.produce(REGISTRY.for_model(ReplySent), replies, copies=2),
            lab.produce(REGISTRY.for_model(PpvOffered), offers, copies=2),
        )
        deadline = time.monotonic() + 120
        while (await count("chatter_replies"), await count("chatter_offers")) != (FANS, FANS):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.2)

        selling = asyncio.gather(
            lab.produce(REGISTRY.for_model(TransactionRecorded), sales + refunds, copies=2, per_second=300),
            lab.produce(REGISTRY.for_model(PpvUnlocked), unlocks, copies=2, per_second=100),
        )
        deadline = time.monotonic() + 120
        while (killed_at := await count("chatter_ledger")) < len(expected) // 4:
            assert time.monotonic() < deadline, killed_at
            await asyncio.sleep(0.02)
        worker.kill(signal.SIGKILL)
        restarted = time.monotonic()
        await asyncio.sleep(1)
        worker.start()
        worker.wait_ready()
        await selling

        deadline = time.monotonic() + 180
        while (got := await ledger()) != expected:
            assert time.monotonic() < deadline, (len(got), sum(1 for k, v in expected.items() if got.get(k) != v))
            await asyncio.sleep(0.5)
        recovery = time.monotonic() - restarted
        await asyncio.sleep(3)  # anything late (a second timer, a redelivery) would show now
        got = await ledger()
        async with db.connect() as conn:
            sums = dict(
                (
                    await conn.execute(
                        text(
                            "SELECT chatter_id, sum(gross_cents)::bigint FROM chatter_ledger WHERE creator_id = :c "
                            "GROUP BY chatter_id"
                        ),
                        {"c": creator},
                    )
                ).all()
            )
    finally:
        await db.dispose()
    want_sums = {c: sum(g for _, who, g in expected.values() if who == c) for c in chatters}
    wrong = sum(1 for k, v in expected.items() if got.get(k) != v)
    report = Report(
        "F19",
        produced=2 * (len(replies) + len(offers) + len(sales) + len(refunds) + len(unlocks)),
        effects=len(got),
        duplicates=max(0, len(got) - len(expected)),
        lost=len(set(expected) - set(got)) + wrong,
        dlq=0,
        recovery_s=recovery,
        extra={"killed_at_lines": killed_at, "wrong_lines": wrong},
    )
    emit(capsys, report)
    assert got == expected and sums == want_sums and killed_at < len(expected), report.line()
