"""The analytics use cases on a fake unit of work: no PostgreSQL, no Kafka.

The fake worker's clock reads Monday 2026-11-02 09:00 UTC (04:00 in New York, the day after the
clocks went back)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

import analytics.consumers as consumers
import analytics.handlers as handlers
from analytics.domain import Amount
from analytics.timegrid import BadQuery
from huntaze_testkit.fakes import FakeWorker

from .events import CREATOR, fan, subscription, transaction
from .fakes import FakeAnalyticsRepository


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def worker() -> FakeWorker[FakeAnalyticsRepository]:
    return FakeWorker(FakeAnalyticsRepository(), producer="analytics", subscriptions=consumers.subscriptions())


async def test_revenue_by_local_day_with_sources_reversals_and_empty_days(worker: FakeWorker) -> None:
    sale = transaction("ann", "message", 2500, utc(2026, 10, 31, 4, 30))  # Oct 31 00:30 EDT
    events = [
        transaction("ann", "subscription", 999, utc(2026, 10, 31, 3, 30)),  # Oct 30 23:30 EDT
        sale,
        transaction("bob", "tip", 1001, utc(2026, 11, 1, 5, 30)),  # Nov 1 01:30 EDT
        transaction("bob", "stream_tip", 333, utc(2026, 11, 1, 6, 30)),  # Nov 1 01:30 EST
        transaction("bob", "refund", -1001, utc(2026, 11, 2, 4, 59)),  # Nov 1 23:59 EST
        transaction("cat", "post", 1500, utc(2026, 11, 2, 5)),  # Nov 2 00:00 EST
        transaction("ann", "renewal", 999, utc(2026, 11, 2, 8)),
        transaction("ann", "chargeback", -2500, utc(2026, 11, 2, 8, 30)),
        transaction("ann", "tip", 7777, utc(2026, 11, 2, 8), currency="EUR"),  # another currency
        transaction("ann", "tip", 8888, utc(2026, 11, 2, 8), creator=uuid.uuid4()),  # another creator
        transaction("ann", "tip", 9999, utc(2026, 10, 29, 12)),  # before `from`
    ]
    await worker.deliver(*events)
    await worker.deliver(
        sale, transaction("ann", "message", 2500, sale.payload.occurred_at, transaction_id=sale.payload.transaction_id)
    )  # both again: once
    report = await handlers.revenue(
        worker.uow(),
        CREATOR,
        currency="USD",
        tz="America/New_York",
        granularity="day",
        start="2026-10-30",
        end="2026-11-04",
    )
    days = [(b.start.astimezone(report.tz).date().isoformat(), b.breakdown) for b in report.buckets]
    assert [d for d, _ in days] == ["2026-10-30", "2026-10-31", "2026-11-01", "2026-11-02", "2026-11-03"]
    assert days[0][1].by_line["subscriptions"] == Amount(999, 800, 1)
    assert days[1][1].total == Amount(2500, 2000, 1) and days[1][1].by_line["messages"] == Amount(2500, 2000, 1)
    assert days[2][1].by_line["tips"] == Amount(1334, 1068, 2)  # both 01:30s of the repeated hour
    assert days[2][1].by_line["refunds"] == Amount(-1001, -801, 1)
    assert days[3][1].by_line["chargebacks"] == Amount(-2500, -2000, 1)
    assert days[3][1].total == Amount(-1, 0, 3)
    assert days[4][1].total == Amount()  # an empty day is there, as zeros
    totals = report.totals
    assert totals.total == Amount(3831, 3067, 8)
    assert totals.by_line["posts"] == Amount(1500, 1200, 1)


async def test_the_summary_compares_each_period_with_the_one_before(worker: FakeWorker) -> None:
    await worker.deliver(
        transaction("ann", "message", 2500, utc(2026, 11, 2, 1), fee=500),
        transaction("bob", "tip", 1000, utc(2026, 11, 2, 2), fee=200),
        transaction("bob", "refund", -1000, utc(2026, 11, 2, 3), fee=-200),
        transaction("cat", "chargeback", -500, utc(2026, 11, 2, 4), fee=-100),  # a reversal only: not paying
        transaction("dan", "tip", 1001, utc(2026, 11, 1, 8, 59), fee=200),  # yesterday, before 09:00
        transaction("eve", "post", 700, utc(2026, 11, 1, 9), fee=140),  # yesterday, at 09:00: not in `previous`
        transaction("cat", "subscription", 1999, utc(2026, 10, 27), fee=399),
        transaction("ann", "renewal", 999, utc(2026, 10, 20), fee=199),  # the 7 days before the last 7
        transaction("fay", "tip", 50_000, utc(2026, 9, 10), fee=10_000),  # the 30 days before the last 30
    )
    s = await handlers.summary(worker.uow(), CREATOR, currency="USD", tz="UTC")
    today = s.periods["today"]
    assert (today.window.start, today.window.end) == (utc(2026, 11, 2), utc(2026, 11, 2, 9))
    f = today.figures
    assert (f.gross_cents, f.net_cents, f.transactions, f.paying_fans, f.arppu_cents) == (2000, 1600, 4, 2, 800)
    assert (today.previous_window.start, today.previous_window.end) == (utc(2026, 11, 1), utc(2026, 11, 1, 9))
    p = today.previous
    assert (p.gross_cents, p.net_cents, p.transactions, p.paying_fans, p.arppu_cents) == (1001, 801, 1, 1, 801)
    week = s.periods["last_7_days"]
    assert week.window.start == utc(2026, 10, 26, 9)
    w = week.figures
    assert (w.gross_cents, w.net_cents, w.transactions, w.paying_fans) == (5700, 4561, 7, 5)
    assert w.arppu_cents == 912  # 4561 / 5 = 912.2
    assert week.previous.net_cents == 800 and week.previous.paying_fans == 1
    month = s.periods["last_30_days"].figures
    assert month.net_cents == 5361 and month.paying_fans == 5
    assert s.periods["last_30_days"].previous.net_cents == 40_000
    assert [(t.display_name, t.amount.net_cents) for t in s.top_fans] == [
        ("Ann", 2800),
        ("Cat", 1200),
        ("Dan", 801),
        ("Eve", 560),
    ]  # bob's refund cancels his tip: no positive spend, not a top fan


async def test_top_fans_take_the_name_of_the_latest_event(worker: FakeWorker) -> None:
    await worker.deliver(transaction("ann", "tip", 100, utc(2026, 11, 1), name="Ann", event_at=utc(2026, 11, 1)))
    await worker.deliver(subscription("started", "ann", utc(2026, 11, 2), utc(2026, 12, 2), name="Annie B"))
    await worker.deliver(transaction("ann", "tip", 100, utc(2026, 10, 30), name="Old Ann", event_at=utc(2026, 10, 30)))
    s = await handlers.summary(worker.uow(), CREATOR, currency="USD", tz="UTC")
    assert [(t.fan_id, t.display_name, t.external_id, t.amount) for t in s.top_fans] == [
        (fan("ann").fan_id, "Annie B", "ann", Amount(200, 160, 2))
    ]


async def test_sales_hours_are_local_weekday_and_hour_and_leave_reversals_out(worker: FakeWorker) -> None:
    await worker.deliver(
        transaction("ann", "tip", 1000, utc(2026, 11, 2, 1)),  # Monday 06:30 in Kolkata
        transaction("bob", "tip", 500, utc(2026, 11, 1, 18, 29)),  # Sunday 23:59 in Kolkata
        transaction("bob", "refund", -500, utc(2026, 11, 2, 1, 10)),
        transaction("cat", "post", 300, utc(2026, 7, 1)),  # more than 90 days ago
    )
    hours = await handlers.sales_hours(worker.uow(), CREATOR, currency="USD", tz="Asia/Kolkata", days=90)
    assert len(hours.cells) == 168 and [(c.weekday, c.hour) for c in hours.cells[:2]] == [(0, 0), (0, 1)]
    filled = {(c.weekday, c.hour): c.amount for c in hours.cells if c.amount.count}
    assert filled == {(0, 6): Amount(1000, 800, 1), (6, 23): Amount(500, 400, 1)}


async def test_retention_from_subscription_events_applied_twice_and_out_of_order(worker: FakeWorker) -> None:
    jan, feb_end = utc(2026, 1, 10), utc(2026, 2, 10)
    expired = subscription("expired", "ann", jan, feb_end, expired_at=utc(2026, 3, 10))
    events = [
        expired,  # before its start arrives
        subscription("started", "ann", jan, feb_end),
        subscription("renewed", "ann", jan, utc(2026, 3, 10)),
        subscription("started", "bob", utc(2026, 1, 20), utc(2026, 2, 20)),
    ]
    await worker.deliver(*events)
    await worker.deliver(*events)
    r = await handlers.subscriber_retention(worker.uow(), CREATOR, tz="UTC")
    assert [(c.month, c.subscribers) for c in r.cohorts] == [("2026-01", 2)]
    assert r.cohorts[0].retained[:3] == [1.0, 0.5, 0.5]  # ann ended 03-10: gone at 03-10 and after
    assert worker.handled.count("subscriptions_expired") == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tz": "Mars/Olympus"}, "unknown time zone"),
        ({"start": "2026-11-02", "end": "2026-11-01"}, "before"),
        ({"start": "2016-01-01", "granularity": "hour"}, "more than 2000 buckets"),
        ({"start": "soon"}, "ISO 8601"),
    ],
)
async def test_unanswerable_reports_raise_bad_query(worker: FakeWorker, kwargs: dict, message: str) -> None:
    args = {"currency": "USD", "tz": "UTC", "granularity": "day", "start": None, "end": None} | kwargs
    with pytest.raises(BadQuery, match=message):
        await handlers.revenue(worker.uow(), CREATOR, **args)
