"""Feed tokens, calendar imports and the reads of the calendar read model they need, on PostgreSQL
(plain SQL on the unit of work's connection). Every read is scoped to the creator but the feed's
look-up by token digest (the token is the credential)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from psycopg.types.json import Jsonb

from huntaze_service.db import PlainSql

from ..feed import Feed
from ..feed_ports import Entry, ImportRecord, ImportRow

_ENTRY = (
    "entry_id, kind, source, title, starts_at, status, ends_at, network, segments, media_ids, link, "
    "result_cents, currency, revision, pending_starts_at, details, updated_at"
)
_ROW = "line, status, kind, row_id, error, post_id"
LIVE = ("created", "requested")


def _entry(r: Any) -> Entry:
    return Entry(
        entry_id=r[0], kind=r[1], source=r[2], title=r[3] or "", starts_at=r[4], status=r[5], ends_at=r[6],
        network=r[7], segments=tuple(r[8] or ()), media_ids=tuple(r[9] or ()), link=r[10] or "",
        result_cents=None if r[11] is None else int(r[11]), currency=r[12], revision=int(r[13] or 1),
        pending_starts_at=r[14], details=dict(r[15] or {}), updated_at=r[16],
    )  # fmt: skip


class SqlFeedRepository(PlainSql):
    # feed tokens ----------------------------------------------------------------------------------
    async def put_feed(self, creator_id: uuid.UUID, user_id: uuid.UUID, digest: bytes, now: datetime) -> None:
        await self._rows(
            "INSERT INTO calendar_feeds (creator_id, user_id, token_sha256, created_at) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (creator_id, user_id) DO UPDATE SET token_sha256 = EXCLUDED.token_sha256, "
            "created_at = EXCLUDED.created_at, last_used_at = NULL",
            (creator_id, user_id, digest, now),
        )

    async def feed(self, creator_id: uuid.UUID, user_id: uuid.UUID) -> Feed | None:
        rows = await self._rows(
            "SELECT creator_id, user_id, created_at, last_used_at FROM calendar_feeds "
            "WHERE creator_id = %s AND user_id = %s",
            (creator_id, user_id),
        )
        return Feed(*rows[0]) if rows else None

    async def delete_feed(self, creator_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        rows = await self._rows(
            "DELETE FROM calendar_feeds WHERE creator_id = %s AND user_id = %s RETURNING 1", (creator_id, user_id)
        )
        return bool(rows)

    async def feed_by_digest(self, digest: bytes) -> Feed | None:
        rows = await self._rows(
            "SELECT creator_id, user_id, created_at, last_used_at FROM calendar_feeds WHERE token_sha256 = %s",
            (digest,),
        )
        return Feed(*rows[0]) if rows else None

    async def feed_used(self, creator_id: uuid.UUID, user_id: uuid.UUID, now: datetime, every_s: float) -> None:
        await self._rows(
            "UPDATE calendar_feeds SET last_used_at = %s WHERE creator_id = %s AND user_id = %s "
            "AND (last_used_at IS NULL OR last_used_at < %s)",
            (now, creator_id, user_id, now - timedelta(seconds=every_s)),
        )

    # the read model ---------------------------------------------------------------------------------
    async def entries_between(
        self, creator_id: uuid.UUID, start: datetime, end: datetime, kinds: Sequence[str] | None, limit: int
    ) -> list[Entry]:
        kind_filter = "AND kind = ANY(%s) " if kinds else ""
        params: tuple[Any, ...] = (creator_id, end, start, *((list(kinds),) if kinds else ()), limit)
        rows = await self._rows(
            f"SELECT {_ENTRY} FROM calendar_entries WHERE creator_id = %s AND starts_at < %s "
            f"AND coalesce(ends_at, starts_at) >= %s {kind_filter}ORDER BY starts_at, entry_id LIMIT %s",
            params,
        )
        return [_entry(r) for r in rows]

    async def add_planned_drop(
        self, creator_id: uuid.UUID, entry: Entry, details: dict[str, Any], now: datetime
    ) -> bool:
        e = entry
        rows = await self._rows(
            "INSERT INTO calendar_entries (creator_id, entry_id, kind, source, title, starts_at, ends_at, status, "
            "network, segments, media_ids, link, result_cents, currency, revision, pending_command_id, "
            "pending_starts_at, details, updated_at) VALUES "
            "(%s, %s, %s, %s, %s, %s, %s, %s, NULL, %s, %s, %s, NULL, NULL, %s, NULL, NULL, %s, %s) "
            "ON CONFLICT (creator_id, entry_id) DO NOTHING RETURNING 1",
            (creator_id, e.entry_id, e.kind, e.source, e.title, e.starts_at, e.ends_at, e.status, list(e.segments),
             list(e.media_ids), e.link, e.revision, Jsonb(details), now),
        )  # fmt: skip
        return bool(rows)

    # imports ----------------------------------------------------------------------------------------
    async def add_import(self, record: ImportRecord) -> None:
        r = record
        await self._rows(
            "INSERT INTO calendar_imports (id, creator_id, created_by, format, rows_total, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            (r.id, r.creator_id, r.created_by, r.format, r.rows_total, r.created_at),
        )

    async def add_import_rows(
        self, creator_id: uuid.UUID, import_id: uuid.UUID, rows: Sequence[ImportRow], now: datetime
    ) -> set[int]:
        candidates = [r for r in rows if r.status in LIVE]
        others = [r for r in rows if r.status not in LIVE]
        live: set[int] = set()
        if candidates:
            inserted = await self._rows(
                "INSERT INTO calendar_import_rows (import_id, line, creator_id, kind, row_id, status, updated_at) "
                "SELECT %s, line, %s, kind, row_id, status, %s "
                "FROM unnest(%s::int[], %s::text[], %s::uuid[], %s::text[]) AS t(line, kind, row_id, status) "
                "ON CONFLICT (creator_id, row_id) WHERE status IN ('created', 'requested') DO NOTHING RETURNING line",
                (import_id, creator_id, now, [r.line for r in candidates], [r.kind for r in candidates],
                 [r.row_id for r in candidates], [r.status for r in candidates]),
            )  # fmt: skip
            live = {int(r[0]) for r in inserted}
            others += [
                ImportRow(r.line, "duplicate", r.kind, r.row_id, "imported before")
                for r in candidates
                if r.line not in live
            ]
        if others:
            await self._rows(
                "INSERT INTO calendar_import_rows (import_id, line, creator_id, kind, row_id, status, error, updated_at) "
                "SELECT %s, line, %s, kind, row_id, status, error, %s "
                "FROM unnest(%s::int[], %s::text[], %s::uuid[], %s::text[], %s::text[]) AS t(line, kind, row_id, status, error)",
                (import_id, creator_id, now, [r.line for r in others], [r.kind for r in others],
                 [r.row_id for r in others], [r.status for r in others], [r.error for r in others]),
            )  # fmt: skip
        return live

    async def get_import(self, creator_id: uuid.UUID, import_id: uuid.UUID) -> ImportRecord | None:
        rows = await self._rows(
            "SELECT id, creator_id, created_by, format, rows_total, created_at FROM calendar_imports "
            "WHERE id = %s AND creator_id = %s",
            (import_id, creator_id),
        )
        return ImportRecord(*rows[0]) if rows else None

    async def import_rows(self, import_id: uuid.UUID) -> list[ImportRow]:
        rows = await self._rows(
            f"SELECT {_ROW} FROM calendar_import_rows WHERE import_id = %s ORDER BY line", (import_id,)
        )
        return [ImportRow(int(r[0]), r[1], r[2], r[3], r[4], r[5]) for r in rows]

    async def settle_requested(
        self,
        creator_id: uuid.UUID,
        row_id: uuid.UUID,
        status: str,
        *,
        post_id: uuid.UUID | None,
        error: str | None,
        now: datetime,
    ) -> int:
        rows = await self._rows(
            "UPDATE calendar_import_rows SET status = %s, post_id = %s, error = %s, updated_at = %s "
            "WHERE creator_id = %s AND row_id = %s AND status = 'requested' RETURNING 1",
            (status, post_id, error, now, creator_id, row_id),
        )
        return len(rows)
