"""Loading and saving fan CRM state (``FanState``) on PostgreSQL, locked for the transaction."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from psycopg.rows import dict_row

from huntaze_service.db import Transaction

from ..profile import FanIdentity, FanState, Subscription

_STATE_COLUMNS = """
    id, creator_id, external_id, display_name, gross_cents, net_cents, purchases, first_purchase_at,
    last_purchase_at, last_message_at, sub_status, sub_started_at, sub_first_started_at, sub_expires_at,
    sub_expired_at, sub_auto_renew, sub_price_cents, sub_currency, sub_via, tags, segments, erased_at, erased_by
"""

_CREATE_FANS = """
INSERT INTO fans (id, creator_id, external_id, display_name, message_count, created_at, updated_at)
SELECT i, %(creator)s, e, n, 0, %(now)s, %(now)s
FROM unnest(%(ids)s::uuid[], %(externals)s::text[], %(names)s::text[]) AS v(i, e, n)
ORDER BY i
ON CONFLICT (id) DO NOTHING
RETURNING id
"""

_LOCK = f"SELECT {_STATE_COLUMNS} FROM fans WHERE id = ANY(%(ids)s) AND creator_id = %(creator)s ORDER BY id FOR UPDATE"

_SAVE = """
UPDATE fans f SET
    gross_cents = v.gross, net_cents = v.net, purchases = v.purchases, first_purchase_at = v.first_at,
    last_purchase_at = v.last_at,
    last_active_at = GREATEST(f.last_message_at, v.last_at),
    sub_status = v.status, sub_started_at = v.started, sub_first_started_at = v.first_started,
    sub_expires_at = v.expires, sub_expired_at = v.expired, sub_auto_renew = v.auto_renew,
    sub_price_cents = v.price, sub_currency = v.currency, sub_via = CAST(v.via AS jsonb),
    tags = COALESCE(CAST(v.tags AS text[]), f.tags), segments = CAST(v.segments AS text[]),
    updated_at = %(now)s
FROM unnest(
    %(ids)s::uuid[], %(gross)s::bigint[], %(net)s::bigint[], %(purchases)s::int[], %(first_at)s::timestamptz[],
    %(last_at)s::timestamptz[], %(status)s::text[], %(started)s::timestamptz[], %(first_started)s::timestamptz[],
    %(expires)s::timestamptz[], %(expired)s::timestamptz[], %(auto_renew)s::boolean[], %(price)s::bigint[],
    %(currency)s::text[], %(via)s::text[], %(tags)s::text[], %(segments)s::text[]
) AS v(id, gross, net, purchases, first_at, last_at, status, started, first_started, expires, expired, auto_renew,
       price, currency, via, tags, segments)
WHERE f.id = v.id
"""


def _pg_array(items: Sequence[str]) -> str:
    """A text[] literal (segments and tags are short identifiers, quoted and escaped)."""
    return "{" + ",".join('"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"' for s in items) + "}"


def state_of(row: dict[str, Any]) -> FanState:
    return FanState(
        id=row["id"],
        creator_id=row["creator_id"],
        external_id=row["external_id"],
        display_name=row["display_name"],
        gross_cents=row["gross_cents"],
        net_cents=row["net_cents"],
        purchases=row["purchases"],
        first_purchase_at=row["first_purchase_at"],
        last_purchase_at=row["last_purchase_at"],
        last_message_at=row["last_message_at"],
        subscription=Subscription(
            status=row["sub_status"],
            started_at=row["sub_started_at"],
            first_started_at=row["sub_first_started_at"],
            expires_at=row["sub_expires_at"],
            auto_renew=row["sub_auto_renew"],
            price_cents=row["sub_price_cents"],
            currency=row["sub_currency"],
            via=row["sub_via"],
            expired_at=row["sub_expired_at"],
        ),
        tags=list(row["tags"]),
        segments=set(row["segments"]),
        erased_at=row["erased_at"],
        erased_by=row["erased_by"],
    )


class FanStates:
    """Mixed into the fans repository: ``self._tx`` is the unit of work's transaction."""

    _tx: Transaction

    async def lock_creator(self, creator_id: uuid.UUID) -> None:
        """Serialises the revenue writes of one creator (matching needs a stable view of its sales)."""
        conn = await self._tx.driver()
        await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 7))", (str(creator_id),))

    async def lock_fans(
        self, creator_id: uuid.UUID, identities: Sequence[FanIdentity], now: datetime
    ) -> dict[uuid.UUID, FanState]:
        conn = await self._tx.driver()
        unique = {i.id: i for i in identities}
        ordered = sorted(unique.values(), key=lambda i: i.id)
        async with conn.cursor() as cursor:
            await cursor.execute(
                _CREATE_FANS,
                {
                    "creator": creator_id,
                    "now": now,
                    "ids": [i.id for i in ordered],
                    "externals": [i.external_id for i in ordered],
                    "names": [i.display_name for i in ordered],
                },
            )
            created = {row[0] for row in await cursor.fetchall()}
        states = await self.lock_existing(creator_id, list(unique))
        for fan_id in created:
            if fan_id in states:
                states[fan_id].created = True
        return states

    async def lock_existing(self, creator_id: uuid.UUID, fan_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, FanState]:
        conn = await self._tx.driver()
        async with conn.cursor(row_factory=dict_row) as cursor:
            await cursor.execute(_LOCK, {"ids": list(fan_ids), "creator": creator_id})
            return {row["id"]: state_of(row) for row in await cursor.fetchall()}

    async def creator_fan_ids(self, creator_id: uuid.UUID, *, after: uuid.UUID | None, limit: int) -> list[uuid.UUID]:
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            await cursor.execute(
                "SELECT id FROM fans WHERE creator_id = %s AND (%s::uuid IS NULL OR id > %s) ORDER BY id LIMIT %s",
                (creator_id, after, after, limit),
            )
            return [row[0] for row in await cursor.fetchall()]

    async def save_fans(self, states: Sequence[FanState], now: datetime, *, tags: bool = False) -> None:
        if not states:
            return
        conn = await self._tx.driver()
        subs = [s.subscription for s in states]
        await conn.execute(
            _SAVE,
            {
                "now": now,
                "ids": [s.id for s in states],
                "gross": [s.gross_cents for s in states],
                "net": [s.net_cents for s in states],
                "purchases": [s.purchases for s in states],
                "first_at": [s.first_purchase_at for s in states],
                "last_at": [s.last_purchase_at for s in states],
                "status": [u.status for u in subs],
                "started": [u.started_at for u in subs],
                "first_started": [u.first_started_at for u in subs],
                "expires": [u.expires_at for u in subs],
                "expired": [u.expired_at for u in subs],
                "auto_renew": [u.auto_renew for u in subs],
                "price": [u.price_cents for u in subs],
                "currency": [u.currency for u in subs],
                "via": [json.dumps(u.via) if u.via is not None else None for u in subs],
                "tags": [_pg_array(s.tags) if tags else None for s in states],
                "segments": [_pg_array(sorted(s.segments)) for s in states],
            },
        )
