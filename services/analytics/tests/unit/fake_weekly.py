"""The weekly summary's reads and tables in memory, with the SQL adapter's semantics (mixed into
FakeAnalyticsRepository: facts are the revenue ``facts``, segment history the media ``segment_changes``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Literal

from analytics.conversion import ConversionRecord
from analytics.domain import Fact
from analytics.weekly import NO_SEGMENT, CurrencyWeeks, Figure, PostCaption, Weeks, fold


class FakeWeekly:
    facts: dict[uuid.UUID, Fact]
    segment_changes: set[tuple[uuid.UUID, uuid.UUID, str, datetime, str]]

    def __init__(self) -> None:
        self.weekly_schedules: dict[uuid.UUID, datetime] = {}
        self.weekly_summaries: dict[tuple[uuid.UUID, date], tuple[str, str, int, int]] = {}
        self.conversions: dict[tuple[uuid.UUID, uuid.UUID], ConversionRecord] = {}
        self.captions: dict[tuple[uuid.UUID, uuid.UUID], PostCaption] = {}

    async def save_captions(self, captions: Sequence[PostCaption]) -> None:
        for c in captions:
            known = self.captions.get((c.creator_id, c.post_id))
            if known is None or c.revision > known.revision:
                self.captions[(c.creator_id, c.post_id)] = c

    async def post_captions(self, creator_id: uuid.UUID, post_ids: Sequence[str]) -> dict[str, str]:
        found = (self.captions.get((creator_id, uuid.UUID(p))) for p in post_ids)
        return {str(c.post_id): c.caption_excerpt for c in found if c is not None}

    async def add_conversions(self, conversions: Sequence[ConversionRecord]) -> None:
        for c in conversions:
            self.conversions.setdefault((c.creator_id, c.fan_id), c)

    async def start_weekly(self, creator_ids: Sequence[uuid.UUID], now: datetime) -> set[uuid.UUID]:
        new = {c for c in creator_ids if c not in self.weekly_schedules}
        self.weekly_schedules.update(dict.fromkeys(new, now))
        return new

    async def save_week(
        self, creator_id: uuid.UUID, key: str, weeks: Weeks, currency: str, revenue: tuple[int, int], now: datetime
    ) -> bool:
        if (creator_id, weeks.period_start) in self.weekly_summaries:
            return False
        self.weekly_summaries[(creator_id, weeks.period_start)] = (key, currency, *revenue)
        return True

    def _both(self, creator_id: uuid.UUID, weeks: Weeks, currency: str | None = None) -> list[Fact]:
        return [
            f
            for f in self.facts.values()
            if f.creator_id == creator_id
            and weeks.previous.start <= f.occurred_at < weeks.current.end
            and currency in (None, f.currency)
        ]

    async def week_currencies(self, creator_id: uuid.UUID, weeks: Weeks) -> list[CurrencyWeeks]:
        found: dict[str, list[int]] = {}
        for f in self._both(creator_id, weeks):
            row = found.setdefault(f.currency, [0, 0, 0])
            row[0 if f.occurred_at >= weeks.current.start else 1] += f.net_cents
            row[2] += 1
        return [CurrencyWeeks(c, *row) for c, row in found.items()]

    async def week_by_line(self, creator_id: uuid.UUID, currency: str, weeks: Weeks) -> list[Figure]:
        facts = self._both(creator_id, weeks, currency)
        return fold((f.occurred_at >= weeks.current.start, f.line, f.net_cents) for f in facts)

    def _weekly_segments_at(self, creator_id: uuid.UUID, fan_id: uuid.UUID, at: datetime) -> list[str]:
        latest: dict[str, tuple[datetime, str]] = {}
        for c, fan, segment, when, change in self.segment_changes:
            if c != creator_id or fan != fan_id or when > at:
                continue
            known = latest.get(segment)  # the latest change wins; at the same instant, 'entered'
            if known is None or when > known[0] or (when == known[0] and change == "entered"):
                latest[segment] = (when, change)
        return sorted(s for s, (_, change) in latest.items() if change == "entered")

    async def week_by_segment(self, creator_id: uuid.UUID, currency: str, weeks: Weeks) -> list[Figure]:
        rows = []
        for f in self._both(creator_id, weeks, currency):
            for segment in self._weekly_segments_at(creator_id, f.fan_id, f.occurred_at) or [NO_SEGMENT]:
                rows.append((f.occurred_at >= weeks.current.start, segment, f.net_cents))
        return fold(rows)

    async def week_by_conversion(
        self, creator_id: uuid.UUID, currency: str, weeks: Weeks, by: Literal["post", "link"]
    ) -> list[Figure]:
        rows = []
        for f in self._both(creator_id, weeks, currency):
            c = self.conversions.get((creator_id, f.fan_id))
            key = None if c is None else (c.post_id if by == "post" else c.link_id)
            if c is not None and key is not None and f.occurred_at >= c.converted_at:
                rows.append((f.occurred_at >= weeks.current.start, str(key), f.net_cents))
        return fold(rows)
