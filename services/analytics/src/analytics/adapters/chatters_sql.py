"""The chatters' read models and the append-only sales ledger on PostgreSQL.

Writes are one ``INSERT … SELECT FROM unnest(arrays)`` per batch, rows in key order, idempotent by
their conflict rules. The ledger is only ever inserted into (``ON CONFLICT DO NOTHING``): the
database itself refuses UPDATE, DELETE and TRUNCATE on it (migration 0003).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from huntaze_service.db import Transaction

from ..attribution import Line, LineKind, Reply
from ..chatter_records import LedgerTotal, OfferRecord, ReplyRecord, ShiftRecord
from ..chatter_report import OfferFigures, ReplyFigures, RevenueFigures, ShiftSpan
from ..reports import Window

_ADD_REPLIES = """
INSERT INTO chatter_replies (message_id, creator_id, fan_id, chatter_id, shift_id, sent_at, answered_received_at)
SELECT * FROM unnest(%s::uuid[], %s::uuid[], %s::uuid[], %s::uuid[], %s::uuid[], %s::timestamptz[], %s::timestamptz[])
ON CONFLICT (message_id) DO NOTHING
"""

_SAVE_OFFERS = """
INSERT INTO chatter_offers (offer_id, creator_id, fan_id, chatter_id, shift_id, mass_message_id, price_cents,
                            currency, sent_at, unlocked_at)
SELECT * FROM unnest(%s::uuid[], %s::uuid[], %s::uuid[], %s::uuid[], %s::uuid[], %s::uuid[], %s::bigint[],
                     %s::text[], %s::timestamptz[], %s::timestamptz[])
ON CONFLICT (offer_id) DO UPDATE
    SET unlocked_at = LEAST(chatter_offers.unlocked_at, EXCLUDED.unlocked_at)
    WHERE EXCLUDED.unlocked_at IS NOT NULL
"""

_SAVE_SHIFTS = """
INSERT INTO chatter_shifts (creator_id, shift_id, user_id, starts_at, ends_at, cancelled_at)
SELECT * FROM unnest(%s::uuid[], %s::uuid[], %s::uuid[], %s::timestamptz[], %s::timestamptz[], %s::timestamptz[])
ON CONFLICT (creator_id, shift_id) DO UPDATE
    SET cancelled_at = COALESCE(chatter_shifts.cancelled_at, EXCLUDED.cancelled_at)
    WHERE EXCLUDED.cancelled_at IS NOT NULL
"""

_ADD_LINES = """
INSERT INTO chatter_ledger (transaction_id, creator_id, fan_id, chatter_id, shift_id, kind, reason, gross_cents,
                            net_cents, currency, occurred_at, offer_id, mass_message_id, reply_message_id, reverses)
SELECT * FROM unnest(%s::uuid[], %s::uuid[], %s::uuid[], %s::uuid[], %s::uuid[], %s::text[], %s::text[],
                     %s::bigint[], %s::bigint[], %s::text[], %s::timestamptz[], %s::uuid[], %s::uuid[], %s::uuid[],
                     %s::uuid[])
ON CONFLICT (transaction_id) DO NOTHING
"""

_LINE_COLUMNS = (
    "transaction_id, fan_id, chatter_id, shift_id, kind, reason, gross_cents, net_cents, currency, occurred_at, "
    "offer_id, mass_message_id, reply_message_id, reverses"
)

_TIMED = "shift_id IS NOT NULL AND answered_received_at IS NOT NULL"
_WAIT = "extract(epoch FROM sent_at - answered_received_at)"
_REPLY_FIGURES = f"""
SELECT chatter_id, count(*), count(*) FILTER (WHERE {_TIMED}),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY {_WAIT}) FILTER (WHERE {_TIMED}),
       percentile_cont(0.9) WITHIN GROUP (ORDER BY {_WAIT}) FILTER (WHERE {_TIMED})
FROM chatter_replies
WHERE creator_id = %(creator)s AND sent_at >= %(start)s AND sent_at < %(end)s
GROUP BY chatter_id
"""

_OFFER_FIGURES = """
SELECT chatter_id, count(*), count(unlocked_at)
FROM chatter_offers
WHERE creator_id = %(creator)s AND sent_at >= %(start)s AND sent_at < %(end)s AND chatter_id IS NOT NULL
GROUP BY chatter_id
"""

_REVENUE_FIGURES = """
SELECT chatter_id, count(*), sum(gross_cents)::bigint, sum(net_cents)::bigint,
       coalesce(sum(gross_cents) FILTER (WHERE shift_id IS NOT NULL), 0)::bigint
FROM chatter_ledger
WHERE creator_id = %(creator)s AND currency = %(currency)s AND occurred_at >= %(start)s AND occurred_at < %(end)s
GROUP BY chatter_id
"""


def _line(row: tuple[Any, ...]) -> Line:
    (tx, fan, chatter, shift, kind, reason, gross, net, currency, at, offer, mass, reply, reverses) = row
    return Line(
        tx,
        fan,
        chatter,
        shift,
        LineKind(kind),
        reason,
        gross,
        net,
        currency.strip(),
        at,
        offer_id=offer,
        mass_message_id=mass,
        reply_message_id=reply,
        reverses=reverses,
    )


class Chatters:
    """Mixed into the analytics repository: ``self._tx`` is the unit of work's transaction."""

    _tx: Transaction

    async def _run(self, sql: str, params: Any) -> int:
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            await cursor.execute(sql, params)
            return int(cursor.rowcount)

    async def _rows(self, sql: str, params: Any) -> list[tuple[Any, ...]]:
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            await cursor.execute(sql, params)
            return list(await cursor.fetchall())

    # writes -------------------------------------------------------------------------------------
    async def add_replies(self, replies: Sequence[ReplyRecord]) -> None:
        if not replies:
            return
        rows = sorted(replies, key=lambda r: r.message_id)
        await self._run(
            _ADD_REPLIES,
            (
                [r.message_id for r in rows],
                [r.creator_id for r in rows],
                [r.fan_id for r in rows],
                [r.chatter_id for r in rows],
                [r.shift_id for r in rows],
                [r.sent_at for r in rows],
                [r.answered_received_at for r in rows],
            ),
        )

    async def save_offers(self, offers: Sequence[OfferRecord]) -> None:
        if not offers:
            return
        earliest: dict[uuid.UUID, OfferRecord] = {}
        for o in offers:  # one row per offer in a statement (ON CONFLICT cannot touch a row twice)
            seen = earliest.get(o.offer_id)
            if seen is None or (
                o.unlocked_at is not None and (seen.unlocked_at is None or o.unlocked_at < seen.unlocked_at)
            ):
                earliest[o.offer_id] = o
        rows = [earliest[k] for k in sorted(earliest)]
        await self._run(
            _SAVE_OFFERS,
            (
                [o.offer_id for o in rows],
                [o.creator_id for o in rows],
                [o.fan_id for o in rows],
                [o.chatter_id for o in rows],
                [o.shift_id for o in rows],
                [o.mass_message_id for o in rows],
                [o.price_cents for o in rows],
                [o.currency for o in rows],
                [o.sent_at for o in rows],
                [o.unlocked_at for o in rows],
            ),
        )

    async def save_shifts(self, shifts: Sequence[ShiftRecord]) -> None:
        if not shifts:
            return
        last: dict[tuple[uuid.UUID, uuid.UUID], ShiftRecord] = {}
        for s in shifts:  # a cancellation in the same batch wins
            key = (s.creator_id, s.shift_id)
            if key not in last or s.cancelled_at is not None:
                last[key] = s
        rows = [last[k] for k in sorted(last)]
        await self._run(
            _SAVE_SHIFTS,
            (
                [s.creator_id for s in rows],
                [s.shift_id for s in rows],
                [s.user_id for s in rows],
                [s.starts_at for s in rows],
                [s.ends_at for s in rows],
                [s.cancelled_at for s in rows],
            ),
        )

    async def add_ledger_lines(self, creator_id: uuid.UUID, lines: Sequence[Line]) -> int:
        if not lines:
            return 0
        rows = sorted({line.transaction_id: line for line in lines}.values(), key=lambda line: line.transaction_id)
        return await self._run(
            _ADD_LINES,
            (
                [line.transaction_id for line in rows],
                [creator_id] * len(rows),
                [line.fan_id for line in rows],
                [line.chatter_id for line in rows],
                [line.shift_id for line in rows],
                [line.kind.value for line in rows],
                [line.reason for line in rows],
                [line.gross_cents for line in rows],
                [line.net_cents for line in rows],
                [line.currency for line in rows],
                [line.occurred_at for line in rows],
                [line.offer_id for line in rows],
                [line.mass_message_id for line in rows],
                [line.reply_message_id for line in rows],
                [line.reverses for line in rows],
            ),
        )

    # attribution --------------------------------------------------------------------------------
    async def replies_to_fan(
        self, creator_id: uuid.UUID, fan_id: uuid.UUID, start: datetime, end: datetime
    ) -> list[Reply]:
        rows = await self._rows(
            "SELECT message_id, fan_id, chatter_id, shift_id, sent_at FROM chatter_replies "
            "WHERE creator_id = %s AND fan_id = %s AND sent_at >= %s AND sent_at <= %s ORDER BY sent_at, message_id",
            (creator_id, fan_id, start, end),
        )
        return [Reply(*r) for r in rows]

    async def offer(self, creator_id: uuid.UUID, offer_id: uuid.UUID) -> OfferRecord | None:
        rows = await self._rows(
            "SELECT creator_id, offer_id, fan_id, chatter_id, shift_id, mass_message_id, price_cents, currency, "
            "sent_at, unlocked_at FROM chatter_offers WHERE creator_id = %s AND offer_id = %s",
            (creator_id, offer_id),
        )
        if not rows:
            return None
        row = list(rows[0])
        row[7] = row[7].strip()
        return OfferRecord(*row)

    async def fan_ledger(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> list[Line]:
        rows = await self._rows(
            f"SELECT {_LINE_COLUMNS} FROM chatter_ledger WHERE creator_id = %s AND fan_id = %s "
            "ORDER BY occurred_at, transaction_id",
            (creator_id, fan_id),
        )
        return [_line(r) for r in rows]

    # reports ------------------------------------------------------------------------------------
    async def ledger_page(
        self,
        creator_id: uuid.UUID,
        window: Window,
        chatter_id: uuid.UUID | None,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> list[Line]:
        sql = f"SELECT {_LINE_COLUMNS} FROM chatter_ledger WHERE creator_id = %s AND occurred_at >= %s AND occurred_at < %s"
        params: list[Any] = [creator_id, window.start, window.end]
        if chatter_id is not None:
            sql += " AND chatter_id = %s"
            params.append(chatter_id)
        if after is not None:
            sql += " AND (occurred_at, transaction_id) > (%s, %s)"
            params.extend(after)
        sql += " ORDER BY occurred_at, transaction_id LIMIT %s"
        params.append(limit)
        return [_line(r) for r in await self._rows(sql, params)]

    async def ledger_totals(
        self, creator_id: uuid.UUID, window: Window, chatter_id: uuid.UUID | None
    ) -> list[LedgerTotal]:
        sql = (
            "SELECT currency, count(*), sum(gross_cents)::bigint, sum(net_cents)::bigint FROM chatter_ledger "
            "WHERE creator_id = %s AND occurred_at >= %s AND occurred_at < %s"
        )
        params: list[Any] = [creator_id, window.start, window.end]
        if chatter_id is not None:
            sql += " AND chatter_id = %s"
            params.append(chatter_id)
        sql += " GROUP BY currency ORDER BY currency"
        return [LedgerTotal(c.strip(), n, g, net) for c, n, g, net in await self._rows(sql, params)]

    async def reply_figures(self, creator_id: uuid.UUID, window: Window) -> list[ReplyFigures]:
        rows = await self._rows(_REPLY_FIGURES, {"creator": creator_id, "start": window.start, "end": window.end})
        return [
            ReplyFigures(c, sent, timed, None if p50 is None else float(p50), None if p90 is None else float(p90))
            for c, sent, timed, p50, p90 in rows
        ]

    async def offer_figures(self, creator_id: uuid.UUID, window: Window) -> list[OfferFigures]:
        rows = await self._rows(_OFFER_FIGURES, {"creator": creator_id, "start": window.start, "end": window.end})
        return [OfferFigures(*r) for r in rows]

    async def revenue_figures(self, creator_id: uuid.UUID, currency: str, window: Window) -> list[RevenueFigures]:
        params = {"creator": creator_id, "currency": currency, "start": window.start, "end": window.end}
        return [RevenueFigures(*r) for r in await self._rows(_REVENUE_FIGURES, params)]

    async def shift_spans(self, creator_id: uuid.UUID, window: Window) -> list[ShiftSpan]:
        rows = await self._rows(
            "SELECT user_id, starts_at, ends_at FROM chatter_shifts WHERE creator_id = %s AND cancelled_at IS NULL "
            "AND ends_at > %s AND starts_at < %s",
            (creator_id, window.start, window.end),
        )
        return [ShiftSpan(*r) for r in rows]
