"""The weekly insights in memory, with the SQL store's semantics (facts once, text once), and the ai's
fake repository with them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from ai.insights.facts import WeeklyFacts
from ai.insights.store import InsightRecord, InsightWeek, StoredInsight

from .fakes import FakeAiRepository


@dataclass
class _Row:
    facts: dict[str, object]
    summarized_at: datetime
    record: InsightRecord | None = None
    written_at: datetime | None = None


class FakeInsightStore:
    def __init__(self) -> None:
        super().__init__()
        self.insights: dict[tuple[uuid.UUID, date], _Row] = {}
        self.saves = 0

    async def add_insight_facts(self, facts: WeeklyFacts, now: datetime) -> bool:
        key = (facts.creator_id, facts.period_start)
        if key in self.insights:
            return False
        self.insights[key] = _Row(facts.model_dump(mode="json"), now)  # stored as JSON, read back validated
        return True

    async def save_insight(self, creator_id: uuid.UUID, period_start: date, record: InsightRecord,
                           now: datetime) -> bool:  # fmt: skip
        self.saves += 1
        row = self.insights.get((creator_id, period_start))
        if row is None or row.record is not None:
            return False
        row.record, row.written_at = record, now
        return True

    def _stored(self, row: _Row) -> StoredInsight:
        return StoredInsight(WeeklyFacts.model_validate(row.facts), row.summarized_at, row.record, row.written_at)

    async def insight(self, creator_id: uuid.UUID, period_start: date) -> StoredInsight | None:
        row = self.insights.get((creator_id, period_start))
        return self._stored(row) if row else None

    async def latest_insight(self, creator_id: uuid.UUID) -> StoredInsight | None:
        written = sorted((s, r) for (c, s), r in self.insights.items() if c == creator_id and r.record is not None)
        return self._stored(written[-1][1]) if written else None

    async def insight_weeks(self, creator_id: uuid.UUID, limit: int) -> list[InsightWeek]:
        mine = sorted(((s, r) for (c, s), r in self.insights.items() if c == creator_id), reverse=True)
        return [
            InsightWeek(s, date.fromisoformat(str(r.facts["period_end"])), r.record is not None,
                        r.record.source if r.record else None)
            for s, r in mine[:limit]
        ]  # fmt: skip


class FakeInsightsRepository(FakeInsightStore, FakeAiRepository):
    pass
