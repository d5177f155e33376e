"""Marketing in money (pure): clicks, subscribers and attributed revenue by network, campaign, post or
link, with ROI where a cost is known; and the hours that bring clicks, subscribers and sales.

Definitions (over a window [from, to)):

- clicks: people's clicks on tracking links in the window (robots' apart, by user agent);
- subscribers: fans who subscribed through a link in the window (``conversion.tracked``: the first
  link a fan came through, once);
- attributed revenue: transactions in the window of fans who came through a link, from the moment
  they came (refunds and chargebacks subtract), in the report's currency;
- ROI (by campaign): attributed net revenue ÷ the campaign's cost when both are in that currency.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Literal

By = Literal["network", "campaign", "post", "link"]
BY_COLUMN: dict[str, str] = {"network": "network", "campaign": "campaign_id", "post": "post_id", "link": "link_id"}


@dataclass(frozen=True)
class ClickRecord:
    click_id: uuid.UUID
    creator_id: uuid.UUID
    link_id: uuid.UUID
    post_id: uuid.UUID | None
    campaign_id: uuid.UUID | None
    network: str | None
    clicked_at: datetime
    bot: bool


@dataclass(frozen=True)
class ConversionRecord:
    creator_id: uuid.UUID
    fan_id: uuid.UUID
    link_id: uuid.UUID
    post_id: uuid.UUID | None
    campaign_id: uuid.UUID | None
    network: str | None
    converted_at: datetime


@dataclass(frozen=True)
class CampaignRecord:
    campaign_id: uuid.UUID
    creator_id: uuid.UUID
    name: str
    cost_cents: int
    currency: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class ConversionFigures:
    """One group's figures as the database sums them (``key`` None: no network, campaign or post)."""

    key: str | None
    clicks: int
    bot_clicks: int
    subscribers: int
    gross_cents: int
    net_cents: int
    campaign: CampaignRecord | None = None


@dataclass(frozen=True)
class ConversionRow:
    figures: ConversionFigures
    conversion_rate: float | None
    roi: Decimal | None


def rows(figures: Sequence[ConversionFigures], currency: str) -> list[ConversionRow]:
    """Each group with its rate and ROI, the most net revenue first."""
    out = []
    for f in figures:
        rate = round(f.subscribers / f.clicks, 6) if f.clicks else None
        c = f.campaign
        roi = None
        if c is not None and c.cost_cents > 0 and c.currency == currency:
            roi = (Decimal(f.net_cents) / Decimal(c.cost_cents)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)
        out.append(ConversionRow(f, rate, roi))
    return sorted(
        out, key=lambda r: (-r.figures.net_cents, -r.figures.subscribers, -r.figures.clicks, r.figures.key or "")
    )


# best times --------------------------------------------------------------------------------------------

WEEK_HOURS = 168
SUGGESTIONS = 3
WEIGHTS = {"subscribers": 0.5, "clicks": 0.25, "sales": 0.25}
"""How much each signal weighs in a cell's score (each as its share of the week's total)."""


@dataclass(frozen=True)
class TimeCell:
    weekday: int
    """0 = Monday … 6 = Sunday (local)."""
    hour: int
    clicks: int = 0
    subscribers: int = 0
    sales_net_cents: int = 0
    score: float = 0.0


def best_times(
    clicks: dict[tuple[int, int], int], subscribers: dict[tuple[int, int], int], sales: dict[tuple[int, int], int]
) -> tuple[list[TimeCell], list[TimeCell]]:
    """All 168 cells (Monday 00h first) with their score, and the best few to post at: the cells
    whose share of subscribers, clicks and sales (weighted by WEIGHTS) is highest; none without data."""

    def shares(counts: dict[tuple[int, int], int]) -> dict[tuple[int, int], float]:
        total = sum(max(v, 0) for v in counts.values())
        return {k: max(v, 0) / total for k, v in counts.items()} if total else {}

    s_sub, s_click, s_sale = shares(subscribers), shares(clicks), shares(sales)
    cells = []
    for i in range(WEEK_HOURS):
        key = (i // 24, i % 24)
        score = (
            WEIGHTS["subscribers"] * s_sub.get(key, 0.0)
            + WEIGHTS["clicks"] * s_click.get(key, 0.0)
            + WEIGHTS["sales"] * s_sale.get(key, 0.0)
        )
        cells.append(
            TimeCell(key[0], key[1], clicks.get(key, 0), subscribers.get(key, 0), sales.get(key, 0), round(score, 6))
        )
    ranked = sorted((c for c in cells if c.score > 0), key=lambda c: (-c.score, c.weekday, c.hour))
    return cells, ranked[:SUGGESTIONS]
