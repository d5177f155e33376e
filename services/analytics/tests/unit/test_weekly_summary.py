"""The weekly summary on a fake worker: the creator's timer set once by their first revenue event, its
firing emitting ``week.summarized`` with exact figures from every read model (the revenue report's own
total among them; a post named by its latest caption), once per period however often it fires, and nothing for two empty weeks.

The fake clock reads Monday 2026-11-02 09:00 UTC: the first firing is at 10:00 (3600 s later), so its
week is [Oct 26 10:00, Nov 2 10:00) and the week before [Oct 19 10:00, Oct 26 10:00)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import analytics.consumers as consumers
import analytics.handlers as handlers
from analytics import weekly_summary
from analytics.config import AnalyticsSettings
from analytics.conversion import ConversionRecord
from huntaze_events import PostScheduled, make_envelope
from huntaze_testkit.fakes import FakeWorker

from .events import CREATOR, fan, subscription, transaction
from .fakes import FakeAnalyticsRepository
from .media_events import offered, segment, sold, uploaded

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
DUE = NOW + timedelta(hours=1)
BEACH, POST, LINK = uuid.UUID(int=11), uuid.UUID(int=21), uuid.UUID(int=31)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def worker() -> FakeWorker[FakeAnalyticsRepository]:
    return FakeWorker(FakeAnalyticsRepository(), producer="analytics", subscriptions=consumers.subscriptions())


async def a_week(worker: FakeWorker[Any]) -> Any:
    """Two weeks of a creator's revenue, segments, a link's fan, a media sale and subscriptions."""
    offer = offered("ann", [BEACH], 2500, utc(2026, 10, 28, 11))
    sale, unlock = sold(offer, utc(2026, 10, 28, 12))
    await worker.deliver(
        transaction("ann", "subscription", 1000, utc(2026, 10, 30, 8)),  # net 800 each (fee 20 %)
        sale,  # 2500: net 2000
        transaction("bob", "tip", 500, utc(2026, 11, 1, 8)),  # 400
        transaction("bob", "refund", -500, utc(2026, 11, 2, 8)),  # -400
        transaction("ann", "subscription", 1000, utc(2026, 10, 22, 8)),  # the week before: 800
        transaction("cat", "tip", 3000, utc(2026, 10, 20, 8)),  # 2400
        transaction("ann", "tip", 100, utc(2026, 10, 30, 8), currency="EUR"),  # another currency
        transaction("dan", "tip", 9999, utc(2026, 10, 10, 8)),  # before both weeks
        transaction("ann", "tip", 7777, utc(2026, 10, 30, 8), creator=uuid.uuid4()),  # another creator
        offer,
        unlock,
        uploaded(BEACH, "Beach day \n  set"),
        segment("ann", "whales", "entered", utc(2026, 10, 25)),
        subscription("started", "eve", utc(2026, 10, 27), utc(2026, 11, 27)),
        subscription("started", "dan", utc(2026, 10, 1), utc(2026, 10, 29)),
        subscription("expired", "dan", utc(2026, 10, 1), utc(2026, 10, 29), expired_at=utc(2026, 10, 29)),
    )
    await worker.deliver(scheduled(2, "New set tonight\n🔥 link in bio"), scheduled(1, "draft"))  # any order
    ann = fan("ann").fan_id
    await worker.repo.add_conversions([ConversionRecord(CREATOR, ann, LINK, POST, None, "x", utc(2026, 10, 1))])
    return unlock


def summaries(worker: FakeWorker[Any]) -> list[Any]:
    return [e for e in worker.emitted("week.summarized") if e.creator_id == CREATOR]


def scheduled(revision: int, caption: str) -> Any:
    """What marketing emits when a post is scheduled or edited."""
    p = PostScheduled(post_id=POST, revision=revision, account_id=uuid.uuid4(), network="x",
                      publish_at=utc(2026, 10, 2), status="scheduled", caption_excerpt=caption)  # fmt: skip
    return make_envelope(p, producer="marketing", creator_id=CREATOR)


def movers(summary: dict[str, Any], key: str) -> list[tuple[str, str, int, int]]:
    return [(m["ref"], m["label"], m["revenue_cents"], m["previous_revenue_cents"]) for m in summary[key]]


async def test_first_revenue_sets_the_weekly_timer_once(worker: FakeWorker) -> None:
    await a_week(worker)
    await worker.deliver(transaction("eve", "tip", 100, NOW))  # later revenue does not move it
    (row,) = [
        r for (kind, _), r in worker.timers.items() if kind == weekly_summary.WEEKLY and r.write.tenant == CREATOR
    ]
    assert row.write.key == str(CREATOR) and row.write.due_at == DUE
    assert row.write.recurrence == weekly_summary.WEEKLY_EVERY
    assert AnalyticsSettings().weekly_first_s == 3600


async def test_the_firing_emits_the_week_with_exact_figures_once(worker: FakeWorker) -> None:
    unlock = await a_week(worker)
    worker.clock.current = DUE
    await worker.fire_due()
    (event,) = summaries(worker)
    s = event.payload.model_dump(mode="json")
    assert event.creator_id == CREATOR
    assert (s["currency"], s["other_currencies"], s["period_start"], s["period_end"]) == (
        "USD", ["EUR"], "2026-10-26", "2026-11-01"
    )  # fmt: skip
    assert (s["revenue_cents"], s["previous_revenue_cents"], s["change_cents"], s["change_pct"]) == (
        2800, 3200, -400, -12.5
    )  # fmt: skip
    async with worker.uow() as uow:  # the revenue report over the same bounds says the same
        report = await handlers.revenue(uow, CREATOR, currency="USD", tz="UTC", granularity="day",
                                        start=s["starts_at"][:19], end=s["ends_at"][:19])  # fmt: skip
    assert report.totals.total.net_cents == s["revenue_cents"]
    assert movers(s, "by_source") == [
        ("messages", "Paid messages (PPV)", 2000, 0), ("tips", "Tips", 400, 2400), ("refunds", "Refunds", -400, 0),
        ("subscriptions", "Subscriptions and renewals", 800, 800),
    ]  # fmt: skip
    assert movers(s, "by_segment") == [("none", "No segment", 0, 3200), ("whales", "Whales", 2800, 0)]
    assert movers(s, "top_posts") == [(str(POST), "New set tonight 🔥 link in bio", 2800, 800)]
    assert movers(s, "top_links") == [(str(LINK), "Link 00000000", 2800, 800)]
    assert movers(s, "top_media") == [(str(BEACH), "Beach day set", 2000, 0)]
    chatter = str(unlock.payload.by.user_id)
    assert movers(s, "chatters") == [(chatter, f"Chatter {chatter.replace('-', '')[:8]}", 2000, 0)]
    assert (s["new_subscribers"], s["churned_subscribers"]) == (1, 1)

    # the same period again (a firing retried, a timer set twice): nothing more
    async with worker.uow() as uow:
        assert await weekly_summary.fire(uow, CREATOR, DUE) is None
        await uow.commit()
    assert len(summaries(worker)) == 1
    assert [k for k in worker.repo.weekly_summaries if k[0] == CREATOR] == [(CREATOR, DUE.date() - timedelta(days=7))]
    # the timer recurs: Monday 06:00 UTC
    (row,) = [
        r for (kind, _), r in worker.timers.items() if kind == weekly_summary.WEEKLY and r.write.tenant == CREATOR
    ]
    assert row.write.due_at == utc(2026, 11, 9, 6)


async def test_two_empty_weeks_are_skipped(worker: FakeWorker) -> None:
    await worker.deliver(transaction("ann", "tip", 500, utc(2026, 9, 1)))  # revenue once, long ago
    worker.clock.current = DUE
    await worker.fire_due()
    assert worker.emitted("week.summarized") == [] and worker.repo.weekly_summaries == {}


async def test_a_week_with_only_another_currency_is_summarised_in_it(worker: FakeWorker) -> None:
    await worker.deliver(
        transaction("ann", "tip", 500, utc(2026, 10, 30), currency="EUR"),
        transaction("ann", "tip", 300, utc(2026, 10, 30), currency="GBP"),
        transaction("bob", "tip", 9000, utc(2026, 10, 21), currency="USD"),  # the week before only
    )
    worker.clock.current = DUE
    await worker.fire_due()
    (event,) = summaries(worker)
    p = event.payload
    assert (p.currency, p.revenue_cents, p.previous_revenue_cents, p.change_pct) == ("EUR", 400, 0, None)
    assert p.other_currencies == ["GBP", "USD"]
