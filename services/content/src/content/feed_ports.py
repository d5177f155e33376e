"""What the feed, the export and the import need from storage (the SQL adapter and the unit tests'
fake implement it). Entries are the calendar read model's rows (``calendar_entries``), read only here
but for the drops an import plans."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from .feed import Feed


@dataclass(frozen=True)
class Entry:
    """One calendar entry as the read model holds it."""

    entry_id: uuid.UUID
    kind: str
    source: str
    title: str
    starts_at: datetime
    status: str
    ends_at: datetime | None = None
    network: str | None = None
    segments: tuple[str, ...] = ()
    media_ids: tuple[uuid.UUID, ...] = ()
    link: str = ""
    result_cents: int | None = None
    currency: str | None = None
    revision: int = 1
    pending_starts_at: datetime | None = None
    details: dict[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None


@dataclass(frozen=True)
class ImportRecord:
    id: uuid.UUID
    creator_id: uuid.UUID
    created_by: uuid.UUID
    format: str
    rows_total: int
    created_at: datetime


@dataclass(frozen=True)
class ImportRow:
    """One line of an import as reported. ``row_id`` is the row's identity (uuid5): the drop's entry
    id, or the post request's command id."""

    line: int
    status: str
    kind: str | None = None
    row_id: uuid.UUID | None = None
    error: str | None = None
    post_id: uuid.UUID | None = None


class FeedRepository(Protocol):
    # feed tokens ----------------------------------------------------------------------------------
    async def put_feed(self, creator_id: uuid.UUID, user_id: uuid.UUID, digest: bytes, now: datetime) -> None:
        """Stores the (creator, user)'s feed token digest, replacing any previous one."""
        ...

    async def feed(self, creator_id: uuid.UUID, user_id: uuid.UUID) -> Feed | None: ...

    async def delete_feed(self, creator_id: uuid.UUID, user_id: uuid.UUID) -> bool: ...

    async def feed_by_digest(self, digest: bytes) -> Feed | None: ...

    async def feed_used(self, creator_id: uuid.UUID, user_id: uuid.UUID, now: datetime, every_s: float) -> None:
        """Sets last_used_at to now unless it was set less than ``every_s`` seconds ago."""
        ...

    # the read model (calendar_entries) --------------------------------------------------------------
    async def entries_between(
        self, creator_id: uuid.UUID, start: datetime, end: datetime, kinds: Sequence[str] | None, limit: int
    ) -> list[Entry]:
        """Entries starting in [start, end) (or spanning into it), earliest first, at most ``limit``."""
        ...

    async def add_planned_drop(
        self, creator_id: uuid.UUID, entry: Entry, details: dict[str, Any], now: datetime
    ) -> bool:
        """Inserts a drop planned by the content service itself; False if the entry exists."""
        ...

    # imports ----------------------------------------------------------------------------------------
    async def add_import(self, record: ImportRecord) -> None: ...

    async def add_import_rows(
        self, creator_id: uuid.UUID, import_id: uuid.UUID, rows: Sequence[ImportRow], now: datetime
    ) -> set[int]:
        """Stores the rows; a ``created``/``requested`` row whose identity is already live (in this
        or an earlier import) is stored as ``duplicate`` instead. Returns the lines stored live."""
        ...

    async def get_import(self, creator_id: uuid.UUID, import_id: uuid.UUID) -> ImportRecord | None: ...

    async def import_rows(self, import_id: uuid.UUID) -> list[ImportRow]: ...

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
        """The ``requested`` row of this identity → ``status``; how many rows changed (0 or 1)."""
        ...
