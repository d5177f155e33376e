"""The chatters' ledger and report on a fake worker: unlocks credited to their maker, sales after a
reply decided once the replies have settled, reversals as negative lines, nothing twice; and the
per-chatter figures (response times on shift, unlock rate, hours on shift, revenue per hour)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

import analytics.chatter_ledger as chatter_ledger
import analytics.consumers as consumers
from analytics.attribution import LineKind
from analytics.config import AnalyticsSettings
from analytics.reports import Window
from huntaze_testkit.fakes import FakeWorker

from .events import CREATOR, transaction
from .fakes import FakeAnalyticsRepository
from .inbox_events import offered, reply_sent, shift, shift_cancelled, unlocked

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # the fake worker's clock
ANNA, BEN = uuid.uuid4(), uuid.uuid4()
ON_SHIFT = uuid.uuid4()
DAY = Window(NOW - timedelta(hours=12), NOW + timedelta(hours=12))


@pytest.fixture
def worker() -> FakeWorker[FakeAnalyticsRepository]:
    # the weekly summary's timer a week off: these tests count the attribution timers fired
    settings = AnalyticsSettings(attribution_window_h=2, attribution_settle_s=60, weekly_first_s=7 * 24 * 3600)
    return FakeWorker(FakeAnalyticsRepository(), producer="analytics", subscriptions=consumers.subscriptions(settings))


def lines(worker: FakeWorker[FakeAnalyticsRepository]) -> list:
    return sorted((line for _, line in worker.repo.ledger.values()), key=lambda line: line.occurred_at)


async def test_an_unlock_is_its_makers_once_and_the_autopilots_are_nobodys(worker: FakeWorker) -> None:
    mine, autopilot = offered("ann", NOW, ANNA, shift=ON_SHIFT), offered("bob", NOW, None)
    tx = uuid.uuid4()
    await worker.deliver(mine, autopilot)
    await worker.deliver(unlocked(mine, NOW + timedelta(minutes=5), tx), unlocked(autopilot, NOW, uuid.uuid4()))
    await worker.deliver(unlocked(mine, NOW + timedelta(minutes=5), tx))  # redelivered
    [line] = lines(worker)
    assert (line.kind, line.chatter_id, line.shift_id, line.gross_cents, line.transaction_id) == (
        LineKind.UNLOCK,
        ANNA,
        ON_SHIFT,
        1500,
        tx,
    )
    # the sale itself, on transaction.recorded, is not credited a second time when its timer fires
    await worker.deliver(
        transaction("ann", "message", 1500, NOW, transaction_id=tx, ref=("message", str(mine.payload.offer_id)))
    )
    worker.clock.advance(seconds=61)
    assert await worker.fire_due() == 1
    assert len(lines(worker)) == 1


async def test_a_tip_waits_for_the_replies_before_it_then_goes_to_the_last_one_in_the_window(
    worker: FakeWorker,
) -> None:
    tip = transaction("ann", "tip", 2500, NOW)
    await worker.deliver(reply_sent("ann", NOW - timedelta(hours=1), BEN))
    await worker.deliver(tip)
    assert lines(worker) == [], "not decided before the settle delay"
    # Anna's reply (10 minutes before the tip) is applied after the tip: still in time
    await worker.deliver(reply_sent("ann", NOW - timedelta(minutes=10), ANNA, shift=ON_SHIFT))
    worker.clock.advance(seconds=59)
    assert await worker.fire_due() == 0
    worker.clock.advance(seconds=1)
    assert await worker.fire_due() == 1
    [line] = lines(worker)
    assert (line.kind, line.chatter_id, line.shift_id, line.gross_cents, line.net_cents) == (
        LineKind.AFTER_REPLY,
        ANNA,
        ON_SHIFT,
        2500,
        2000,
    )
    assert "tip 10 min after reply" in line.reason and "window 2 h" in line.reason
    # a reply applied after the decision does not move it; the same sale again adds nothing
    await worker.deliver(reply_sent("ann", NOW - timedelta(minutes=1), BEN), tip)
    worker.clock.advance(seconds=61)
    await worker.fire_due()
    assert [(x.chatter_id, x.transaction_id) for x in lines(worker)] == [(ANNA, tip.payload.transaction_id)]


async def test_sales_nobody_earned_stay_out_of_the_ledger(worker: FakeWorker) -> None:
    await worker.deliver(
        reply_sent("ann", NOW - timedelta(hours=3), ANNA),  # beyond the 2 h window
        reply_sent("bob", NOW - timedelta(minutes=5), None),  # the autopilot's
        transaction("ann", "tip", 1000, NOW),
        transaction("bob", "tip", 1000, NOW),
        transaction("cat", "subscription", 999, NOW),  # no reply at all
    )
    worker.clock.advance(minutes=2)
    assert await worker.fire_due() == 3
    assert lines(worker) == []


async def test_a_paid_message_sent_outside_huntaze_falls_back_to_the_reply_rule(worker: FakeWorker) -> None:
    await worker.deliver(reply_sent("ann", NOW - timedelta(minutes=30), ANNA))
    await worker.deliver(transaction("ann", "message", 1200, NOW, ref=("message", "of-native-ppv-77")))
    worker.clock.advance(minutes=2)
    await worker.fire_due()
    [line] = lines(worker)
    assert (line.kind, line.chatter_id, line.gross_cents) == (LineKind.AFTER_REPLY, ANNA, 1200)


async def test_a_refund_is_a_new_negative_line_and_the_first_line_stays(worker: FakeWorker) -> None:
    offer = offered("ann", NOW - timedelta(hours=1), ANNA)
    sale_tx = uuid.uuid4()
    await worker.deliver(offer)
    await worker.deliver(unlocked(offer, NOW - timedelta(minutes=30), sale_tx, gross=1500))
    before = lines(worker)
    refund = transaction("ann", "refund", -1500, NOW, ref=("message", str(offer.payload.offer_id)))
    await worker.deliver(refund)
    worker.clock.advance(minutes=2)
    await worker.fire_due()
    sale, reversal = lines(worker)
    assert sale == before[0], "the credited line is never changed"
    assert (reversal.kind, reversal.chatter_id, reversal.reverses, reversal.gross_cents, reversal.net_cents) == (
        LineKind.REVERSAL,
        ANNA,
        sale_tx,
        -1500,
        -1200,
    )
    page, totals = await chatter_ledger.ledger(worker.uow(), CREATOR, DAY, ANNA, None, 10)
    assert [x.kind for x in page] == [LineKind.UNLOCK, LineKind.REVERSAL]
    assert [(t.currency, t.lines, t.gross_cents, t.net_cents) for t in totals] == [("USD", 2, 0, 0)]
    other, _ = await chatter_ledger.ledger(worker.uow(), CREATOR, DAY, BEN, None, 10)
    assert other == []


async def test_the_report_per_chatter(worker: FakeWorker) -> None:
    scheduled = shift(ANNA, NOW - timedelta(hours=14), NOW - timedelta(hours=6))  # 6 h inside the window
    cancelled = shift(BEN, NOW - timedelta(hours=4), NOW)
    waits = [30, 60, 90, 120, 600]  # seconds
    replies = [
        reply_sent("ann", NOW - timedelta(hours=7, minutes=i), ANNA, shift=ON_SHIFT, waited=timedelta(seconds=w))
        for i, w in enumerate(waits)
    ]
    off_shift = reply_sent("bob", NOW - timedelta(hours=1), ANNA, waited=timedelta(hours=5))  # not timed
    offers = [offered(f"f{i}", NOW - timedelta(hours=8), ANNA, shift=ON_SHIFT) for i in range(4)]
    await worker.deliver(scheduled, cancelled, *replies, off_shift, *offers)
    await worker.deliver(shift_cancelled(cancelled))
    await worker.deliver(unlocked(offers[0], NOW - timedelta(hours=7), uuid.uuid4(), gross=1500))
    await worker.deliver(unlocked(offers[1], NOW - timedelta(hours=7), uuid.uuid4(), gross=1501))
    await worker.deliver(reply_sent("cat", NOW - timedelta(hours=2), BEN), transaction("cat", "tip", 999, NOW))
    worker.clock.advance(minutes=2)
    await worker.fire_due()

    report = await chatter_ledger.chatters(worker.uow(), CREATOR, "USD", DAY)
    anna, ben = report.chatters
    assert (anna.chatter_id, anna.messages_sent, anna.replies_timed) == (ANNA, 6, 5)
    assert (anna.response_median_s, anna.response_p90_s) == (90.0, pytest.approx(408.0))  # 120 + 0.6 × 480
    assert (anna.offers_sent, anna.offers_unlocked, anna.unlock_rate) == (4, 2, 0.5)
    assert (anna.gross_cents, anna.on_shift_gross_cents, anna.shift_seconds) == (3001, 3001, 6 * 3600)
    assert anna.revenue_per_shift_hour_cents == 500, "3001 ÷ 6 h = 500.17 → 500"
    assert (ben.chatter_id, ben.gross_cents, ben.shift_seconds, ben.revenue_per_shift_hour_cents) == (
        BEN,
        999,
        0,
        None,
    ), "a cancelled shift does not count"
    assert ben.on_shift_gross_cents == 0 and ben.response_median_s is None


async def test_a_refund_seen_before_the_unlock_it_reverses_waits_for_it(worker: FakeWorker) -> None:
    offer = offered("ann", NOW - timedelta(hours=1), ANNA)
    await worker.deliver(offer)
    await worker.deliver(transaction("ann", "refund", -1500, NOW, ref=("message", str(offer.payload.offer_id))))
    for _ in range(3):  # ppv.unlocked lags: the reversal waits, settle at a time
        worker.clock.advance(seconds=61)
        assert await worker.fire_due() == 1
    assert lines(worker) == []
    await worker.deliver(unlocked(offer, NOW - timedelta(minutes=30), uuid.uuid4()))
    worker.clock.advance(seconds=61)
    await worker.fire_due()
    assert [(x.kind, x.gross_cents) for x in lines(worker)] == [(LineKind.UNLOCK, 1500), (LineKind.REVERSAL, -1500)]
    worker.clock.advance(hours=2)
    assert await worker.fire_due() == 0, "decided: no timer left"


async def test_a_refund_waits_a_bounded_time_then_is_nobodys(worker: FakeWorker) -> None:
    offer = offered("ann", NOW - timedelta(hours=1), ANNA)
    await worker.deliver(offer)
    await worker.deliver(transaction("ann", "refund", -1500, NOW, ref=("message", str(offer.payload.offer_id))))
    fired = 0
    for _ in range(chatter_ledger.MAX_WAITS + 5):
        worker.clock.advance(seconds=61)
        fired += await worker.fire_due()
    assert fired == chatter_ledger.MAX_WAITS + 1 and lines(worker) == []


async def test_a_refund_of_a_paid_message_sent_outside_huntaze_reverses_the_sale_credited_for_it(
    worker: FakeWorker,
) -> None:
    await worker.deliver(reply_sent("ann", NOW - timedelta(minutes=30), ANNA))
    native = ("message", "of-native-ppv-88")
    await worker.deliver(transaction("ann", "message", 1200, NOW - timedelta(minutes=20), ref=native))
    worker.clock.advance(minutes=2)
    await worker.fire_due()
    await worker.deliver(transaction("ann", "refund", -1200, NOW, ref=native))
    worker.clock.advance(minutes=2)
    await worker.fire_due()
    sale, reversal = lines(worker)
    assert (reversal.kind, reversal.chatter_id, reversal.reverses, reversal.gross_cents) == (
        LineKind.REVERSAL,
        ANNA,
        sale.transaction_id,
        -1200,
    )
