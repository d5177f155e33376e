"""The ai service's read model of fans on PostgreSQL (the rules: :mod:`ai.fan_facts`). Every write
skips an erased fan (their tombstone), so nothing of theirs is stored again."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from huntaze_service.db import Transaction

from ..fan_facts import FanFacts

_UNLESS_ERASED = "WHERE NOT EXISTS (SELECT 1 FROM erased_fans WHERE fan_id = %(fan)s)"


class FanFactsStore:
    """Mixed into the ai repository: ``self._tx`` is the unit of work's transaction."""

    _tx: Transaction

    async def _exec(self, sql: str, params: dict[str, object]) -> None:
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            await cursor.execute(sql, params)

    async def add_spend(
        self, creator_id: uuid.UUID, fan_id: uuid.UUID, net_cents: int, currency: str, purchase: bool, now: datetime
    ) -> None:
        await self._exec(
            "INSERT INTO fan_facts (fan_id, creator_id, net_cents, currency, purchases, updated_at) "
            "SELECT %(fan)s, %(creator)s, %(net)s, %(currency)s, %(purchases)s, %(now)s " + _UNLESS_ERASED + " "
            "ON CONFLICT (fan_id) DO UPDATE SET net_cents = fan_facts.net_cents + EXCLUDED.net_cents, "
            "purchases = fan_facts.purchases + EXCLUDED.purchases, currency = EXCLUDED.currency, updated_at = EXCLUDED.updated_at",
            {
                "fan": fan_id,
                "creator": creator_id,
                "net": net_cents,
                "currency": currency,
                "purchases": int(purchase),
                "now": now,
            },
        )

    async def set_segment(
        self, creator_id: uuid.UUID, fan_id: uuid.UUID, segment: str, entered: bool, now: datetime
    ) -> None:
        await self._exec(
            "INSERT INTO fan_facts (fan_id, creator_id, segments, updated_at) "
            "SELECT %(fan)s, %(creator)s, CASE WHEN %(entered)s THEN ARRAY[%(segment)s] ELSE '{}'::text[] END, %(now)s "
            + _UNLESS_ERASED
            + " ON CONFLICT (fan_id) DO UPDATE SET updated_at = EXCLUDED.updated_at, segments = CASE "
            "WHEN %(entered)s AND NOT %(segment)s = ANY(fan_facts.segments) THEN array_append(fan_facts.segments, %(segment)s) "
            "WHEN NOT %(entered)s THEN array_remove(fan_facts.segments, %(segment)s) ELSE fan_facts.segments END",
            {"fan": fan_id, "creator": creator_id, "segment": segment, "entered": entered, "now": now},
        )

    async def set_subscription(
        self,
        creator_id: uuid.UUID,
        fan_id: uuid.UUID,
        *,
        status: str,
        expires_at: datetime,
        auto_renew: bool | None,
        reported_at: datetime,
        now: datetime,
    ) -> None:
        """The subscription as a report of ``reported_at`` says; an older report than the one kept
        (events of different topics may arrive out of order) changes nothing."""
        await self._exec(
            "INSERT INTO fan_facts (fan_id, creator_id, subscription, expires_at, auto_renew, subscription_at, updated_at) "
            "SELECT %(fan)s, %(creator)s, %(status)s, %(expires)s, %(renew)s, %(at)s, %(now)s "
            + _UNLESS_ERASED
            + " ON CONFLICT (fan_id) DO UPDATE SET subscription = EXCLUDED.subscription, expires_at = EXCLUDED.expires_at, "
            "auto_renew = EXCLUDED.auto_renew, subscription_at = EXCLUDED.subscription_at, updated_at = EXCLUDED.updated_at "
            "WHERE fan_facts.subscription_at IS NULL OR fan_facts.subscription_at <= EXCLUDED.subscription_at",
            {
                "fan": fan_id,
                "creator": creator_id,
                "status": status,
                "expires": expires_at,
                "renew": auto_renew,
                "at": reported_at,
                "now": now,
            },
        )

    async def fan_facts(self, fan_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, FanFacts]:
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            await cursor.execute(
                "SELECT fan_id, net_cents, currency, purchases, segments, subscription, expires_at, auto_renew "
                "FROM fan_facts WHERE fan_id = ANY(%s)",
                (list(fan_ids),),
            )
            rows = await cursor.fetchall()
        return {r[0]: FanFacts(r[1], r[2], r[3], tuple(r[4] or ()), r[5], r[6], r[7]) for r in rows}
