"""The inbox's price tests on PostgreSQL (rules: :mod:`inbox.handlers.price_tests`)."""

from __future__ import annotations

import uuid
from datetime import datetime

from huntaze_service.db import PlainSql


class PriceTestStore(PlainSql):
    async def price_test_started(self, creator_id: uuid.UUID, experiment_id: uuid.UUID, arms: tuple[int, ...]) -> None:
        await self._rows(
            "INSERT INTO price_tests (experiment_id, creator_id, arms) VALUES (%s, %s, %s) "
            "ON CONFLICT (experiment_id) DO UPDATE SET arms = EXCLUDED.arms",
            (experiment_id, creator_id, list(arms)),
        )

    async def price_test_ended(self, creator_id: uuid.UUID, experiment_id: uuid.UUID, at: datetime) -> None:
        await self._rows(
            "INSERT INTO price_tests (experiment_id, creator_id, arms, ended_at) VALUES (%s, %s, '{}', %s) "
            "ON CONFLICT (experiment_id) DO UPDATE SET ended_at = EXCLUDED.ended_at",
            (experiment_id, creator_id, at),
        )

    async def running_price_test(self, creator_id: uuid.UUID, experiment_id: uuid.UUID) -> tuple[int, ...]:
        """Its arms while it runs (empty otherwise)."""
        rows = await self._rows(
            "SELECT arms FROM price_tests WHERE experiment_id = %s AND creator_id = %s AND ended_at IS NULL",
            (experiment_id, creator_id),
        )
        return tuple(int(a) for a in rows[0][0]) if rows else ()
