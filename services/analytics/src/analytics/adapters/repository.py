"""The analytics repository on PostgreSQL (its own database).

Plain SQL on the transaction's psycopg connection. Writes are one statement per table per batch
(``INSERT … SELECT FROM unnest(arrays)``), idempotent by their conflict rules, rows in key order so
that concurrent batches lock shared rows in the same order. Reports read one creator's facts in
one currency over a time range through ``ix_transactions_creator_currency_occurred`` (which
includes every column they sum, for index-only scans). Local time never reaches SQL: facts are
sorted into the bucket grid computed in :mod:`..timegrid` with ``width_bucket`` (cheaper than a
time-zone conversion per row, and one definition of a local hour or day for the service).
Sums of bigint are numeric in PostgreSQL: cast back to bigint.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from huntaze_service.db import Transaction

from ..domain import REVERSAL_LINES, Amount, Fact, FanName, PeriodFigures, SubscriptionPeriod
from ..reports import BucketTotal, FanSpend, LineTotal, Window
from ..retention import Interval
from .chatters_sql import Chatters
from .erasure_sql import Erasure
from .marketing_sql import MarketingReadModels
from .media_sql import MediaReadModels
from .weekly_sql import WeeklyReadModels

_SALE = "line NOT IN (" + ", ".join(f"'{line}'" for line in sorted(REVERSAL_LINES)) + ")"

_ADD_TRANSACTIONS = """
INSERT INTO transactions
    (transaction_id, creator_id, fan_id, type, line, gross_cents, fee_cents, net_cents, currency, occurred_at)
SELECT * FROM unnest(%s::uuid[], %s::uuid[], %s::uuid[], %s::text[], %s::text[],
                     %s::bigint[], %s::bigint[], %s::bigint[], %s::text[], %s::timestamptz[])
ON CONFLICT (transaction_id) DO NOTHING
"""

_REMEMBER_FANS = """
INSERT INTO fans (creator_id, fan_id, external_id, display_name, seen_at)
SELECT * FROM unnest(%s::uuid[], %s::uuid[], %s::text[], %s::text[], %s::timestamptz[])
ON CONFLICT (creator_id, fan_id) DO UPDATE
    SET external_id = excluded.external_id, display_name = excluded.display_name, seen_at = excluded.seen_at
    WHERE fans.seen_at < excluded.seen_at
"""

_SAVE_SUBSCRIPTIONS = """
INSERT INTO subscriptions (creator_id, fan_id, started_at, expires_at, ended_at)
SELECT * FROM unnest(%s::uuid[], %s::uuid[], %s::timestamptz[], %s::timestamptz[], %s::timestamptz[])
ON CONFLICT (creator_id, fan_id, started_at) DO UPDATE
    SET expires_at = greatest(subscriptions.expires_at, excluded.expires_at),
        ended_at = greatest(subscriptions.ended_at, excluded.ended_at)
    WHERE excluded.expires_at > subscriptions.expires_at
       OR excluded.ended_at > subscriptions.ended_at
       OR (subscriptions.ended_at IS NULL AND excluded.ended_at IS NOT NULL)
"""

_FACTS_IN = (
    "creator_id = %(creator)s AND currency = %(currency)s AND occurred_at >= %(start)s AND occurred_at < %(end)s"
)

_REVENUE = f"""
SELECT width_bucket(occurred_at, %(grid)s::timestamptz[]) - 1 AS bucket, line,
       sum(gross_cents)::bigint, sum(net_cents)::bigint, count(*)
FROM transactions
WHERE {_FACTS_IN}
GROUP BY bucket, line
"""

_PERIODS = f"""
SELECT f.gross, f.net, f.n, f.fans
FROM unnest(%(starts)s::timestamptz[], %(ends)s::timestamptz[]) WITH ORDINALITY AS w (start_at, end_at, i)
CROSS JOIN LATERAL (
    SELECT coalesce(sum(gross_cents), 0)::bigint AS gross, coalesce(sum(net_cents), 0)::bigint AS net,
           count(*) AS n, count(DISTINCT fan_id) FILTER (WHERE {_SALE}) AS fans
    FROM transactions
    WHERE creator_id = %(creator)s AND currency = %(currency)s AND occurred_at >= w.start_at AND occurred_at < w.end_at
) f
ORDER BY w.i
"""

_TOP_FANS = f"""
SELECT s.fan_id, f.display_name, f.external_id, s.gross, s.net, s.n
FROM (
    SELECT fan_id, sum(gross_cents)::bigint AS gross, sum(net_cents)::bigint AS net, count(*) AS n
    FROM transactions
    WHERE {_FACTS_IN}
    GROUP BY fan_id
    HAVING sum(net_cents) > 0
    ORDER BY net DESC, gross DESC, fan_id
    LIMIT %(limit)s
) s
LEFT JOIN fans f ON f.creator_id = %(creator)s AND f.fan_id = s.fan_id
ORDER BY s.net DESC, s.gross DESC, s.fan_id
"""

_SALES = f"""
SELECT width_bucket(occurred_at, %(grid)s::timestamptz[]) - 1 AS bucket,
       sum(gross_cents)::bigint, sum(net_cents)::bigint, count(*)
FROM transactions
WHERE {_FACTS_IN} AND {_SALE}
GROUP BY bucket
"""

_INTERVALS = "SELECT fan_id, started_at, expires_at, ended_at FROM subscriptions WHERE creator_id = %s"


class SqlAnalyticsRepository(Erasure, Chatters, MarketingReadModels, MediaReadModels, WeeklyReadModels):
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def _execute(self, sql: str, params: Any) -> int:
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            await cursor.execute(sql, params)
            return int(cursor.rowcount)

    async def _fetch(self, sql: str, params: Any) -> list[tuple[Any, ...]]:
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            await cursor.execute(sql, params)
            return list(await cursor.fetchall())

    # writes ---------------------------------------------------------------------------------------
    async def add_transactions(self, facts: Sequence[Fact]) -> int:
        if not facts:
            return 0
        return await self._execute(
            _ADD_TRANSACTIONS,
            (
                [f.transaction_id for f in facts],
                [f.creator_id for f in facts],
                [f.fan_id for f in facts],
                [f.type for f in facts],
                [f.line for f in facts],
                [f.gross_cents for f in facts],
                [f.fee_cents for f in facts],
                [f.net_cents for f in facts],
                [f.currency for f in facts],
                [f.occurred_at for f in facts],
            ),
        )

    async def remember_fans(self, names: Sequence[FanName]) -> None:
        if not names:
            return
        rows = sorted(names, key=lambda n: (n.creator_id, n.fan_id))
        await self._execute(
            _REMEMBER_FANS,
            (
                [n.creator_id for n in rows],
                [n.fan_id for n in rows],
                [n.external_id for n in rows],
                [n.display_name for n in rows],
                [n.seen_at for n in rows],
            ),
        )

    async def save_subscriptions(self, periods: Sequence[SubscriptionPeriod]) -> None:
        if not periods:
            return
        rows = sorted(periods, key=lambda p: (p.creator_id, p.fan_id, p.started_at))
        await self._execute(
            _SAVE_SUBSCRIPTIONS,
            (
                [p.creator_id for p in rows],
                [p.fan_id for p in rows],
                [p.started_at for p in rows],
                [p.expires_at for p in rows],
                [p.ended_at for p in rows],
            ),
        )

    # reports --------------------------------------------------------------------------------------
    async def revenue_by_bucket(
        self, creator_id: uuid.UUID, currency: str, grid: Sequence[datetime], window: Window
    ) -> list[LineTotal]:
        rows = await self._fetch(
            _REVENUE,
            {"grid": list(grid), "creator": creator_id, "currency": currency, "start": window.start, "end": window.end},
        )
        return [LineTotal(bucket, line, Amount(gross, net, n)) for bucket, line, gross, net, n in rows]

    async def period_figures(
        self, creator_id: uuid.UUID, currency: str, windows: Sequence[Window]
    ) -> list[PeriodFigures]:
        rows = await self._fetch(
            _PERIODS,
            {
                "starts": [w.start for w in windows],
                "ends": [w.end for w in windows],
                "creator": creator_id,
                "currency": currency,
            },
        )
        return [PeriodFigures(gross, net, n, fans) for gross, net, n, fans in rows]

    async def top_fans(self, creator_id: uuid.UUID, currency: str, window: Window, limit: int) -> list[FanSpend]:
        rows = await self._fetch(
            _TOP_FANS,
            {"creator": creator_id, "currency": currency, "start": window.start, "end": window.end, "limit": limit},
        )
        return [
            FanSpend(fan_id, name, external_id, Amount(gross, net, n))
            for fan_id, name, external_id, gross, net, n in rows
        ]

    async def sales_by_bucket(
        self, creator_id: uuid.UUID, currency: str, grid: Sequence[datetime], window: Window
    ) -> list[BucketTotal]:
        rows = await self._fetch(
            _SALES,
            {"grid": list(grid), "creator": creator_id, "currency": currency, "start": window.start, "end": window.end},
        )
        return [BucketTotal(bucket, Amount(gross, net, n)) for bucket, gross, net, n in rows]

    async def subscription_intervals(self, creator_id: uuid.UUID) -> list[Interval]:
        rows = await self._fetch(_INTERVALS, (creator_id,))
        return [Interval(fan_id, started, expires, ended) for fan_id, started, expires, ended in rows]
