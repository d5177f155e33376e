"""The anomaly read model and alerts on PostgreSQL (rules: :mod:`ai.anomalies.records`,
:mod:`ai.anomalies.checks`). Writes are additive upserts (the consumer applies an event once)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime
from typing import Any

from psycopg.types.json import Jsonb

from huntaze_service.db import PlainSql

from ..anomalies.checks import CheckState
from ..anomalies.links import LinkDay
from ..anomalies.revenue import HourlyRevenue

_ALERT_COLUMNS = (
    "anomaly_id, kind, subject, window_start, window_end, observed, expected, low, high, score, evidence, detected_at"
)


class AnomalyStore(PlainSql):
    """Mixed into the ai repository: plain SQL on the unit of work's transaction."""

    async def add_revenue_hour(
        self, creator_id: uuid.UUID, currency: str, hour: datetime, sales: int, net: int
    ) -> None:
        await self._rows(
            "INSERT INTO anomaly_revenue_hours (creator_id, currency, hour_start, sales, net_cents) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (creator_id, currency, hour_start) DO UPDATE SET "
            "sales = anomaly_revenue_hours.sales + EXCLUDED.sales, "
            "net_cents = anomaly_revenue_hours.net_cents + EXCLUDED.net_cents",
            (creator_id, currency, hour, sales, net),
        )

    async def add_link_day(self, creator_id: uuid.UUID, link_id: uuid.UUID, day: date, *, clicks: int,
                           conversions: int) -> None:  # fmt: skip
        await self._rows(
            "INSERT INTO anomaly_link_days (creator_id, link_id, day, clicks, conversions) VALUES (%s, %s, %s, %s, %s) "
            "ON CONFLICT (creator_id, link_id, day) DO UPDATE SET clicks = anomaly_link_days.clicks + EXCLUDED.clicks, "
            "conversions = anomaly_link_days.conversions + EXCLUDED.conversions",
            (creator_id, link_id, day, clicks, conversions),
        )

    async def start_anomaly_checks(self, creator_id: uuid.UUID, now: datetime) -> bool:
        rows = await self._rows(
            "INSERT INTO anomaly_checks (creator_id, started_at) VALUES (%s, %s) ON CONFLICT DO NOTHING RETURNING 1",
            (creator_id, now),
        )
        return bool(rows)

    async def anomaly_state(self, creator_id: uuid.UUID) -> CheckState:
        rows = await self._rows("SELECT last_hour, last_day FROM anomaly_checks WHERE creator_id = %s", (creator_id,))
        return CheckState(rows[0][0], rows[0][1]) if rows else CheckState(None, None)

    async def save_anomaly_state(
        self, creator_id: uuid.UUID, last_hour: datetime | None, last_day: date | None
    ) -> None:
        await self._rows(
            "INSERT INTO anomaly_checks (creator_id, started_at, last_hour, last_day) VALUES (%s, now(), %s, %s) "
            "ON CONFLICT (creator_id) DO UPDATE SET last_hour = EXCLUDED.last_hour, last_day = EXCLUDED.last_day",
            (creator_id, last_hour, last_day),
        )

    async def revenue_currencies(self, creator_id: uuid.UUID, since: datetime) -> list[str]:
        rows = await self._rows(
            "SELECT DISTINCT currency FROM anomaly_revenue_hours WHERE creator_id = %s AND hour_start >= %s "
            "ORDER BY currency",
            (creator_id, since),
        )
        return [r[0] for r in rows]

    async def revenue_hours(self, creator_id: uuid.UUID, currency: str, since: datetime,
                            until: datetime) -> list[HourlyRevenue]:  # fmt: skip
        rows = await self._rows(
            "SELECT hour_start, sales, net_cents FROM anomaly_revenue_hours WHERE creator_id = %s AND currency = %s "
            "AND hour_start >= %s AND hour_start < %s ORDER BY hour_start",
            (creator_id, currency, since, until),
        )
        return [HourlyRevenue(r[0], int(r[1]), int(r[2])) for r in rows]

    async def link_days(self, creator_id: uuid.UUID, since: date) -> dict[uuid.UUID, list[LinkDay]]:
        rows = await self._rows(
            "SELECT link_id, day, clicks, conversions FROM anomaly_link_days WHERE creator_id = %s AND day >= %s "
            "ORDER BY link_id, day",
            (creator_id, since),
        )
        links: dict[uuid.UUID, list[LinkDay]] = defaultdict(list)
        for link, day, clicks, conversions in rows:
            links[link].append(LinkDay(day, int(clicks), int(conversions)))
        return dict(links)

    async def add_anomaly(self, creator_id: uuid.UUID, anomaly_id: uuid.UUID, key: str, kind: str, subject: str,
                          start: datetime, end: datetime, observed: int, expected: int, low: int, high: int,
                          score: float, evidence: dict[str, Any], now: datetime) -> bool:  # fmt: skip
        """Stores a new episode (True), or extends the window of the one it touches (False)."""
        rows = await self._rows(
            "WITH episode AS (UPDATE anomalies SET window_end = GREATEST(window_end, %(end)s) "
            "WHERE creator_id = %(c)s AND kind = %(kind)s AND subject = %(subject)s AND window_end >= %(start)s "
            "AND window_start <= %(end)s RETURNING 1) "
            f"INSERT INTO anomalies (creator_id, anomaly_key, {_ALERT_COLUMNS}) "
            "SELECT %(c)s, %(key)s, %(id)s, %(kind)s, %(subject)s, %(start)s, %(end)s, %(observed)s, %(expected)s, "
            "%(low)s, %(high)s, %(score)s, %(evidence)s, %(now)s WHERE NOT EXISTS (SELECT 1 FROM episode) "
            "ON CONFLICT (anomaly_key) DO NOTHING RETURNING 1",
            {
                "c": creator_id,
                "key": key,
                "id": anomaly_id,
                "kind": kind,
                "subject": subject,
                "start": start,
                "end": end,
                "observed": observed,
                "expected": expected,
                "low": low,
                "high": high,
                "score": score,
                "evidence": Jsonb(evidence),
                "now": now,
            },  # fmt: skip
        )
        return bool(rows)

    async def anomalies(
        self, creator_id: uuid.UUID, since: datetime, kind: str | None, limit: int
    ) -> list[dict[str, Any]]:
        rows = await self._rows(
            f"SELECT {_ALERT_COLUMNS} FROM anomalies WHERE creator_id = %(c)s AND detected_at >= %(since)s "
            "AND (%(kind)s::text IS NULL OR kind = %(kind)s) ORDER BY detected_at DESC, window_start DESC LIMIT %(n)s",
            {"c": creator_id, "since": since, "kind": kind, "n": limit},
        )
        names = [n.strip() for n in _ALERT_COLUMNS.split(",")]
        return [dict(zip(names, r, strict=True)) for r in rows]
