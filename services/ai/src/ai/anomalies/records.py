"""The ai's read model for anomaly alerts, kept from other services' events (never a call to them):

* revenue per UTC hour and currency (``transaction.recorded``): the number of sales (a positive
  gross) and the net (sales less refunds and chargebacks, each counted in the hour it happened);
* per tracking link and UTC day: visitors (``link.clicked``, robots left out) and the subscribers it
  converted (``conversion.tracked``, on the day of the subscription).

Each batch is folded in memory and written with one additive upsert per row, in key order (two batches
on two partitions touch the same hour in the same order, so they never deadlock). The chassis' consumer
applies an event once, so the sums are exact."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime

from huntaze_events import ConversionTracked, Envelope, LinkClicked, TransactionRecorded

from ..handlers import Uow


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


async def record_sales(uow: Uow, events: Sequence[Envelope[TransactionRecorded]]) -> set[uuid.UUID]:
    """Adds each transaction to its hour; returns the creators seen (their checks are ensured)."""
    hours: dict[tuple[uuid.UUID, str, datetime], list[int]] = defaultdict(lambda: [0, 0])
    for e in events:
        p = e.payload
        bucket = hours[(e.creator_id, p.currency, hour_of(p.occurred_at.astimezone(UTC)))]
        bucket[0] += 1 if p.gross_cents > 0 else 0
        bucket[1] += p.net_cents
    for (creator, currency, hour), (sales, net) in sorted(hours.items()):
        await uow.repo.add_revenue_hour(creator, currency, hour, sales, net)
    return {e.creator_id for e in events}


async def record_clicks(uow: Uow, events: Sequence[Envelope[LinkClicked]]) -> None:
    days: dict[tuple[uuid.UUID, uuid.UUID, date], int] = defaultdict(int)
    for e in events:
        if not e.payload.bot:
            days[(e.creator_id, e.payload.link_id, e.payload.clicked_at.astimezone(UTC).date())] += 1
    for (creator, link, day), clicks in sorted(days.items()):
        await uow.repo.add_link_day(creator, link, day, clicks=clicks, conversions=0)


async def record_conversions(uow: Uow, events: Sequence[Envelope[ConversionTracked]]) -> None:
    days: dict[tuple[uuid.UUID, uuid.UUID, date], int] = defaultdict(int)
    for e in events:
        days[(e.creator_id, e.payload.link_id, e.payload.converted_at.astimezone(UTC).date())] += 1
    for (creator, link, day), conversions in sorted(days.items()):
        await uow.repo.add_link_day(creator, link, day, clicks=0, conversions=conversions)
