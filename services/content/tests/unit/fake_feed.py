"""Feed tokens, calendar entries and imports in memory, with the SQL adapter's semantics (scoped to
the creator; an import row's identity live at most once)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from content.feed import Feed
from content.feed_ports import Entry, ImportRecord, ImportRow

LIVE = ("created", "requested")


class FakeFeed:
    def __init__(self) -> None:
        self.feeds: dict[tuple[uuid.UUID, uuid.UUID], tuple[bytes, Feed]] = {}
        self.entries: dict[tuple[uuid.UUID, uuid.UUID], Entry] = {}
        self.entry_details: dict[tuple[uuid.UUID, uuid.UUID], dict[str, Any]] = {}
        self.imports: dict[uuid.UUID, ImportRecord] = {}
        self.rows: dict[uuid.UUID, dict[int, tuple[uuid.UUID, ImportRow]]] = {}

    # feed tokens
    async def put_feed(self, creator_id: uuid.UUID, user_id: uuid.UUID, digest: bytes, now: datetime) -> None:
        self.feeds[(creator_id, user_id)] = (digest, Feed(creator_id, user_id, now, None))

    async def feed(self, creator_id: uuid.UUID, user_id: uuid.UUID) -> Feed | None:
        found = self.feeds.get((creator_id, user_id))
        return found[1] if found else None

    async def delete_feed(self, creator_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        return self.feeds.pop((creator_id, user_id), None) is not None

    async def feed_by_digest(self, digest: bytes) -> Feed | None:
        return next((f for d, f in self.feeds.values() if d == digest), None)

    async def feed_used(self, creator_id: uuid.UUID, user_id: uuid.UUID, now: datetime, every_s: float) -> None:
        digest, feed = self.feeds[(creator_id, user_id)]
        if feed.last_used_at is None or feed.last_used_at < now - timedelta(seconds=every_s):
            self.feeds[(creator_id, user_id)] = (digest, replace(feed, last_used_at=now))

    # the read model
    async def entries_between(
        self, creator_id: uuid.UUID, start: datetime, end: datetime, kinds: Sequence[str] | None, limit: int
    ) -> list[Entry]:
        found = [
            e
            for (c, _), e in self.entries.items()
            if c == creator_id
            and e.starts_at < end
            and (e.ends_at or e.starts_at) >= start
            and (not kinds or e.kind in kinds)
        ]
        return sorted(found, key=lambda e: (e.starts_at, e.entry_id))[:limit]

    async def add_planned_drop(
        self, creator_id: uuid.UUID, entry: Entry, details: dict[str, Any], now: datetime
    ) -> bool:
        key = (creator_id, entry.entry_id)
        if key in self.entries:
            return False
        self.entries[key] = replace(entry, details=details, updated_at=now)
        return True

    # imports
    async def add_import(self, record: ImportRecord) -> None:
        self.imports[record.id] = record
        self.rows[record.id] = {}

    def _live(self, creator_id: uuid.UUID, row_id: uuid.UUID | None) -> bool:
        return any(
            c == creator_id and r.row_id == row_id and r.status in LIVE
            for rows in self.rows.values()
            for c, r in rows.values()
        )

    async def add_import_rows(
        self, creator_id: uuid.UUID, import_id: uuid.UUID, rows: Sequence[ImportRow], now: datetime
    ) -> set[int]:
        live: set[int] = set()
        for row in rows:
            if row.status in LIVE and self._live(creator_id, row.row_id):
                row = ImportRow(row.line, "duplicate", row.kind, row.row_id, "imported before")
            elif row.status in LIVE:
                live.add(row.line)
            self.rows[import_id][row.line] = (creator_id, row)
        return live

    async def get_import(self, creator_id: uuid.UUID, import_id: uuid.UUID) -> ImportRecord | None:
        record = self.imports.get(import_id)
        return record if record is not None and record.creator_id == creator_id else None

    async def import_rows(self, import_id: uuid.UUID) -> list[ImportRow]:
        return [r for _, (_, r) in sorted(self.rows.get(import_id, {}).items())]

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
        changed = 0
        for rows in self.rows.values():
            for line, (c, r) in list(rows.items()):
                if c == creator_id and r.row_id == row_id and r.status == "requested":
                    rows[line] = (c, replace(r, status=status, post_id=post_id, error=error))
                    changed += 1
        return changed
