"""The media ROI read models on PostgreSQL (what and why: :mod:`analytics.media`).

Writes are one ``INSERT … SELECT FROM unnest(arrays)`` per batch, rows in key order, idempotent by
their conflict rules (ragged lists — an offer's media, an item's tags — travel as one text each).
The report is one query: the window's offers (``chatter_offers``, by creator and time) with their
media, their revenue (the unlock and the reversals naming them, amounts from ``transactions``) and
their fan's segments at offer time (the latest change at or before it, or the segments frozen at the
fan's erasure), grouped when alike.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ..media_roi import MediaInfo, MediaOfferRecord, MediaRecord, OfferGroup, OfferReversal, SegmentChange

_SAVE_MEDIA = """
INSERT INTO media_items (creator_id, media_id, kind, title, tags, deleted, revision)
SELECT creator_id, media_id, kind, title, ARRAY(SELECT jsonb_array_elements_text(tags::jsonb)), deleted, revision
FROM unnest(%s::uuid[], %s::uuid[], %s::text[], %s::text[], %s::text[], %s::boolean[], %s::int[])
    AS u(creator_id, media_id, kind, title, tags, deleted, revision)
ON CONFLICT (creator_id, media_id) DO UPDATE
    SET kind = EXCLUDED.kind, title = EXCLUDED.title, tags = EXCLUDED.tags, deleted = EXCLUDED.deleted,
        revision = EXCLUDED.revision
    WHERE EXCLUDED.revision > media_items.revision
"""

_SAVE_OFFERS = """
INSERT INTO media_offers (offer_id, creator_id, media_ids, unlock_transaction_id)
SELECT offer_id, creator_id, string_to_array(media_ids, ',')::uuid[], unlock_transaction_id
FROM unnest(%s::uuid[], %s::uuid[], %s::text[], %s::uuid[]) AS u(offer_id, creator_id, media_ids, unlock_transaction_id)
ON CONFLICT (offer_id) DO UPDATE
    SET unlock_transaction_id = EXCLUDED.unlock_transaction_id
    WHERE media_offers.unlock_transaction_id IS NULL AND EXCLUDED.unlock_transaction_id IS NOT NULL
"""

_ADD_REVERSALS = """
INSERT INTO media_offer_reversals (transaction_id, creator_id, offer_id)
SELECT * FROM unnest(%s::uuid[], %s::uuid[], %s::uuid[])
ON CONFLICT (transaction_id) DO NOTHING
"""

_ADD_SEGMENT_CHANGES = """
INSERT INTO fan_segment_changes (creator_id, fan_id, segment, at, change)
SELECT * FROM unnest(%s::uuid[], %s::uuid[], %s::text[], %s::timestamptz[], %s::text[])
ON CONFLICT DO NOTHING
"""

_SAVE_SEGMENT_NAMES = """
INSERT INTO fan_segment_names (creator_id, segment, name, at)
SELECT * FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::timestamptz[])
ON CONFLICT (creator_id, segment) DO UPDATE SET name = EXCLUDED.name, at = EXCLUDED.at
    WHERE EXCLUDED.at >= fan_segment_names.at
"""

_SEGMENTS_AT_OFFER = """
SELECT last.segment::text AS segment FROM (
    SELECT DISTINCT ON (h.segment) h.segment, h.change FROM fan_segment_changes h
    WHERE h.creator_id = {offer}.creator_id AND h.fan_id = {offer}.fan_id AND h.at <= {offer}.sent_at
    ORDER BY h.segment, h.at DESC, h.change
) last WHERE last.change = 'entered'
"""
"""The fan's segments when the offer left: per segment, its latest change at or before then (at the
same instant, ``entered`` wins) — whatever order the changes were applied in."""

_FREEZE_SEGMENTS = f"""
INSERT INTO media_offer_segments (offer_id, segment)
SELECT c.offer_id, s.segment FROM chatter_offers c CROSS JOIN LATERAL ({_SEGMENTS_AT_OFFER.format(offer="c")}) s
WHERE c.creator_id = %(c)s AND c.fan_id = %(f)s
ON CONFLICT DO NOTHING
"""

_OFFER_GROUPS = f"""
WITH o AS (
    SELECT c.offer_id, c.creator_id, c.fan_id, c.price_cents, c.currency, c.sent_at,
           c.unlocked_at IS NOT NULL AS unlocked, m.media_ids, m.unlock_transaction_id
    FROM chatter_offers c JOIN media_offers m ON m.offer_id = c.offer_id AND m.creator_id = c.creator_id
    WHERE c.creator_id = %(c)s AND c.sent_at >= %(s)s AND c.sent_at < %(e)s
      AND (%(cur)s::text IS NULL OR c.currency = %(cur)s)
), paid AS (
    SELECT offer_id, unlock_transaction_id AS transaction_id FROM o WHERE unlock_transaction_id IS NOT NULL
    UNION
    SELECT r.offer_id, r.transaction_id FROM media_offer_reversals r JOIN o USING (offer_id)
    WHERE r.creator_id = %(c)s
), money AS (
    SELECT p.offer_id, sum(t.gross_cents)::bigint AS gross, sum(t.net_cents)::bigint AS net
    FROM paid p JOIN o USING (offer_id)
    JOIN transactions t ON t.transaction_id = p.transaction_id AND t.creator_id = %(c)s AND t.currency = o.currency
    GROUP BY p.offer_id
), seg AS (
    SELECT o.offer_id, array_agg(DISTINCT s.segment ORDER BY s.segment) AS segments
    FROM o CROSS JOIN LATERAL (
        {_SEGMENTS_AT_OFFER.format(offer="o")}
        UNION
        SELECT f.segment::text FROM media_offer_segments f WHERE f.offer_id = o.offer_id
    ) s
    GROUP BY o.offer_id
)
SELECT o.media_ids, o.currency, o.price_cents, COALESCE(seg.segments, '{{}}'::text[]), o.unlocked,
       COALESCE(money.gross, 0), COALESCE(money.net, 0), count(*)
FROM o LEFT JOIN money USING (offer_id) LEFT JOIN seg USING (offer_id)
GROUP BY 1, 2, 3, 4, 5, 6, 7
"""


def _columns(rows: Sequence[Any], width: int) -> tuple[list[Any], ...]:
    return tuple(list(column) for column in zip(*rows, strict=True)) if rows else tuple([] for _ in range(width))


class MediaReadModels:
    async def _execute(self, sql: str, params: Any) -> int: ...  # the repository's

    async def _fetch(self, sql: str, params: Any) -> list[tuple[Any, ...]]: ...  # the repository's

    # writes ---------------------------------------------------------------------------------------
    async def save_media(self, media: Sequence[MediaRecord]) -> None:
        newest: dict[tuple[uuid.UUID, uuid.UUID], MediaRecord] = {}
        for m in media:  # one row per item in a statement (ON CONFLICT cannot touch a row twice)
            key = (m.creator_id, m.media_id)
            if key not in newest or m.revision > newest[key].revision:
                newest[key] = m
        if newest:
            rows = [(m.creator_id, m.media_id, m.kind, m.title, json.dumps(list(m.tags)), m.deleted, m.revision)
                    for _, m in sorted(newest.items())]  # fmt: skip
            await self._execute(_SAVE_MEDIA, _columns(rows, 7))

    async def save_media_offers(self, offers: Sequence[MediaOfferRecord]) -> None:
        by_id: dict[uuid.UUID, MediaOfferRecord] = {}
        for o in offers:
            if o.offer_id not in by_id or by_id[o.offer_id].unlock_transaction_id is None:
                by_id[o.offer_id] = o
        if by_id:
            rows = [(o.offer_id, o.creator_id, ",".join(str(m) for m in o.media_ids), o.unlock_transaction_id)
                    for _, o in sorted(by_id.items())]  # fmt: skip
            await self._execute(_SAVE_OFFERS, _columns(rows, 4))

    async def add_offer_reversals(self, reversals: Sequence[OfferReversal]) -> None:
        if reversals:
            rows = sorted({(r.transaction_id, r.creator_id, r.offer_id) for r in reversals})
            await self._execute(_ADD_REVERSALS, _columns(rows, 3))

    async def add_segment_changes(self, changes: Sequence[SegmentChange]) -> None:
        if not changes:
            return
        rows = sorted({(c.creator_id, c.fan_id, c.segment, c.at, c.change) for c in changes})
        await self._execute(_ADD_SEGMENT_CHANGES, _columns(rows, 5))
        names: dict[tuple[uuid.UUID, str], SegmentChange] = {}
        for c in changes:
            key = (c.creator_id, c.segment)
            if key not in names or c.at >= names[key].at:
                names[key] = c
        named = [(c.creator_id, c.segment, c.name, c.at) for _, c in sorted(names.items())]
        await self._execute(_SAVE_SEGMENT_NAMES, _columns(named, 4))

    async def forget_fan_segments(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> None:
        await self._execute(_FREEZE_SEGMENTS, {"c": creator_id, "f": fan_id})
        await self._execute(
            "DELETE FROM fan_segment_changes WHERE creator_id = %s AND fan_id = %s", (creator_id, fan_id)
        )

    async def fan_segment_changes(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> list[SegmentChange]:
        rows = await self._fetch(
            "SELECT h.segment, h.change, h.at, COALESCE(n.name, h.segment) FROM fan_segment_changes h "
            "LEFT JOIN fan_segment_names n ON n.creator_id = h.creator_id AND n.segment = h.segment "
            "WHERE h.creator_id = %s AND h.fan_id = %s ORDER BY h.at, h.segment, h.change",
            (creator_id, fan_id),
        )
        return [SegmentChange(creator_id, fan_id, segment, change, at, name) for segment, change, at, name in rows]

    # the report -----------------------------------------------------------------------------------
    async def offer_groups(
        self, creator_id: uuid.UUID, start: datetime, end: datetime, currency: str | None
    ) -> list[OfferGroup]:
        rows = await self._fetch(_OFFER_GROUPS, {"c": creator_id, "s": start, "e": end, "cur": currency})
        return [
            OfferGroup(tuple(media), cur.strip(), int(price), tuple(segments), bool(unlocked), int(g), int(n), int(k))
            for media, cur, price, segments, unlocked, g, n, k in rows
        ]

    async def media_infos(self, creator_id: uuid.UUID, media_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, MediaInfo]:
        rows = await self._fetch(
            "SELECT media_id, kind, title, tags, deleted FROM media_items WHERE creator_id = %s AND media_id = ANY(%s)",
            (creator_id, list(media_ids)),
        )
        return {m: MediaInfo(kind, title, tuple(tags), deleted) for m, kind, title, tags, deleted in rows}

    async def segment_names(self, creator_id: uuid.UUID) -> dict[str, str]:
        rows = await self._fetch("SELECT segment, name FROM fan_segment_names WHERE creator_id = %s", (creator_id,))
        return {segment: name for segment, name in rows}
