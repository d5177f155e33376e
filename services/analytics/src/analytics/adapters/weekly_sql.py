"""The weekly summary's queries and its two small tables on PostgreSQL (what and why: :mod:`analytics.weekly`).

Each query reads both weeks at once ([previous.start, current.end)) and tells them apart with
``occurred_at >= current.start``; the pure module folds the rows. The definitions are the reports':

- sources: ``transactions`` by line (the revenue report's sums, same index);
- segments: each fact counts in every segment its fan was in at the fact's time (the latest
  ``fan_segment_changes`` row at or before it, ``entered`` winning a tie: media ROI's rule at offer
  time, applied at sale time), or under ``none``;
- posts and links: the marketing attribution's join (a fact of a fan who came through a link, from
  the moment they came: ``link_conversions`` ⋈ ``transactions``).

``post_captions`` keeps each post's caption excerpt of its highest revision (``post.scheduled``).
``weekly_schedules`` holds one row per creator whose weekly timer was set (so it is set once);
``weekly_summaries`` one row per (creator, period start), inserted in the transaction that emits the
summary: a second firing for the same period finds the row and emits nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from ..weekly import CurrencyWeeks, Figure, PostCaption, Weeks, fold

_BOTH = "t.creator_id = %(c)s AND t.occurred_at >= %(s)s AND t.occurred_at < %(e)s"
_IN_CURRENCY = "t.currency = %(cur)s"

_CURRENCIES = f"""
SELECT t.currency, coalesce(sum(t.net_cents) FILTER (WHERE t.occurred_at >= %(m)s), 0)::bigint,
       coalesce(sum(t.net_cents) FILTER (WHERE t.occurred_at < %(m)s), 0)::bigint, count(*)
FROM transactions t WHERE {_BOTH}
GROUP BY t.currency
"""

_BY_LINE = f"""
SELECT t.occurred_at >= %(m)s, t.line, sum(t.net_cents)::bigint
FROM transactions t WHERE {_BOTH} AND {_IN_CURRENCY}
GROUP BY 1, 2
"""

_BY_SEGMENT = f"""
SELECT t.occurred_at >= %(m)s, coalesce(s.segment, 'none'), sum(t.net_cents)::bigint
FROM transactions t
LEFT JOIN LATERAL (
    SELECT last.segment::text AS segment FROM (
        SELECT DISTINCT ON (h.segment) h.segment, h.change FROM fan_segment_changes h
        WHERE h.creator_id = t.creator_id AND h.fan_id = t.fan_id AND h.at <= t.occurred_at
        ORDER BY h.segment, h.at DESC, h.change
    ) last WHERE last.change = 'entered'
) s ON true
WHERE {_BOTH} AND {_IN_CURRENCY}
GROUP BY 1, 2
"""

_BY_CONVERSION = f"""
SELECT t.occurred_at >= %(m)s, v.{{k}}::text, sum(t.net_cents)::bigint
FROM link_conversions v
JOIN transactions t ON t.creator_id = v.creator_id AND t.fan_id = v.fan_id AND t.occurred_at >= v.converted_at
WHERE v.creator_id = %(c)s AND v.{{k}} IS NOT NULL AND {_BOTH} AND {_IN_CURRENCY}
GROUP BY 1, 2
"""

_START = """
INSERT INTO weekly_schedules (creator_id, first_at) SELECT unnest(%s::uuid[]), %s
ON CONFLICT (creator_id) DO NOTHING RETURNING creator_id
"""

_SAVE_WEEK = """
INSERT INTO weekly_summaries (creator_id, period_start, summary_key, starts_at, ends_at, currency, revenue_cents,
                              previous_revenue_cents, summarized_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (creator_id, period_start) DO NOTHING RETURNING creator_id
"""


_SAVE_CAPTIONS = """
INSERT INTO post_captions (creator_id, post_id, caption_excerpt, revision)
SELECT * FROM unnest(%s::uuid[], %s::uuid[], %s::text[], %s::int[])
ON CONFLICT (creator_id, post_id) DO UPDATE
    SET caption_excerpt = EXCLUDED.caption_excerpt, revision = EXCLUDED.revision
    WHERE EXCLUDED.revision > post_captions.revision
"""


class WeeklyReadModels:
    """Mixed into the analytics repository (``_fetch`` is the repository's)."""

    async def _fetch(self, sql: str, params: Any) -> list[tuple[Any, ...]]: ...  # the repository's

    async def _execute(self, sql: str, params: Any) -> int: ...  # the repository's

    @staticmethod
    def _params(creator_id: uuid.UUID, weeks: Weeks, currency: str | None = None) -> dict[str, Any]:
        return {"c": creator_id, "s": weeks.previous.start, "m": weeks.current.start, "e": weeks.current.end,
                "cur": currency}  # fmt: skip

    async def save_captions(self, captions: Sequence[PostCaption]) -> None:
        newest: dict[tuple[uuid.UUID, uuid.UUID], PostCaption] = {}
        for c in captions:  # one row per post in a statement (ON CONFLICT cannot touch a row twice)
            key = (c.creator_id, c.post_id)
            if key not in newest or c.revision > newest[key].revision:
                newest[key] = c
        if newest:
            rows = [newest[k] for k in sorted(newest)]
            columns = ([c.creator_id for c in rows], [c.post_id for c in rows], [c.caption_excerpt for c in rows],
                       [c.revision for c in rows])  # fmt: skip
            await self._execute(_SAVE_CAPTIONS, columns)

    async def post_captions(self, creator_id: uuid.UUID, post_ids: Sequence[str]) -> dict[str, str]:
        rows = await self._fetch(
            "SELECT post_id::text, caption_excerpt FROM post_captions WHERE creator_id = %s AND post_id = ANY(%s::uuid[])",
            (creator_id, list(post_ids)),
        )
        return {post: caption for post, caption in rows}

    async def start_weekly(self, creator_ids: Sequence[uuid.UUID], now: datetime) -> set[uuid.UUID]:
        if not creator_ids:
            return set()
        return {row[0] for row in await self._fetch(_START, (sorted(creator_ids), now))}

    async def save_week(
        self,
        creator_id: uuid.UUID,
        key: str,
        weeks: Weeks,
        currency: str,
        revenue: tuple[int, int],
        now: datetime,
    ) -> bool:
        params = (creator_id, weeks.period_start, key, weeks.current.start, weeks.current.end, currency, *revenue, now)
        return bool(await self._fetch(_SAVE_WEEK, params))

    async def week_currencies(self, creator_id: uuid.UUID, weeks: Weeks) -> list[CurrencyWeeks]:
        rows = await self._fetch(_CURRENCIES, self._params(creator_id, weeks))
        return [CurrencyWeeks(cur.strip(), int(now), int(before), int(n)) for cur, now, before, n in rows]

    async def week_by_line(self, creator_id: uuid.UUID, currency: str, weeks: Weeks) -> list[Figure]:
        return fold(await self._fetch(_BY_LINE, self._params(creator_id, weeks, currency)))

    async def week_by_segment(self, creator_id: uuid.UUID, currency: str, weeks: Weeks) -> list[Figure]:
        return fold(await self._fetch(_BY_SEGMENT, self._params(creator_id, weeks, currency)))

    async def week_by_conversion(
        self, creator_id: uuid.UUID, currency: str, weeks: Weeks, by: Literal["post", "link"]
    ) -> list[Figure]:
        sql = _BY_CONVERSION.format(k="post_id" if by == "post" else "link_id")
        return fold(await self._fetch(sql, self._params(creator_id, weeks, currency)))
