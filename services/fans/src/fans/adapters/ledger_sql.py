"""The transaction ledger on PostgreSQL: matching look-ups, inserts and the per-fan spend totals."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from psycopg.rows import dict_row

from huntaze_service.db import Transaction

from ..ledger import NewTransaction

_COPY = (
    "COPY transactions (id, creator_id, fan_id, type, gross_cents, fee_cents, net_cents, currency, occurred_at, "
    "source, external_id, ref_kind, ref_id, match_key, match_n, import_id, line_no, recorded_at) FROM STDIN"
)

_ADD_SPEND = """
INSERT INTO fan_spend (fan_id, type, currency, gross_cents, fee_cents, net_cents, count)
SELECT fan, ty, cur, g, f, n, c
FROM unnest(%(fans)s::uuid[], %(types)s::text[], %(currency)s::text[], %(gross)s::bigint[], %(fee)s::bigint[],
            %(net)s::bigint[], %(count)s::int[]) AS v(fan, ty, cur, g, f, n, c)
ORDER BY fan, ty, cur
ON CONFLICT (fan_id, type, currency) DO UPDATE SET
    gross_cents = fan_spend.gross_cents + excluded.gross_cents,
    fee_cents = fan_spend.fee_cents + excluded.fee_cents,
    net_cents = fan_spend.net_cents + excluded.net_cents,
    count = fan_spend.count + excluded.count
"""


class Ledger:
    """Mixed into the fans repository: ``self._tx`` is the unit of work's transaction."""

    _tx: Transaction

    async def known_external_ids(self, creator_id: uuid.UUID, external_ids: Sequence[str]) -> set[str]:
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            await cursor.execute(
                "SELECT external_id FROM transactions WHERE creator_id = %s AND external_id = ANY(%s)",
                (creator_id, list(external_ids)),
            )
            return {row[0] for row in await cursor.fetchall()}

    async def match_slots(self, creator_id: uuid.UUID, keys: Sequence[str]) -> dict[str, tuple[int, list[uuid.UUID]]]:
        """Per match key: the highest n taken, and the statement rows no connector id has claimed (by n)."""
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            await cursor.execute(
                "SELECT match_key, max(match_n), "
                "array_agg(id ORDER BY match_n) FILTER (WHERE external_id IS NULL AND source = 'statement') "
                "FROM transactions WHERE creator_id = %s AND match_key = ANY(%s) GROUP BY match_key",
                (creator_id, list(set(keys))),
            )
            return {row[0]: (row[1], list(row[2] or [])) for row in await cursor.fetchall()}

    async def taken_matches(
        self, creator_id: uuid.UUID, keys: Sequence[str], ns: Sequence[int]
    ) -> set[tuple[str, int]]:
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            await cursor.execute(
                "SELECT t.match_key, t.match_n FROM transactions t "
                "JOIN unnest(%s::text[], %s::int[]) AS v(k, n) ON t.match_key = v.k AND t.match_n = v.n "
                "WHERE t.creator_id = %s",
                (list(keys), list(ns), creator_id),
            )
            return {(row[0], row[1]) for row in await cursor.fetchall()}

    async def claim(self, claims: Sequence[tuple[uuid.UUID, str, str | None, str | None]]) -> None:
        """Gives statement rows the connector's id (and ref) of the same sale."""
        if not claims:
            return
        conn = await self._tx.driver()
        await conn.execute(
            "UPDATE transactions t SET external_id = v.ext, ref_kind = COALESCE(v.rk, t.ref_kind), "
            "ref_id = COALESCE(v.ri, t.ref_id) "
            "FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::text[]) AS v(id, ext, rk, ri) WHERE t.id = v.id",
            ([c[0] for c in claims], [c[1] for c in claims], [c[2] for c in claims], [c[3] for c in claims]),
        )

    async def insert_transactions(self, creator_id: uuid.UUID, txs: Sequence[NewTransaction], now: datetime) -> None:
        if not txs:
            return
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            # COPY: the rows are new (matched above), and COPY sends them without Python-side escaping
            async with cursor.copy(_COPY) as copy:
                for t in txs:
                    await copy.write_row(
                        (
                            t.id, creator_id, t.fan_id, t.type, t.gross_cents, t.fee_cents, t.net_cents, t.currency,
                            t.occurred_at, t.source, t.external_id, t.ref_kind, t.ref_id, t.key, t.match_n,
                            t.import_id, t.line_no, now,
                        )
                    )  # fmt: skip

    async def add_spend(self, txs: Sequence[NewTransaction]) -> None:
        totals: dict[tuple[uuid.UUID, str, str], list[int]] = {}
        for t in txs:
            row = totals.setdefault((t.fan_id, t.type, t.currency), [0, 0, 0, 0])
            row[0] += t.gross_cents
            row[1] += t.fee_cents
            row[2] += t.net_cents
            row[3] += 1
        if not totals:
            return
        conn = await self._tx.driver()
        keys = list(totals)
        await conn.execute(
            _ADD_SPEND,
            {
                "fans": [k[0] for k in keys],
                "types": [k[1] for k in keys],
                "currency": [k[2] for k in keys],
                "gross": [totals[k][0] for k in keys],
                "fee": [totals[k][1] for k in keys],
                "net": [totals[k][2] for k in keys],
                "count": [totals[k][3] for k in keys],
            },
        )

    async def spend_by_type(self, fan_id: uuid.UUID) -> list[dict[str, Any]]:
        conn = await self._tx.driver()
        async with conn.cursor(row_factory=dict_row) as cursor:
            await cursor.execute(
                "SELECT type, currency, gross_cents, fee_cents, net_cents, count FROM fan_spend "
                "WHERE fan_id = %s ORDER BY type, currency",
                (fan_id,),
            )
            return list(await cursor.fetchall())

    async def latest_transactions(self, fan_id: uuid.UUID, limit: int | None) -> list[dict[str, Any]]:
        conn = await self._tx.driver()
        async with conn.cursor(row_factory=dict_row) as cursor:
            await cursor.execute(
                "SELECT id AS transaction_id, type, gross_cents, fee_cents, net_cents, currency, occurred_at, source, "
                "external_id, ref_kind, ref_id FROM transactions WHERE fan_id = %s "
                "ORDER BY occurred_at DESC, id DESC LIMIT %s",
                (fan_id, limit),
            )
            return list(await cursor.fetchall())
