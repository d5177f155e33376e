"""Use cases of the analytics service: each takes the unit of work (``uow.repo`` is an AnalyticsRepository).

The consumers fold events into the read models (facts, fan names, subscription periods); the
reports are computed from them when asked (no periodic refresh: a sale shows as soon as its event
is applied). Bad report parameters raise ``BadQuery``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from huntaze_events import Envelope, TransactionRecorded
from huntaze_service import UnitOfWork

from . import reports
from .domain import SubscriptionEvent, facts_of, fan_names_of, periods_of
from .erasure import without_erased
from .ports import AnalyticsRepository
from .reports import RevenueReport, SalesHours, Summary, Window
from .retention import Retention, retention
from .timegrid import Granularity, bucket_starts, resolve_range, zone

Uow = UnitOfWork[AnalyticsRepository]


# event handlers ---------------------------------------------------------------------------------


async def record_transactions(uow: Uow, events: Sequence[Envelope[TransactionRecorded]]) -> None:
    """Stores each transaction once (by id), and the newest name of each fan (none for an erased fan)."""
    await uow.repo.add_transactions(facts_of(events))
    await uow.repo.remember_fans(await without_erased(uow, fan_names_of(events)))


async def record_subscriptions(uow: Uow, events: Sequence[Envelope[SubscriptionEvent]]) -> None:
    """Folds started, renewed and expired subscriptions into their periods; keeps fan names (not
    an erased fan's)."""
    await uow.repo.save_subscriptions(periods_of(events))
    await uow.repo.remember_fans(await without_erased(uow, fan_names_of(events)))


# reports ----------------------------------------------------------------------------------------


async def revenue(
    uow: Uow,
    creator_id: uuid.UUID,
    *,
    currency: str,
    tz: str,
    granularity: Granularity,
    start: str | None,
    end: str | None,
) -> RevenueReport:
    zone_ = zone(tz)
    window = Window(*resolve_range(start, end, granularity, zone_, uow.now()))
    grid = bucket_starts(window.start, window.end, granularity, zone_)
    rows = await uow.repo.revenue_by_bucket(creator_id, currency, grid, window)
    return reports.revenue_report(currency, zone_, granularity, window, grid, rows)


async def summary(uow: Uow, creator_id: uuid.UUID, *, currency: str, tz: str) -> Summary:
    zone_, now = zone(tz), uow.now()
    windows = reports.summary_windows(now, zone_)
    figures = await uow.repo.period_figures(creator_id, currency, reports.flatten(windows))
    top_window = windows[reports.TOP_FANS_PERIOD][0]
    top = await uow.repo.top_fans(creator_id, currency, top_window, reports.TOP_FANS)
    return reports.summary(currency, zone_, now, windows, figures, top)


async def sales_hours(uow: Uow, creator_id: uuid.UUID, *, currency: str, tz: str, days: int) -> SalesHours:
    zone_ = zone(tz)
    window = reports.sales_window(uow.now(), days, zone_)
    grid = bucket_starts(window.start, window.end, "hour", zone_, limit=None)
    rows = await uow.repo.sales_by_bucket(creator_id, currency, grid, window)
    return reports.sales_hours(currency, zone_, days, window, grid, rows)


async def subscriber_retention(uow: Uow, creator_id: uuid.UUID, *, tz: str) -> Retention:
    zone_ = zone(tz)
    return retention(await uow.repo.subscription_intervals(creator_id), zone_, uow.now())
