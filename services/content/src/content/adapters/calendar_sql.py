"""The calendar tables on PostgreSQL (plain SQL on the unit of work's connection): the entries of
every kind, the unlocks of mass messages' copies (their result) and the clicks per hour (best hours).
Every read is scoped to the creator."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from huntaze_service.db import PlainSql

from ..calendar import Entry

_COLUMNS = (
    "creator_id, entry_id, kind, source, title, starts_at, ends_at, status, link, network, segments, media_ids, "
    "result_cents, currency, revision, pending_command_id, pending_starts_at, details, final, event_at, updated_at"
)
_UPDATED = [c.strip() for c in _COLUMNS.split(",")][2:]


def _entry(row: Any) -> Entry:
    return Entry(
        creator_id=row[0],
        entry_id=row[1],
        kind=row[2],
        source=row[3],
        title=row[4],
        starts_at=row[5],
        ends_at=row[6],
        status=row[7],
        link=row[8],
        network=row[9],
        segments=tuple(row[10] or ()),
        media_ids=tuple(row[11] or ()),
        result_cents=None if row[12] is None else int(row[12]),
        currency=row[13],
        revision=row[14],
        pending_command_id=row[15],
        pending_starts_at=row[16],
        details=row[17] or {},
        final=row[18],
        event_at=row[19],
        updated_at=row[20],
    )


class SqlCalendarRepository(PlainSql):
    async def lock_calendar_entry(self, creator_id: uuid.UUID, entry_id: uuid.UUID) -> None:
        await self._rows(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"calendar:{creator_id}:{entry_id}",)
        )

    async def calendar_entry(self, creator_id: uuid.UUID, entry_id: uuid.UUID, *, lock: bool = False) -> Entry | None:
        rows = await self._rows(
            f"SELECT {_COLUMNS} FROM calendar_entries WHERE creator_id = %s AND entry_id = %s"
            + (" FOR UPDATE" if lock else ""),
            (creator_id, entry_id),
        )
        return _entry(rows[0]) if rows else None

    async def save_calendar_entry(self, entry: Entry, now: datetime) -> None:
        e = entry
        await self._rows(
            f"INSERT INTO calendar_entries ({_COLUMNS}) VALUES ({', '.join(['%s'] * 21)}) "
            "ON CONFLICT (creator_id, entry_id) DO UPDATE SET "
            + ", ".join(f"{c} = EXCLUDED.{c}" for c in _UPDATED),
            (e.creator_id, e.entry_id, e.kind, e.source, e.title, e.starts_at, e.ends_at, e.status, e.link, e.network,
             list(e.segments), list(e.media_ids), e.result_cents, e.currency, e.revision, e.pending_command_id,
             e.pending_starts_at, Jsonb(dict(e.details)), e.final, e.event_at, now),
        )  # fmt: skip

    async def calendar_window(self, creator_id: uuid.UUID, start: datetime, end: datetime) -> list[Entry]:
        rows = await self._rows(
            f"SELECT {_COLUMNS} FROM calendar_entries WHERE creator_id = %(c)s AND starts_at >= %(s)s "
            "AND starts_at < %(e)s "
            f"UNION ALL SELECT {_COLUMNS} FROM calendar_entries WHERE creator_id = %(c)s AND ends_at IS NOT NULL "
            "AND ends_at > %(s)s AND starts_at < %(s)s "
            "ORDER BY starts_at, entry_id",
            {"c": creator_id, "s": start, "e": end},
        )
        return [_entry(r) for r in rows]

    async def add_calendar_mass_unlock(
        self, creator_id: uuid.UUID, offer_id: uuid.UUID, mass_message_id: uuid.UUID, net_cents: int, currency: str
    ) -> bool:
        rows = await self._rows(
            "INSERT INTO calendar_mass_unlocks (creator_id, offer_id, mass_message_id, net_cents, currency) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING offer_id",
            (creator_id, offer_id, mass_message_id, net_cents, currency),
        )
        return bool(rows)

    async def calendar_mass_unlocked(self, creator_id: uuid.UUID, mass_message_id: uuid.UUID, currency: str) -> int:
        rows = await self._rows(
            "SELECT coalesce(sum(net_cents), 0) FROM calendar_mass_unlocks "
            "WHERE creator_id = %s AND mass_message_id = %s AND currency = %s",
            (creator_id, mass_message_id, currency),
        )
        return int(rows[0][0])

    async def count_calendar_click(self, creator_id: uuid.UUID, network: str, hour: int) -> None:
        await self._rows(
            "INSERT INTO calendar_click_hours (creator_id, network, hour, clicks) VALUES (%s, %s, %s, 1) "
            "ON CONFLICT (creator_id, network, hour) DO UPDATE SET clicks = calendar_click_hours.clicks + 1",
            (creator_id, network, hour),
        )

    async def calendar_click_hours(self, creator_id: uuid.UUID) -> dict[str, dict[int, int]]:
        rows = await self._rows(
            "SELECT network, hour, clicks FROM calendar_click_hours WHERE creator_id = %s", (creator_id,)
        )
        out: dict[str, dict[int, int]] = {}
        for network, hour, clicks in rows:
            out.setdefault(network, {})[int(hour)] = int(clicks)
        return out
