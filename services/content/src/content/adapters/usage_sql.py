"""The usage history on PostgreSQL (tables and views of migration 0003): plain SQL on the unit of
work's connection. Writes insert facts by their keys (``ON CONFLICT DO NOTHING``, rows sorted by key
so two consumers lock in one order); reads sum the facts, scoped to the creator.

For the vault's list query, a medium ``m`` (table ``media``: ``id``, ``creator_id``) is sold when
``EXISTS (SELECT 1 FROM usage_sold_media s WHERE s.creator_id = m.creator_id AND s.media_id = m.id)``:
:func:`sold_condition` writes it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from huntaze_service import tombstones
from huntaze_service.db import PlainSql
from huntaze_service.tombstones import ErasedFan

from ..usage import RECENT_USES, FanOffer, MassMessageFacts, OfferGroup, PostFacts, UsageFacts
from ..usage_ports import MassMessageFact, OfferFact, OfferTransaction, PostFact


def sold_condition(sold: bool, media: str = "m") -> str:
    """A WHERE condition keeping the media (alias ``media``, with ``id`` and ``creator_id``) that are
    sold (``sold``: at least one unlock not fully refunded) or not (none). No parameter to bind."""
    if not media.isidentifier():
        raise ValueError(f"not an SQL alias: {media!r}")
    exists = (
        f"EXISTS (SELECT 1 FROM usage_sold_media s WHERE s.creator_id = {media}.creator_id AND s.media_id = {media}.id)"
    )
    return exists if sold else f"NOT {exists}"


_OFFER_GROUPS = """
SELECT o.mass_message_id, o.price_cents, o.currency, count(*) AS sent,
       count(*) FILTER (WHERE r.sales > 0) AS bought,
       count(*) FILTER (WHERE r.sales > 0 AND r.gross <= 0) AS refunded,
       coalesce(sum(r.gross), 0)::bigint, coalesce(sum(r.net), 0)::bigint, min(o.offered_at), max(o.offered_at)
FROM usage_media um
JOIN usage_offers o ON o.offer_id = um.use_id AND o.creator_id = um.creator_id
CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE c.sale) AS sales, coalesce(sum(c.gross_cents), 0)::bigint AS gross,
           coalesce(sum(c.net_cents), 0)::bigint AS net
    FROM usage_counted_transactions c WHERE c.creator_id = o.creator_id AND c.offer_id = o.offer_id
) r
WHERE um.creator_id = %s AND um.media_id = %s AND um.kind = 'offer'
GROUP BY o.mass_message_id, o.price_cents, o.currency
"""

_MASS_MESSAGES = """
SELECT m.mass_message_id, m.status, m.recipients, m.sent, m.failed, m.skipped, m.cancelled, m.price_cents,
       m.currency, m.started_at, m.finished_at
FROM usage_media um JOIN usage_mass_messages m ON m.mass_message_id = um.use_id AND m.creator_id = um.creator_id
WHERE um.creator_id = %s AND um.media_id = %s AND um.kind = 'mass_message'
"""

_POSTS = """
SELECT p.post_id, p.account_id, p.network, p.network_post_id, p.published_at
FROM usage_media um JOIN usage_posts p ON p.post_id = um.use_id AND p.creator_id = um.creator_id
WHERE um.creator_id = %s AND um.media_id = %s AND um.kind = 'post'
ORDER BY p.published_at DESC, p.post_id DESC LIMIT %s
"""

_SPAN = """
SELECT min(used_at), max(used_at), count(*) FILTER (WHERE kind = 'post')
FROM usage_media WHERE creator_id = %s AND media_id = %s
"""

_FAN_OFFERS = """
SELECT um.media_id,
       EXISTS (SELECT 1 FROM usage_counted_transactions c
               WHERE c.creator_id = o.creator_id AND c.offer_id = o.offer_id AND c.sale)
FROM usage_offers o
JOIN usage_media um ON um.use_id = o.offer_id AND um.creator_id = o.creator_id AND um.kind = 'offer'
WHERE o.creator_id = %s AND o.fan_id = %s AND um.media_id = ANY(%s)
"""


def _uses(kind: str, creator_id: uuid.UUID, use_id: uuid.UUID, media: Sequence[uuid.UUID], at: datetime) -> list:
    return [(creator_id, m, kind, use_id, at) for m in media]


class SqlUsageRepository(PlainSql):
    async def _add_uses(self, rows: list[tuple]) -> None:
        if rows:
            creators, media, kinds, uses, ats = (list(c) for c in zip(*sorted(rows), strict=True))
            await self._rows(
                "INSERT INTO usage_media (creator_id, media_id, kind, use_id, used_at) "
                "SELECT * FROM unnest(%s::uuid[], %s::uuid[], %s::varchar[], %s::uuid[], %s::timestamptz[]) "
                "ON CONFLICT DO NOTHING",
                (creators, media, kinds, uses, ats),
            )

    # writes ----------------------------------------------------------------------------------------------
    async def add_offers(self, offers: Sequence[OfferFact]) -> None:
        for o in offers:
            await self._rows(
                "INSERT INTO usage_offers (offer_id, creator_id, fan_id, price_cents, currency, mass_message_id, "
                "by_user_id, by_automation, offered_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT DO NOTHING",
                (o.offer_id, o.creator_id, o.fan_id, o.price_cents, o.currency, o.mass_message_id, o.by_user_id,
                 o.by_automation, o.offered_at),
            )  # fmt: skip
        await self._add_uses(
            [r for o in offers for r in _uses("offer", o.creator_id, o.offer_id, o.media_ids, o.offered_at)]
        )

    async def add_offer_transactions(self, transactions: Sequence[OfferTransaction]) -> None:
        for t in transactions:
            await self._rows(
                "INSERT INTO usage_offer_transactions (transaction_id, creator_id, offer_id, fan_id, type, gross_cents, "
                "net_cents, currency, occurred_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (t.transaction_id, t.creator_id, t.offer_id, t.fan_id, t.type, t.gross_cents, t.net_cents, t.currency,
                 t.occurred_at),
            )  # fmt: skip

    async def add_mass_messages(self, mass_messages: Sequence[MassMessageFact]) -> None:
        for m in mass_messages:
            f = m.facts
            await self._rows(
                "INSERT INTO usage_mass_messages (mass_message_id, creator_id, status, recipients, sent, failed, "
                "skipped, cancelled, price_cents, currency, started_at, finished_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (f.mass_message_id, m.creator_id, f.status, f.recipients, f.sent, f.failed, f.skipped, f.cancelled,
                 f.price_cents, f.currency, f.started_at, f.finished_at),
            )  # fmt: skip
        await self._add_uses(
            [r for m in mass_messages for r in _uses("mass_message", m.creator_id, m.facts.mass_message_id,
                                                      m.media_ids, m.facts.started_at)]
        )  # fmt: skip

    async def add_posts(self, posts: Sequence[PostFact]) -> None:
        for p in posts:
            f = p.facts
            await self._rows(
                "INSERT INTO usage_posts (post_id, creator_id, account_id, network, network_post_id, published_at) "
                "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (f.post_id, p.creator_id, f.account_id, f.network, f.network_post_id, f.published_at),
            )
        await self._add_uses(
            [r for p in posts for r in _uses("post", p.creator_id, p.facts.post_id, p.media_ids, p.facts.published_at)]
        )

    async def add_fans(self, fans: Sequence[tuple[uuid.UUID, uuid.UUID]]) -> None:
        if fans:
            creators, ids = (list(c) for c in zip(*sorted(set(fans)), strict=True))
            await self._rows(
                "INSERT INTO usage_fans (creator_id, fan_id) SELECT * FROM unnest(%s::uuid[], %s::uuid[]) "
                "ON CONFLICT DO NOTHING",
                (creators, ids),
            )

    async def erased_among(self, fan_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            return await tombstones.erased_among(cursor, fan_ids)

    async def erase_fan_usage(self, erased: ErasedFan, *, now: datetime) -> None:
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            await tombstones.record_tombstone(cursor, erased, now)
            for table in ("usage_offers", "usage_offer_transactions"):
                await cursor.execute(
                    f"UPDATE {table} SET fan_id = NULL WHERE creator_id = %s AND fan_id = %s",
                    (erased.creator_id, erased.fan_id),
                )

    # reads -------------------------------------------------------------------------------------------------
    async def media_known(self, creator_id: uuid.UUID, media_id: uuid.UUID) -> bool:
        rows = await self._rows(
            "SELECT EXISTS (SELECT 1 FROM usage_media WHERE creator_id = %s AND media_id = %s), "
            "to_regclass('media') IS NOT NULL",
            (creator_id, media_id),
        )
        used, vault = rows[0]
        if used or not vault:
            return bool(used)
        rows = await self._rows(
            "SELECT EXISTS (SELECT 1 FROM media WHERE id = %s AND creator_id = %s)", (media_id, creator_id)
        )
        return bool(rows[0][0])

    async def fan_known(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> bool:
        rows = await self._rows(
            "SELECT EXISTS (SELECT 1 FROM usage_fans WHERE creator_id = %s AND fan_id = %s) "
            "OR EXISTS (SELECT 1 FROM erased_fans WHERE creator_id = %s AND fan_id = %s)",
            (creator_id, fan_id, creator_id, fan_id),
        )
        return bool(rows[0][0])

    async def usage_facts(self, creator_id: uuid.UUID, media_id: uuid.UUID) -> UsageFacts:
        key = (creator_id, media_id)
        groups = [OfferGroup(*r) for r in await self._rows(_OFFER_GROUPS, key)]
        masses = [MassMessageFacts(*r) for r in await self._rows(_MASS_MESSAGES, key)]
        posts = [PostFacts(*r) for r in await self._rows(_POSTS, (*key, RECENT_USES))]
        first, last, post_count = (await self._rows(_SPAN, key))[0]
        return UsageFacts(groups, masses, posts, int(post_count), first, last)

    async def fan_offers(
        self, creator_id: uuid.UUID, fan_id: uuid.UUID, media_ids: Sequence[uuid.UUID]
    ) -> list[FanOffer]:
        return [FanOffer(m, bool(b)) for m, b in await self._rows(_FAN_OFFERS, (creator_id, fan_id, list(media_ids)))]

    async def sold_among(self, creator_id: uuid.UUID, media_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        rows = await self._rows(
            "SELECT DISTINCT media_id FROM usage_sold_media WHERE creator_id = %s AND media_id = ANY(%s)",
            (creator_id, list(media_ids)),
        )
        return {r[0] for r in rows}
