"""The anomaly read model and the hourly check on fakes: sales and link visits in → the check timer
scheduled once per creator → anomaly.detected for a revenue drop (a three-hour outage of a busy account)
and a link that stopped converting — once per episode (an outage still going an hour later extends the
stored window, no second alert) — and nothing for a quiet small account or a small link."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from ai.anomalies import checks
from ai.anomalies.checks import CheckState, days_to_check, hours_to_check
from ai.consumers import subscriptions
from huntaze_events import ConversionTracked, FanRef, LinkClicked, TransactionRecorded
from huntaze_testkit.fakes import FakeWorker, envelope

from .fakes import FakeAiRepository

NOW = datetime(2026, 11, 26, 22, 12, tzinfo=UTC)  # a Thursday; the last whole hour is 21:00
LAST = datetime(2026, 11, 26, 21, tzinfo=UTC)


def worker() -> FakeWorker[FakeAiRepository]:
    from ai.adapters.offline import OfflineProvider

    w = FakeWorker(FakeAiRepository(), producer="ai",
                   subscriptions=subscriptions(OfflineProvider(), anomaly_first_check_s=60))  # fmt: skip
    w.clock.current = NOW
    return w


def sale(creator: uuid.UUID, at: datetime, cents: int = 1000, kind: str = "message") -> object:
    fan = uuid.uuid4()
    return envelope(
        TransactionRecorded(transaction_id=uuid.uuid4(), fan_id=fan, fan=FanRef(fan_id=fan, external_id="f",
                            display_name="F"), type=kind, gross_cents=cents, fee_cents=cents // 5,  # type: ignore[arg-type]
                            net_cents=cents - cents // 5, currency="USD", occurred_at=at, source="connector"),
        producer="fans", creator_id=creator,
    )  # fmt: skip


def history(creator: uuid.UUID, *, per_hour: int, weeks: int = 4, silent_hours: int = 3) -> list[object]:
    """``per_hour`` sales every hour for ``weeks`` weeks up to LAST, the last ``silent_hours`` empty."""
    events = []
    hour = LAST - timedelta(weeks=weeks)
    while hour <= LAST - timedelta(hours=silent_hours):
        events += [sale(creator, hour + timedelta(minutes=7 * i)) for i in range(per_hour)]
        hour += timedelta(hours=1)
    return events


async def test_a_busy_accounts_outage_is_one_alert_and_a_small_accounts_quiet_hours_none() -> None:
    w = worker()
    busy, small = uuid.uuid4(), uuid.uuid4()
    await w.deliver(*history(busy, per_hour=6))
    await w.deliver(*history(small, per_hour=1, silent_hours=3)[::5])  # about one sale every five hours
    assert {k for k in w.timers if k[0] == checks.CHECK} == {(checks.CHECK, str(busy)), (checks.CHECK, str(small))}
    assert w.repo.revenue_hours_[(busy, "USD", LAST - timedelta(hours=3))] == [6, 6 * 800]

    w.clock.advance(minutes=1)
    assert await w.fire_due() == 2
    (alert,) = w.emitted("anomaly.detected")
    p = alert.payload
    assert alert.creator_id == busy and p.kind == "revenue_drop" and p.subject == "USD" and p.unit == "cents"
    assert p.observed == 0 and p.low > 0 and p.expected == 3 * 6 * 800
    assert p.window_end == LAST + timedelta(hours=1) and p.window_start >= LAST - timedelta(hours=2)
    assert p.evidence["observed_sales"] == 0 and p.evidence["weeks_used"] == 3  # whole weeks before the run

    # an hour later, still nothing sold: the same episode, its window extended, no second alert
    w.clock.current = NOW + timedelta(hours=1)
    assert await w.fire_due() == 2
    assert len(w.emitted("anomaly.detected")) == 1
    async with w.uow() as uow:
        (stored,) = await uow.repo.anomalies(busy, NOW - timedelta(days=1), None, 10)
    assert stored["window_end"] == LAST + timedelta(hours=2)
    assert w.repo.anomaly_checks[busy].last_hour == LAST + timedelta(hours=1)


async def test_a_link_that_stops_converting_is_an_alert_a_small_link_is_not() -> None:
    w = worker()
    creator, big, tiny = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    events: list[object] = []
    for days_ago in range(1, 12):
        day = datetime.combine(NOW.date() - timedelta(days=days_ago), datetime.min.time(), tzinfo=UTC)
        for link, clicks in ((big, 80), (tiny, 20)):
            events += [
                envelope(
                    LinkClicked(link_id=link, click_id=uuid.uuid4(), clicked_at=day + timedelta(minutes=i), bot=False),
                    producer="marketing",
                    creator_id=creator,
                )  # fmt: skip
                for i in range(clicks)
            ]
            converted = 0 if days_ago == 1 else clicks // 5  # yesterday: nobody subscribed
            events += [
                envelope(
                    ConversionTracked(
                        fan_id=uuid.uuid4(),
                        link_id=link,
                        onlyfans_link="https://onlyfans.com/x",
                        converted_at=day + timedelta(hours=2, minutes=i),
                    ),
                    producer="marketing",
                    creator_id=creator,
                )  # fmt: skip
                for i in range(converted)
            ]
        events.append(envelope(LinkClicked(link_id=big, click_id=uuid.uuid4(), clicked_at=day, bot=True),
                               producer="marketing", creator_id=creator))  # fmt: skip
    await w.deliver(*events)
    assert w.repo.link_days_[(creator, big, NOW.date() - timedelta(days=2))] == {"clicks": 80, "conversions": 16}

    w.clock.advance(minutes=1)
    await w.fire_due()
    (alert,) = w.emitted("anomaly.detected")
    p = alert.payload
    assert p.kind == "link_conversion_drop" and p.link_id == big and p.subject == str(big)
    assert p.unit == "conversions" and p.observed == 0 and p.expected == 16
    assert p.window_start == datetime.combine(NOW.date() - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    assert p.evidence["clicks"] == 80 and p.evidence["baseline_days"] == 10


def test_a_check_catches_up_on_the_hours_and_days_it_missed_within_bounds() -> None:
    assert hours_to_check(CheckState(None, None), NOW) == [LAST]
    assert hours_to_check(CheckState(LAST, None), NOW) == []
    missed = hours_to_check(CheckState(LAST - timedelta(hours=5), None), NOW)
    assert missed == [LAST - timedelta(hours=h) for h in range(4, -1, -1)]
    assert len(hours_to_check(CheckState(LAST - timedelta(days=3), None), NOW)) == checks.MAX_CATCH_UP_HOURS
    yesterday = NOW.date() - timedelta(days=1)
    assert days_to_check(CheckState(None, None), NOW) == [yesterday]
    assert days_to_check(CheckState(None, yesterday), NOW) == []
    assert len(days_to_check(CheckState(None, yesterday - timedelta(days=9)), NOW)) == checks.MAX_CATCH_UP_DAYS
