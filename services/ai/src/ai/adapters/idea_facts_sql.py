"""What sells, for content ideas, on PostgreSQL: the ai service's read model of sales by hour,
unlocks, media, posts and conversions, and each ideas request's answer (the rules: :mod:`ai.idea_facts`).
Every write is idempotent (a redelivered event changes nothing); every read is the creator's."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

from psycopg.types.json import Jsonb

from huntaze_service.db import Transaction

from ..idea_facts import Conversions, MediaInfo, SalesData, Unlock

UNLOCKS_READ = 5000
"""The most recent unlocks the facts weigh (older ones are history)."""

# conversions by post (or by network for a link without a post), and what those fans spent since
_CONVERSIONS = """
SELECT c.post_id, COALESCE(p.network, c.network), EXTRACT(HOUR FROM p.published_at AT TIME ZONE 'UTC')::int,
       COUNT(*)
FROM idea_conversions c LEFT JOIN idea_posts p ON p.post_id = c.post_id AND p.creator_id = c.creator_id
WHERE c.creator_id = %(creator)s
GROUP BY 1, 2, 3
"""
_CONVERSION_SALES = """
SELECT c.post_id, COALESCE(p.network, c.network), s.currency, SUM(s.net_cents)
FROM idea_conversions c
LEFT JOIN idea_posts p ON p.post_id = c.post_id AND p.creator_id = c.creator_id
JOIN idea_sales s ON s.creator_id = c.creator_id AND s.fan_id = c.fan_id AND s.occurred_at >= c.converted_at
WHERE c.creator_id = %(creator)s
GROUP BY 1, 2, 3
"""


class IdeaFactsStore:
    """Mixed into the ai repository: ``self._tx`` is the unit of work's transaction."""

    _tx: Transaction

    async def _run(self, sql: str, params: Any) -> list[Any]:
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            await cursor.execute(sql, params)
            return list(await cursor.fetchall()) if cursor.description else []

    async def add_idea_sale(
        self,
        creator_id: uuid.UUID,
        transaction_id: uuid.UUID,
        fan_id: uuid.UUID | None,
        occurred_at: datetime,
        net_cents: int,
        currency: str,
    ) -> None:
        await self._run(
            "INSERT INTO idea_sales (transaction_id, creator_id, fan_id, occurred_at, hour, net_cents, currency) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (transaction_id, creator_id, fan_id, occurred_at, occurred_at.astimezone(UTC).hour, net_cents, currency),
        )

    async def add_idea_unlock(
        self,
        creator_id: uuid.UUID,
        offer_id: uuid.UUID,
        fan_id: uuid.UUID | None,
        media_ids: tuple[uuid.UUID, ...],
        price_cents: int,
        net_cents: int,
        currency: str,
        unlocked_at: datetime,
    ) -> None:
        await self._run(
            "INSERT INTO idea_unlocks (offer_id, creator_id, fan_id, media_ids, price_cents, net_cents, currency, "
            "unlocked_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (offer_id, creator_id, fan_id, list(media_ids), price_cents, net_cents, currency, unlocked_at),
        )

    async def set_idea_media(
        self,
        creator_id: uuid.UUID,
        media_id: uuid.UUID,
        title: str,
        tags: tuple[str, ...],
        revision: int,
        deleted: bool,
    ) -> None:
        await self._run(
            "INSERT INTO idea_media (media_id, creator_id, title, tags, revision, deleted) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (media_id) DO UPDATE SET title = EXCLUDED.title, "
            "tags = EXCLUDED.tags, revision = EXCLUDED.revision, deleted = EXCLUDED.deleted "
            "WHERE idea_media.creator_id = EXCLUDED.creator_id AND idea_media.revision < EXCLUDED.revision",
            (media_id, creator_id, title, list(tags), revision, deleted),
        )

    async def add_idea_post(
        self, creator_id: uuid.UUID, post_id: uuid.UUID, network: str, published_at: datetime
    ) -> None:
        await self._run(
            "INSERT INTO idea_posts (post_id, creator_id, network, published_at) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT DO NOTHING",
            (post_id, creator_id, network, published_at),
        )

    async def add_idea_conversion(
        self,
        creator_id: uuid.UUID,
        key_fan_id: uuid.UUID,
        fan_id: uuid.UUID | None,
        post_id: uuid.UUID | None,
        network: str | None,
        converted_at: datetime,
    ) -> None:
        key = uuid.uuid5(creator_id, str(key_fan_id))  # once per fan and creator
        await self._run(
            "INSERT INTO idea_conversions (id, creator_id, fan_id, post_id, network, converted_at) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (key, creator_id, fan_id, post_id, network, converted_at),
        )

    async def sales_data(self, creator_id: uuid.UUID) -> SalesData:
        unlocks = [
            Unlock(tuple(r[0]), int(r[1]), int(r[2]), r[3], r[4])
            for r in await self._run(
                "SELECT media_ids, net_cents, price_cents, currency, fan_id FROM idea_unlocks WHERE creator_id = %s "
                "ORDER BY unlocked_at DESC LIMIT %s",
                (creator_id, UNLOCKS_READ),
            )
        ]
        media_ids = sorted({m for u in unlocks for m in u.media_ids})
        fans = sorted({u.fan_id for u in unlocks if u.fan_id is not None})
        media = {
            r[0]: MediaInfo(r[1], tuple(r[2] or ()))
            for r in await self._run(
                "SELECT media_id, title, tags FROM idea_media WHERE creator_id = %s AND media_id = ANY(%s)",
                (creator_id, media_ids),
            )
        }
        segments = {
            r[0]: tuple(r[1] or ())
            for r in await self._run(
                "SELECT fan_id, segments FROM fan_facts WHERE creator_id = %s AND fan_id = ANY(%s)", (creator_id, fans)
            )
        }
        hours = {
            (int(r[0]), r[1]): int(r[2])
            for r in await self._run(
                "SELECT hour, currency, SUM(net_cents) FROM idea_sales WHERE creator_id = %s GROUP BY 1, 2",
                (creator_id,),
            )
        }
        networks, posts = await self._conversions(creator_id)
        return SalesData(unlocks, media, segments, hours, networks, posts)

    async def _conversions(self, creator_id: uuid.UUID) -> tuple[list[Conversions], list[Conversions]]:
        params = {"creator": creator_id}
        counts = await self._run(_CONVERSIONS, params)
        revenue: dict[tuple[uuid.UUID | None, str | None], dict[str, int]] = defaultdict(dict)
        for post_id, network, currency, cents in await self._run(_CONVERSION_SALES, params):
            revenue[(post_id, network)][currency] = int(cents)
        converted: Counter[str] = Counter()
        spent_by_network: dict[str, Counter[str]] = defaultdict(Counter)
        posts = []
        for post_id, network, hour, count in counts:
            spent = revenue.get((post_id, network), {})
            if network is None:
                continue
            converted[network] += int(count)
            spent_by_network[network].update(spent)
            if post_id is not None:
                posts.append(Conversions(network, int(count), spent, post_id, hour))
        networks = [Conversions(n, converted[n], dict(spent_by_network[n])) for n in sorted(converted)]
        return networks, posts

    async def ideas_answered(self, request_id: uuid.UUID) -> bool:
        return bool(await self._run("SELECT 1 FROM idea_answers WHERE request_id = %s", (request_id,)))

    async def add_ideas_answer(
        self,
        request_id: uuid.UUID,
        creator_id: uuid.UUID,
        *,
        target: str,
        provider: str,
        model: str | None,
        ideas: list[dict[str, object]],
        now: datetime,
    ) -> bool:
        rows = await self._run(
            "INSERT INTO idea_answers (request_id, creator_id, target, provider, model, ideas, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING request_id",
            (request_id, creator_id, target, provider[:40], model[:100] if model else None, Jsonb(ideas), now),
        )
        return bool(rows)
