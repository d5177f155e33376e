"""In-memory campaigns, links, clicks, conversions and sales with the SQL adapter's semantics."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from marketing.campaigns import Campaign, Money, Results
from marketing.clicks import ClickFacts
from marketing.links import Link
from marketing.ports import LinkResult, Sale


class FakeLinks:
    posts_by_id: dict[uuid.UUID, Any]

    def __init__(self) -> None:
        self.campaigns_by_id: dict[uuid.UUID, Campaign] = {}
        self.domains: dict[uuid.UUID, tuple[str, ...]] = {}
        self.links_by_id: dict[uuid.UUID, Link] = {}
        self.keys: dict[uuid.UUID, str | None] = {}
        self.clicks: list[tuple[uuid.UUID, Link, datetime, ClickFacts]] = []
        self.conversions: dict[tuple[uuid.UUID, uuid.UUID], tuple[uuid.UUID, datetime]] = {}
        self.sales: dict[uuid.UUID, Sale] = {}

    async def add_campaign(self, campaign: Campaign) -> None:
        self.campaigns_by_id[campaign.id] = campaign

    async def campaign(self, creator_id: uuid.UUID, campaign_id: uuid.UUID) -> Campaign | None:
        c = self.campaigns_by_id.get(campaign_id)
        return c if c is not None and c.creator_id == creator_id else None

    async def campaigns(self, creator_id: uuid.UUID, limit: int) -> list[Campaign]:
        mine = [c for c in self.campaigns_by_id.values() if c.creator_id == creator_id]
        return sorted(mine, key=lambda c: c.starts_at, reverse=True)[:limit]

    async def link_domains(self, creator_id: uuid.UUID) -> tuple[str, ...]:
        return self.domains.get(creator_id, ())

    async def set_link_domains(self, creator_id: uuid.UUID, domains: Sequence[str]) -> None:
        self.domains[creator_id] = tuple(sorted(domains))

    async def add_link(self, link: Link, onlyfans_key: str | None) -> bool:
        if any(k.code == link.code for k in self.links_by_id.values()):
            return False
        self.links_by_id[link.id] = link
        self.keys[link.id] = onlyfans_key
        return True

    async def link(self, creator_id: uuid.UUID, link_id: uuid.UUID) -> Link | None:
        k = self.links_by_id.get(link_id)
        return k if k is not None and k.creator_id == creator_id else None

    async def links(self, creator_id: uuid.UUID, limit: int) -> list[Link]:
        mine = [k for k in self.links_by_id.values() if k.creator_id == creator_id]
        return sorted(mine, key=lambda k: k.created_at, reverse=True)[:limit]

    async def attach_link(self, link: Link) -> None:
        self.links_by_id[link.id] = link

    async def link_by_code(self, code: str) -> Link | None:
        return next((k for k in self.links_by_id.values() if k.code == code), None)

    async def link_by_onlyfans(self, creator_id: uuid.UUID, onlyfans_key: str) -> Link | None:
        return next(
            (k for k in self.links_by_id.values() if k.creator_id == creator_id and self.keys[k.id] == onlyfans_key),
            None,
        )

    async def add_click(self, click_id: uuid.UUID, link: Link, at: datetime, facts: ClickFacts) -> None:
        self.clicks.append((click_id, link, at, facts))

    async def add_conversion(self, creator_id: uuid.UUID, fan_id: uuid.UUID, link_id: uuid.UUID, at: datetime) -> bool:
        if (creator_id, fan_id) in self.conversions:
            return False
        self.conversions[(creator_id, fan_id)] = (link_id, at)
        return True

    async def add_sales(self, sales: Sequence[Sale]) -> None:
        for s in sales:
            self.sales.setdefault(s.transaction_id, s)

    async def results(
        self,
        creator_id: uuid.UUID,
        *,
        link_id: uuid.UUID | None = None,
        post_id: uuid.UUID | None = None,
        campaign_id: uuid.UUID | None = None,
    ) -> list[LinkResult]:
        out = []
        for k in self.links_by_id.values():
            campaign = k.campaign_id
            if k.creator_id != creator_id or link_id not in (None, k.id) or post_id not in (None, k.post_id):
                continue
            if campaign_id is not None and campaign != campaign_id:
                continue
            clicks = [c for c in self.clicks if c[1].id == k.id]
            fans = {fan: at for (c, fan), (lid, at) in self.conversions.items() if c == creator_id and lid == k.id}
            money: dict[str, tuple[int, int]] = {}
            for s in self.sales.values():
                if s.creator_id == creator_id and s.fan_id in fans and s.occurred_at >= fans[s.fan_id]:
                    g, n = money.get(s.currency, (0, 0))
                    money[s.currency] = (g + s.gross_cents, n + s.net_cents)
            results = Results(
                clicks=sum(1 for c in clicks if not c[3].bot),
                bot_clicks=sum(1 for c in clicks if c[3].bot),
                subscribers=len(fans),
                revenue=tuple(Money(c, g, n) for c, (g, n) in sorted(money.items())),
            )
            out.append(LinkResult(k.id, k.post_id, campaign, k.network, results))
        return out
