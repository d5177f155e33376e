"""The weekly insights on PostgreSQL (``weekly_insights``: one row per creator and week; rules in
:mod:`ai.insights.records`). The facts are written once, the text once (``text IS NULL`` guards it)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from psycopg.types.json import Jsonb

from huntaze_service.db import PlainSql

from ..insights.facts import WeeklyFacts
from ..insights.store import InsightRecord, InsightWeek, StoredInsight

_COLUMNS = "facts, summarized_at, text, source, grounded, fallback, refused, provider, model, written_at"


def _stored(row: Any) -> StoredInsight:
    facts, summarized_at, text, source, grounded, fallback, refused, provider, model, written_at = row
    record = None
    if text is not None:
        record = InsightRecord(text, source, bool(grounded), fallback, tuple(refused or ()), provider, model)
    return StoredInsight(WeeklyFacts.model_validate(facts), summarized_at, record, written_at)


class InsightStore(PlainSql):
    """Mixed into the ai repository: plain SQL on the unit of work's transaction."""

    async def add_insight_facts(self, facts: WeeklyFacts, now: datetime) -> bool:
        rows = await self._rows(
            "INSERT INTO weekly_insights (creator_id, period_start, period_end, currency, facts, summarized_at) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING creator_id",
            (facts.creator_id, facts.period_start, facts.period_end, facts.currency,
             Jsonb(facts.model_dump(mode="json")), now),
        )  # fmt: skip
        return bool(rows)

    async def save_insight(self, creator_id: uuid.UUID, period_start: date, record: InsightRecord,
                           now: datetime) -> bool:  # fmt: skip
        rows = await self._rows(
            "UPDATE weekly_insights SET text = %s, source = %s, grounded = %s, fallback = %s, refused = %s, "
            "provider = %s, model = %s, written_at = %s "
            "WHERE creator_id = %s AND period_start = %s AND text IS NULL RETURNING creator_id",
            (record.text, record.source, record.grounded, record.fallback, Jsonb(list(record.refused)),
             record.provider[:40], record.model[:100] if record.model else None, now, creator_id, period_start),
        )  # fmt: skip
        return bool(rows)

    async def insight(self, creator_id: uuid.UUID, period_start: date) -> StoredInsight | None:
        rows = await self._rows(
            f"SELECT {_COLUMNS} FROM weekly_insights WHERE creator_id = %s AND period_start = %s",
            (creator_id, period_start),
        )
        return _stored(rows[0]) if rows else None

    async def latest_insight(self, creator_id: uuid.UUID) -> StoredInsight | None:
        rows = await self._rows(
            f"SELECT {_COLUMNS} FROM weekly_insights WHERE creator_id = %s AND text IS NOT NULL "
            "ORDER BY period_start DESC LIMIT 1",
            (creator_id,),
        )
        return _stored(rows[0]) if rows else None

    async def insight_weeks(self, creator_id: uuid.UUID, limit: int) -> list[InsightWeek]:
        rows = await self._rows(
            "SELECT period_start, period_end, text IS NOT NULL, source FROM weekly_insights WHERE creator_id = %s "
            "ORDER BY period_start DESC LIMIT %s",
            (creator_id, limit),
        )
        return [InsightWeek(r[0], r[1], bool(r[2]), r[3]) for r in rows]
