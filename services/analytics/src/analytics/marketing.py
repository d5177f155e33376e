"""Use cases of the marketing reports (analytics' side of issue 12).

Flow (each arrow is one transaction; offsets are committed after it)::

    link.clicked        ─► link_clicks       (by click id)
    conversion.tracked  ─► link_conversions  (once per fan)
    campaign.created    ─► campaign_costs    (by campaign id)
    transaction.recorded (already kept for revenue) ─► transactions

The reports join them at read time (:mod:`.conversion`), so the order in which the topics arrive
does not change a figure: a sale applied before its fan's conversion counts once the conversion is.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from huntaze_events import CampaignCreated, ConversionTracked, Envelope, LinkClicked
from huntaze_service import UnitOfWork

from . import handlers
from .conversion import By, CampaignRecord, ClickRecord, ConversionRecord, ConversionRow, TimeCell, best_times, rows
from .ports import AnalyticsRepository
from .reports import Window, sales_window
from .timegrid import zone

Uow = UnitOfWork[AnalyticsRepository]


async def record_clicks(uow: Uow, events: Sequence[Envelope[LinkClicked]]) -> None:
    await uow.repo.add_clicks(
        [
            ClickRecord(p.click_id, e.creator_id, p.link_id, p.post_id, p.campaign_id, p.network, p.clicked_at, p.bot)
            for e in events
            for p in (e.payload,)
        ]
    )


async def record_conversions(uow: Uow, events: Sequence[Envelope[ConversionTracked]]) -> None:
    await uow.repo.add_conversions(
        [
            ConversionRecord(e.creator_id, p.fan_id, p.link_id, p.post_id, p.campaign_id, p.network, p.converted_at)
            for e in events
            for p in (e.payload,)
        ]
    )


async def record_campaigns(uow: Uow, events: Sequence[Envelope[CampaignCreated]]) -> None:
    await uow.repo.save_campaigns(
        [
            CampaignRecord(p.campaign_id, e.creator_id, p.name, p.cost_cents, p.currency, p.starts_at, p.ends_at)
            for e in events
            for p in (e.payload,)
        ]
    )


async def conversion(uow: Uow, creator_id: uuid.UUID, by: By, window: Window, currency: str) -> list[ConversionRow]:
    figures = await uow.repo.conversion_figures(creator_id, by, window.start, window.end, currency)
    return rows(figures, currency)


async def best_posting_times(
    uow: Uow, creator_id: uuid.UUID, network: str | None, tz: str, currency: str, days: int
) -> tuple[Window, list[TimeCell], list[TimeCell]]:
    """The week's 168 local hours: people's clicks and subscribers (of ``network``, or all) and sales,
    and the best hours to post."""
    zone_ = zone(tz)
    window = sales_window(uow.now(), days, zone_)
    clicks, subscribers = await uow.repo.marketing_hours(creator_id, network, window.start, window.end, zone_.key)
    sales = await handlers.sales_hours(uow, creator_id, currency=currency, tz=tz, days=days)
    by_hour = {(c.weekday, c.hour): c.amount.net_cents for c in sales.cells if c.amount.count}
    cells, best = best_times(clicks, subscribers, by_hour)
    return window, cells, best
