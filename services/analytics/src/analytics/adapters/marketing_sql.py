"""The marketing read models on PostgreSQL: clicks, conversions and campaign costs (one statement
per batch, idempotent by key), and the conversion and best-time queries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ..conversion import BY_COLUMN, By, CampaignRecord, ClickRecord, ConversionFigures, ConversionRecord

_ADD_CLICKS = """
INSERT INTO link_clicks (click_id, creator_id, link_id, post_id, campaign_id, network, clicked_at, bot)
SELECT * FROM unnest(%s::uuid[], %s::uuid[], %s::uuid[], %s::uuid[], %s::uuid[], %s::text[], %s::timestamptz[],
                     %s::boolean[])
ON CONFLICT (click_id) DO NOTHING
"""
_ADD_CONVERSIONS = """
INSERT INTO link_conversions (creator_id, fan_id, link_id, post_id, campaign_id, network, converted_at)
SELECT * FROM unnest(%s::uuid[], %s::uuid[], %s::uuid[], %s::uuid[], %s::uuid[], %s::text[], %s::timestamptz[])
ON CONFLICT (creator_id, fan_id) DO NOTHING
"""
_SAVE_CAMPAIGNS = """
INSERT INTO campaign_costs (campaign_id, creator_id, name, cost_cents, currency, starts_at, ends_at)
SELECT * FROM unnest(%s::uuid[], %s::uuid[], %s::text[], %s::bigint[], %s::text[], %s::timestamptz[],
                     %s::timestamptz[])
ON CONFLICT (campaign_id) DO NOTHING
"""
_CONVERSION = """
WITH c AS (
    SELECT COALESCE({k}::text, '') AS key, count(*) FILTER (WHERE NOT bot) AS clicks,
           count(*) FILTER (WHERE bot) AS bots
    FROM link_clicks WHERE creator_id = %(c)s AND clicked_at >= %(s)s AND clicked_at < %(e)s GROUP BY 1
), v AS (
    SELECT COALESCE({k}::text, '') AS key, count(*) AS subscribers
    FROM link_conversions WHERE creator_id = %(c)s AND converted_at >= %(s)s AND converted_at < %(e)s GROUP BY 1
), r AS (
    SELECT COALESCE(v.{k}::text, '') AS key, sum(t.gross_cents) AS gross, sum(t.net_cents) AS net
    FROM link_conversions v
    JOIN transactions t ON t.creator_id = v.creator_id AND t.fan_id = v.fan_id AND t.occurred_at >= v.converted_at
    WHERE v.creator_id = %(c)s AND t.currency = %(cur)s AND t.occurred_at >= %(s)s AND t.occurred_at < %(e)s
    GROUP BY 1
)
SELECT key, COALESCE(clicks, 0), COALESCE(bots, 0), COALESCE(subscribers, 0), COALESCE(gross, 0), COALESCE(net, 0)
FROM c FULL JOIN v USING (key) FULL JOIN r USING (key)
"""
_CAMPAIGNS = """
SELECT campaign_id, creator_id, name, cost_cents, currency, starts_at, ends_at FROM campaign_costs
WHERE creator_id = %s AND campaign_id = ANY(%s)
"""
_LOCAL = "extract(isodow FROM {t} AT TIME ZONE %(tz)s)::int - 1, extract(hour FROM {t} AT TIME ZONE %(tz)s)::int"
_NETWORK = "(%(n)s::text IS NULL OR network = %(n)s)"
_CLICK_HOURS = f"""
SELECT {_LOCAL.format(t="clicked_at")}, count(*) FROM link_clicks
WHERE creator_id = %(c)s AND NOT bot AND clicked_at >= %(s)s AND clicked_at < %(e)s AND {_NETWORK} GROUP BY 1, 2
"""
_CONVERSION_HOURS = f"""
SELECT {_LOCAL.format(t="converted_at")}, count(*) FROM link_conversions
WHERE creator_id = %(c)s AND converted_at >= %(s)s AND converted_at < %(e)s AND {_NETWORK} GROUP BY 1, 2
"""


def _columns(rows: Sequence[Any]) -> tuple[list[Any], ...]:
    return tuple(list(column) for column in zip(*rows, strict=True))


class MarketingReadModels:
    async def _execute(self, sql: str, params: Any) -> int: ...  # the repository's

    async def _fetch(self, sql: str, params: Any) -> list[tuple[Any, ...]]: ...  # the repository's

    async def add_clicks(self, clicks: Sequence[ClickRecord]) -> None:
        if clicks:
            rows = [(c.click_id, c.creator_id, c.link_id, c.post_id, c.campaign_id, c.network, c.clicked_at, c.bot)
                    for c in sorted(clicks, key=lambda c: c.click_id)]  # fmt: skip
            await self._execute(_ADD_CLICKS, _columns(rows))

    async def add_conversions(self, conversions: Sequence[ConversionRecord]) -> None:
        if conversions:
            rows = [(c.creator_id, c.fan_id, c.link_id, c.post_id, c.campaign_id, c.network, c.converted_at)
                    for c in sorted(conversions, key=lambda c: (c.creator_id, c.fan_id))]  # fmt: skip
            await self._execute(_ADD_CONVERSIONS, _columns(rows))

    async def save_campaigns(self, campaigns: Sequence[CampaignRecord]) -> None:
        if campaigns:
            rows = [(c.campaign_id, c.creator_id, c.name, c.cost_cents, c.currency, c.starts_at, c.ends_at)
                    for c in sorted(campaigns, key=lambda c: c.campaign_id)]  # fmt: skip
            await self._execute(_SAVE_CAMPAIGNS, _columns(rows))

    async def conversion_figures(
        self, creator_id: uuid.UUID, by: By, start: datetime, end: datetime, currency: str
    ) -> list[ConversionFigures]:
        found = await self._fetch(
            _CONVERSION.format(k=BY_COLUMN[by]), {"c": creator_id, "s": start, "e": end, "cur": currency}
        )
        campaigns: dict[str, CampaignRecord] = {}
        if by == "campaign":
            ids = [uuid.UUID(r[0]) for r in found if r[0]]
            for row in await self._fetch(_CAMPAIGNS, (creator_id, ids)):
                record = CampaignRecord(row[0], row[1], row[2], int(row[3]), row[4], row[5], row[6])
                campaigns[str(record.campaign_id)] = record
        return [
            ConversionFigures(key or None, int(c), int(b), int(s), int(g), int(n), campaigns.get(key))
            for key, c, b, s, g, n in found
        ]

    async def marketing_hours(
        self, creator_id: uuid.UUID, network: str | None, start: datetime, end: datetime, tz: str
    ) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int], int]]:
        """People's clicks and subscribers by local (weekday, hour)."""
        params = {"c": creator_id, "n": network, "s": start, "e": end, "tz": tz}
        clicks = {(int(d), int(h)): int(n) for d, h, n in await self._fetch(_CLICK_HOURS, params)}
        subscribers = {(int(d), int(h)): int(n) for d, h, n in await self._fetch(_CONVERSION_HOURS, params)}
        return clicks, subscribers
