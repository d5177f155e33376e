"""Rules of campaigns (pure) and what a campaign, a post or a link earned.

A campaign has a cost (integer minor units, one currency) and a span. Posts and links belong to it;
a link of a post belongs to its post's campaign unless it names its own. ROI is the attributed net
revenue in the campaign's currency divided by its cost (1.0: the campaign paid for itself); revenue
in other currencies is shown beside it, never converted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from .domain import Refused

MAX_NAME = 120
MAX_COST_CENTS = 10**12
MAX_SPAN = timedelta(days=731)


@dataclass(frozen=True)
class Campaign:
    id: uuid.UUID
    creator_id: uuid.UUID
    name: str
    cost_cents: int
    currency: str
    starts_at: datetime
    ends_at: datetime
    created_at: datetime


def new_campaign(
    creator_id: uuid.UUID, name: str, cost_cents: int, currency: str, start: datetime, end: datetime, now: datetime
) -> Campaign:
    name = name.strip()
    if not name:
        raise Refused("invalid_name", "a campaign has a name")
    if end <= start:
        raise Refused("invalid_span", "'to' is after 'from'")
    if end - start > MAX_SPAN:
        raise Refused("invalid_span", "a campaign spans at most two years")
    return Campaign(uuid.uuid4(), creator_id, name, cost_cents, currency, start, end, now)


@dataclass(frozen=True)
class Money:
    currency: str
    gross_cents: int
    net_cents: int


@dataclass(frozen=True)
class Results:
    """What a link, a post, a campaign or a network brought: people's clicks (robots apart),
    subscribers who came through, and every transaction those subscribers made since, per currency."""

    clicks: int = 0
    bot_clicks: int = 0
    subscribers: int = 0
    revenue: tuple[Money, ...] = field(default_factory=tuple)

    @property
    def conversion_rate(self) -> float | None:
        return None if not self.clicks else round(self.subscribers / self.clicks, 6)

    def net_in(self, currency: str) -> int:
        return sum(m.net_cents for m in self.revenue if m.currency == currency)


def combine(parts: list[Results]) -> Results:
    money: dict[str, tuple[int, int]] = {}
    for part in parts:
        for m in part.revenue:
            gross, net = money.get(m.currency, (0, 0))
            money[m.currency] = (gross + m.gross_cents, net + m.net_cents)
    return Results(
        clicks=sum(p.clicks for p in parts),
        bot_clicks=sum(p.bot_clicks for p in parts),
        subscribers=sum(p.subscribers for p in parts),
        revenue=tuple(Money(c, g, n) for c, (g, n) in sorted(money.items())),
    )


def roi(campaign: Campaign, results: Results) -> Decimal | None:
    """Attributed net revenue ÷ cost, to 4 decimals (None: a free campaign has no ROI)."""
    if campaign.cost_cents == 0:
        return None
    ratio = Decimal(results.net_in(campaign.currency)) / Decimal(campaign.cost_cents)
    return ratio.quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)
