"""Campaigns, tracking links, clicks, conversions and sales on PostgreSQL. Every read but the public
redirect's look-up by code is scoped to the creator: another creator's id is not found."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ..campaigns import Campaign, Money, Results
from ..clicks import ClickFacts
from ..links import Link
from ..ports import LinkResult, Sale
from .sql import Sql

_CAMPAIGN = "id, creator_id, name, cost_cents, currency, starts_at, ends_at, created_at"
_LINK = "id, creator_id, code, target_url, label, onlyfans_link, campaign_id, post_id, created_at, network"


def _campaign(row: Any) -> Campaign:
    return Campaign(row[0], row[1], row[2], int(row[3]), row[4], row[5], row[6], row[7])


def _link(row: Any) -> Link:
    return Link(*row)


class SqlLinksRepository(Sql):
    # campaigns -----------------------------------------------------------------------------------
    async def add_campaign(self, campaign: Campaign) -> None:
        c = campaign
        await self._rows(
            f"INSERT INTO campaigns ({_CAMPAIGN}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (c.id, c.creator_id, c.name, c.cost_cents, c.currency, c.starts_at, c.ends_at, c.created_at),
        )

    async def campaign(self, creator_id: uuid.UUID, campaign_id: uuid.UUID) -> Campaign | None:
        rows = await self._rows(
            f"SELECT {_CAMPAIGN} FROM campaigns WHERE id = %s AND creator_id = %s", (campaign_id, creator_id)
        )
        return _campaign(rows[0]) if rows else None

    async def campaigns(self, creator_id: uuid.UUID, limit: int) -> list[Campaign]:
        rows = await self._rows(
            f"SELECT {_CAMPAIGN} FROM campaigns WHERE creator_id = %s ORDER BY starts_at DESC, id LIMIT %s",
            (creator_id, limit),
        )
        return [_campaign(r) for r in rows]

    # approved domains ----------------------------------------------------------------------------
    async def link_domains(self, creator_id: uuid.UUID) -> tuple[str, ...]:
        rows = await self._rows("SELECT domain FROM link_domains WHERE creator_id = %s ORDER BY domain", (creator_id,))
        return tuple(r[0] for r in rows)

    async def set_link_domains(self, creator_id: uuid.UUID, domains: Sequence[str]) -> None:
        await self._rows("DELETE FROM link_domains WHERE creator_id = %s", (creator_id,))
        if domains:
            await self._rows(
                "INSERT INTO link_domains (creator_id, domain) SELECT %s, unnest(%s::text[])",
                (creator_id, list(domains)),
            )

    # links ---------------------------------------------------------------------------------------
    async def add_link(self, link: Link, onlyfans_key: str | None) -> bool:
        """False when the code is taken (nothing stored: draw another)."""
        k = link
        rows = await self._rows(
            f"INSERT INTO links ({_LINK}, onlyfans_key) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (code) DO NOTHING RETURNING id",
            (k.id, k.creator_id, k.code, k.target_url, k.label, k.onlyfans_link, k.campaign_id, k.post_id,
             k.created_at, k.network, onlyfans_key),
        )  # fmt: skip
        return bool(rows)

    async def link(self, creator_id: uuid.UUID, link_id: uuid.UUID) -> Link | None:
        rows = await self._rows(f"SELECT {_LINK} FROM links WHERE id = %s AND creator_id = %s", (link_id, creator_id))
        return _link(rows[0]) if rows else None

    async def links(self, creator_id: uuid.UUID, limit: int) -> list[Link]:
        rows = await self._rows(
            f"SELECT {_LINK} FROM links WHERE creator_id = %s ORDER BY created_at DESC, id LIMIT %s",
            (creator_id, limit),
        )
        return [_link(r) for r in rows]

    async def attach_link(self, link: Link) -> None:
        await self._rows(
            "UPDATE links SET post_id = %s, campaign_id = %s, network = %s WHERE id = %s",
            (link.post_id, link.campaign_id, link.network, link.id),
        )

    async def link_by_code(self, code: str) -> Link | None:
        rows = await self._rows(f"SELECT {_LINK} FROM links WHERE code = %s", (code,))
        return _link(rows[0]) if rows else None

    async def link_by_onlyfans(self, creator_id: uuid.UUID, onlyfans_key: str) -> Link | None:
        rows = await self._rows(
            f"SELECT {_LINK} FROM links WHERE creator_id = %s AND onlyfans_key = %s", (creator_id, onlyfans_key)
        )
        return _link(rows[0]) if rows else None

    # clicks, conversions, sales --------------------------------------------------------------------
    async def add_click(self, click_id: uuid.UUID, link: Link, at: datetime, facts: ClickFacts) -> None:
        await self._rows(
            "INSERT INTO clicks (id, link_id, creator_id, clicked_at, network, country, referrer_host, bot) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (click_id, link.id, link.creator_id, at, facts.network, facts.country, facts.referrer_host, facts.bot),
        )

    async def add_conversion(self, creator_id: uuid.UUID, fan_id: uuid.UUID, link_id: uuid.UUID, at: datetime) -> bool:
        rows = await self._rows(
            "INSERT INTO conversions (creator_id, fan_id, link_id, converted_at) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT DO NOTHING RETURNING link_id",
            (creator_id, fan_id, link_id, at),
        )
        return bool(rows)

    async def add_sales(self, sales: Sequence[Sale]) -> None:
        if not sales:
            return
        await self._rows(
            "INSERT INTO sales (transaction_id, creator_id, fan_id, gross_cents, net_cents, currency, occurred_at) "
            "SELECT * FROM unnest(%s::uuid[], %s::uuid[], %s::uuid[], %s::bigint[], %s::bigint[], %s::text[], "
            "%s::timestamptz[]) ON CONFLICT DO NOTHING",
            tuple(list(column) for column in zip(*sales, strict=True)),
        )

    async def results(
        self,
        creator_id: uuid.UUID,
        *,
        link_id: uuid.UUID | None = None,
        post_id: uuid.UUID | None = None,
        campaign_id: uuid.UUID | None = None,
    ) -> list[LinkResult]:
        where, params = ["k.creator_id = %(c)s"], {"c": creator_id, "l": link_id, "p": post_id, "g": campaign_id}
        if link_id is not None:
            where.append("k.id = %(l)s")
        if post_id is not None:
            where.append("k.post_id = %(p)s")
        if campaign_id is not None:
            where.append("k.campaign_id = %(g)s")
        rows = await self._rows(
            "SELECT k.id, k.post_id, k.campaign_id, k.network, "
            "(SELECT count(*) FILTER (WHERE NOT bot) FROM clicks WHERE link_id = k.id), "
            "(SELECT count(*) FILTER (WHERE bot) FROM clicks WHERE link_id = k.id), "
            "(SELECT count(*) FROM conversions WHERE link_id = k.id) "
            "FROM links k WHERE " + " AND ".join(where),
            params,
        )
        if not rows:
            return []
        money: dict[uuid.UUID, list[Money]] = {}
        for link, currency, gross, net in await self._rows(
            # every transaction of a converted fan from the start of the subscription they came through
            "SELECT v.link_id, s.currency, sum(s.gross_cents), sum(s.net_cents) FROM conversions v "
            "JOIN sales s ON s.creator_id = v.creator_id AND s.fan_id = v.fan_id AND s.occurred_at >= v.converted_at "
            "WHERE v.creator_id = %s AND v.link_id = ANY(%s) GROUP BY 1, 2 ORDER BY 1, 2",
            (creator_id, [r[0] for r in rows]),
        ):
            money.setdefault(link, []).append(Money(currency, int(gross), int(net)))
        return [
            LinkResult(lid, post, campaign, network, Results(int(c), int(b), int(s), tuple(money.get(lid, ()))))
            for lid, post, campaign, network, c, b, s in rows
        ]
