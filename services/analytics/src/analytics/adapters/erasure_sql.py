"""Erasing a fan on PostgreSQL, and the per-fan lock writers of names take (what and why:
:mod:`analytics.erasure`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from huntaze_service import tombstones
from huntaze_service.db import Transaction
from huntaze_service.tombstones import ErasedFan

from ..domain import Fact, FanName, SubscriptionPeriod


class Erasure:
    """Mixed into the analytics repository: ``self._tx`` is the unit of work's transaction."""

    _tx: Transaction

    async def erased_among(self, fan_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            return await tombstones.erased_among(cursor, fan_ids)

    async def erase_fan(self, erased: ErasedFan, *, now: datetime) -> None:
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            await tombstones.record_tombstone(cursor, erased, now)
            await cursor.execute(
                "DELETE FROM fans WHERE creator_id = %s AND fan_id = %s", (erased.creator_id, erased.fan_id)
            )

    async def erased(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> ErasedFan | None:
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            return await tombstones.tombstone(cursor, creator_id, fan_id)

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
