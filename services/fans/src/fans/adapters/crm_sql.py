"""The CRM's reads and small writes on PostgreSQL: fan lists with filters, notes, tags, preferences,
custom segments and the creator's revenue settings."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from psycopg import sql
from psycopg.errors import UniqueViolation
from psycopg.rows import dict_row

from huntaze_service.db import Transaction

from ..crm import CreatorSettings, FanSort, Note, SegmentNameTaken
from ..segments import CustomSegment, FanFilter

_FAN_COLUMNS = """
    id AS fan_id, external_id, display_name, first_message_at, last_message_at, message_count, created_at,
    updated_at, gross_cents, net_cents, purchases, first_purchase_at, last_purchase_at, last_active_at,
    sub_status, sub_started_at, sub_first_started_at, sub_expires_at, sub_expired_at, sub_auto_renew,
    sub_price_cents, sub_currency, sub_via, tags, preferences, segments, erased_at, erased_by
"""

# sort → (expression, direction): the keyset is (expression, id) in that direction
_SORTS: dict[str, tuple[str, str]] = {
    "spend": ("net_cents", "DESC"),
    "last_active": ("COALESCE(last_active_at, '1970-01-01T00:00:00Z'::timestamptz)", "DESC"),
    "expires_at": ("COALESCE(sub_expires_at, '9999-12-31T00:00:00Z'::timestamptz)", "ASC"),
}


def _like(text: str) -> str:
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _segment(row: dict[str, Any]) -> CustomSegment:
    f = row["filter"]
    return CustomSegment(
        id=row["id"],
        creator_id=row["creator_id"],
        name=row["name"],
        filter=FanFilter(**f),
        created_at=row["created_at"],
    )


class Crm:
    """Mixed into the fans repository: ``self._tx`` is the unit of work's transaction."""

    _tx: Transaction

    async def _rows(self, query: Any, params: Any) -> list[dict[str, Any]]:
        conn = await self._tx.driver()
        async with conn.cursor(row_factory=dict_row) as cursor:
            await cursor.execute(query, params)
            return list(await cursor.fetchall())

    # settings ---------------------------------------------------------------------------------------
    async def creator_settings(self, creator_id: uuid.UUID) -> CreatorSettings:
        rows = await self._rows(
            "SELECT currency, timezone, whale_threshold_cents FROM creator_settings WHERE creator_id = %s",
            (creator_id,),
        )
        if not rows:
            return CreatorSettings(creator_id=creator_id)
        r = rows[0]
        return CreatorSettings(creator_id, r["currency"], r["timezone"], r["whale_threshold_cents"])

    async def save_creator_settings(self, s: CreatorSettings, now: datetime) -> None:
        conn = await self._tx.driver()
        await conn.execute(
            "INSERT INTO creator_settings (creator_id, currency, timezone, whale_threshold_cents, updated_at) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (creator_id) DO UPDATE SET currency = excluded.currency, "
            "timezone = excluded.timezone, whale_threshold_cents = excluded.whale_threshold_cents, "
            "updated_at = excluded.updated_at",
            (s.creator_id, s.currency, s.timezone, s.whale_threshold_cents, now),
        )

    async def has_transactions(self, creator_id: uuid.UUID) -> bool:
        rows = await self._rows("SELECT 1 AS one FROM transactions WHERE creator_id = %s LIMIT 1", (creator_id,))
        return bool(rows)

    # fans -------------------------------------------------------------------------------------------
    async def search_fans(
        self,
        creator_id: uuid.UUID,
        f: FanFilter,
        *,
        sort: FanSort,
        after: tuple[Any, uuid.UUID] | None,
        limit: int,
    ) -> list[dict[str, Any]]:
        expression, direction = _SORTS[sort]
        where = [sql.SQL("creator_id = %(creator)s")]
        params: dict[str, Any] = {"creator": creator_id, "limit": limit}
        if f.segment is not None:
            where.append(sql.SQL("segments @> ARRAY[%(segment)s]::text[]"))
            params["segment"] = f.segment
        if f.tag is not None:
            where.append(sql.SQL("tags @> ARRAY[%(tag)s]::text[]"))
            params["tag"] = f.tag
        if f.q:
            where.append(
                sql.SQL("(lower(display_name) LIKE %(q)s ESCAPE '\\' OR lower(external_id) LIKE %(q)s ESCAPE '\\')")
            )
            params["q"] = _like(f.q)
        if f.min_spend_cents is not None:
            where.append(sql.SQL("net_cents >= %(min_spend)s"))
            params["min_spend"] = f.min_spend_cents
        if f.subscription is not None:
            where.append(sql.SQL("sub_status = %(sub)s"))
            params["sub"] = f.subscription
        if after is not None:
            op = "<" if direction == "DESC" else ">"
            where.append(sql.SQL(f"({expression}, id) {op} (%(after_value)s, %(after_id)s)"))
            params["after_value"], params["after_id"] = after
        query = sql.SQL(
            "SELECT {columns}, {expression} AS sort_value FROM fans WHERE {where} "
            "ORDER BY {expression} {direction}, id {direction} LIMIT %(limit)s"
        ).format(
            columns=sql.SQL(_FAN_COLUMNS),
            expression=sql.SQL(expression),
            where=sql.SQL(" AND ").join(where),
            direction=sql.SQL(direction),
        )
        return await self._rows(query, params)

    async def fan_row(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> dict[str, Any] | None:
        rows = await self._rows(
            f"SELECT {_FAN_COLUMNS} FROM fans WHERE id = %s AND creator_id = %s", (fan_id, creator_id)
        )
        return rows[0] if rows else None

    async def set_preferences(self, fan_id: uuid.UUID, changes: dict[str, str | None], now: datetime) -> None:
        """Merges ``changes`` into the fan's preferences; a None value removes the key."""
        conn = await self._tx.driver()
        removed = [k for k, v in changes.items() if v is None]
        kept = {k: v for k, v in changes.items() if v is not None}
        await conn.execute(
            "UPDATE fans SET preferences = (preferences || %s::jsonb) - %s::text[], updated_at = %s WHERE id = %s",
            (json.dumps(kept), removed, now, fan_id),
        )

    # notes ------------------------------------------------------------------------------------------
    async def add_note(self, note: Note) -> None:
        conn = await self._tx.driver()
        await conn.execute(
            "INSERT INTO fan_notes (id, creator_id, fan_id, author_id, text, created_at) VALUES (%s, %s, %s, %s, %s, %s)",
            (note.id, note.creator_id, note.fan_id, note.author_id, note.text, note.created_at),
        )

    async def notes(self, fan_id: uuid.UUID, limit: int | None = 100) -> list[Note]:
        rows = await self._rows(
            "SELECT id, creator_id, fan_id, author_id, text, created_at FROM fan_notes WHERE fan_id = %s "
            "ORDER BY created_at DESC, id DESC LIMIT %s",
            (fan_id, limit),
        )
        return [Note(**r) for r in rows]

    # custom segments --------------------------------------------------------------------------------
    async def custom_segments(self, creator_id: uuid.UUID) -> list[CustomSegment]:
        rows = await self._rows(
            "SELECT id, creator_id, name, filter, created_at FROM custom_segments WHERE creator_id = %s "
            "ORDER BY created_at, id",
            (creator_id,),
        )
        return [_segment(r) for r in rows]

    async def add_custom_segment(self, segment: CustomSegment, created_by: uuid.UUID | None) -> None:
        conn = await self._tx.driver()
        f = segment.filter
        body = {k: getattr(f, k) for k in ("segment", "tag", "q", "min_spend_cents", "subscription")}
        try:
            async with conn.transaction():  # a savepoint: a name clash must not poison the transaction
                await conn.execute(
                    "INSERT INTO custom_segments (id, creator_id, name, filter, created_by, created_at) "
                    "VALUES (%s, %s, %s, %s, %s, %s)",
                    (segment.id, segment.creator_id, segment.name, json.dumps(body), created_by, segment.created_at),
                )
        except UniqueViolation:
            raise SegmentNameTaken(segment.name) from None

    async def delete_custom_segment(self, creator_id: uuid.UUID, segment_id: uuid.UUID) -> bool:
        rows = await self._rows(
            "DELETE FROM custom_segments WHERE id = %s AND creator_id = %s RETURNING id", (segment_id, creator_id)
        )
        return bool(rows)

    async def segment_counts(self, creator_id: uuid.UUID) -> dict[str, int]:
        rows = await self._rows(
            "SELECT s AS segment, count(*) AS n FROM fans, unnest(segments) AS s WHERE creator_id = %s GROUP BY s",
            (creator_id,),
        )
        return {r["segment"]: r["n"] for r in rows}

    async def total_fans(self, creator_id: uuid.UUID) -> int:
        rows = await self._rows("SELECT count(*) AS n FROM fans WHERE creator_id = %s", (creator_id,))
        return int(rows[0]["n"])

    async def fans_in_segment(self, creator_id: uuid.UUID, segment: str) -> list[uuid.UUID]:
        rows = await self._rows(
            "SELECT id FROM fans WHERE creator_id = %s AND segments @> ARRAY[%s]::text[]", (creator_id, segment)
        )
        return [r["id"] for r in rows]


def filter_json(f: FanFilter) -> dict[str, Any]:
    return {
        k: v for k in ("segment", "tag", "q", "min_spend_cents", "subscription") if (v := getattr(f, k)) is not None
    }


__all__: Sequence[str] = ("Crm", "filter_json")
