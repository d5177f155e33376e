"""Erasing a fan on PostgreSQL, and the per-fan lock writers of names take (what and why:
:mod:`analytics.erasure`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from huntaze_service.db import Transaction

from ..domain import Fact, FanName, SubscriptionPeriod
from ..erasure import ErasedFan

FAN_LOCKS = 0x66616E
"""First key of the per-fan advisory locks (the second: the fan id's first 32 bits). Two-key
advisory locks never meet the chassis' one-key locks (relay, migrations)."""

_TOMBSTONE = """
INSERT INTO erased_fans (fan_id, creator_id, erased_at, requested_by, event_id, applied_at)
VALUES (%s, %s, %s, %s, %s, %s)
ON CONFLICT (fan_id) DO UPDATE SET applications = erased_fans.applications + 1
"""


def fan_lock_keys(fan_ids: Sequence[uuid.UUID]) -> list[int]:
    """Second keys of the fans' locks, sorted: every transaction takes them in the same order."""
    return sorted({int.from_bytes(f.bytes[:4], "big", signed=True) for f in fan_ids})


class Erasure:
    """Mixed into the analytics repository: ``self._tx`` is the unit of work's transaction."""

    _tx: Transaction

    async def erased_among(self, fan_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        if not fan_ids:
            return set()
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            await cursor.execute(
                "SELECT pg_advisory_xact_lock_shared(%s, k) FROM unnest(%s::int[]) AS k",
                (FAN_LOCKS, fan_lock_keys(fan_ids)),
            )
            await cursor.execute("SELECT fan_id FROM erased_fans WHERE fan_id = ANY(%s)", (list(fan_ids),))
            return {row[0] for row in await cursor.fetchall()}

    async def erase_fan(self, erased: ErasedFan, *, now: datetime) -> None:
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            (key,) = fan_lock_keys([erased.fan_id])
            await cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", (FAN_LOCKS, key))
            await cursor.execute(
                _TOMBSTONE,
                (erased.fan_id, erased.creator_id, erased.erased_at, erased.requested_by, erased.event_id, now),
            )
            await cursor.execute(
                "DELETE FROM fans WHERE creator_id = %s AND fan_id = %s", (erased.creator_id, erased.fan_id)
            )

    async def erased(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> ErasedFan | None:
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            await cursor.execute(
                "SELECT fan_id, creator_id, erased_at, requested_by, event_id FROM erased_fans "
                "WHERE fan_id = %s AND creator_id = %s",
                (fan_id, creator_id),
            )
            row = await cursor.fetchone()
        return None if row is None else ErasedFan(*row)

    async def fan_records(
        self, creator_id: uuid.UUID, fan_id: uuid.UUID
    ) -> tuple[FanName | None, list[Fact], list[SubscriptionPeriod]]:
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            await cursor.execute(
                "SELECT creator_id, fan_id, external_id, display_name, seen_at FROM fans "
                "WHERE creator_id = %s AND fan_id = %s",
                (creator_id, fan_id),
            )
            row = await cursor.fetchone()
            name = None if row is None else FanName(*row)
            await cursor.execute(
                "SELECT transaction_id, creator_id, fan_id, type, line, gross_cents, fee_cents, net_cents, currency, "
                "occurred_at FROM transactions WHERE creator_id = %s AND fan_id = %s ORDER BY occurred_at, transaction_id",
                (creator_id, fan_id),
            )
            facts = [Fact(*r) for r in await cursor.fetchall()]
            await cursor.execute(
                "SELECT creator_id, fan_id, started_at, expires_at, ended_at FROM subscriptions "
                "WHERE creator_id = %s AND fan_id = %s ORDER BY started_at",
                (creator_id, fan_id),
            )
            periods = [SubscriptionPeriod(*r) for r in await cursor.fetchall()]
        return name, facts, periods
