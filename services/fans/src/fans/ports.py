"""What the fans use cases need from storage (the SQL adapter implements it; unit tests use a fake).

The repository is one object made of parts, one per concern, each in its own adapter module:
fan activity (messages), fan state locked for update, the transaction ledger, the CRM's reads and
small writes, and statement imports.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from .crm import CreatorSettings, FanSort, Note
from .domain import ActivityDelta, Fan
from .imports import ImportRecord, StagedRow
from .ledger import NewTransaction
from .profile import FanIdentity, FanState
from .segments import CustomSegment, FanFilter


class FansRepository(Protocol):
    # activity (message.received) ----------------------------------------------------------------
    async def apply_activity(self, deltas: Sequence[ActivityDelta], now: datetime) -> list[Fan]:
        """Adds each delta to its fan's profile (creating it), in one statement; returns the
        profiles as they now are. Raises FanOfAnotherCreator when a fan id belongs to another creator."""
        ...

    async def get_fan(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> Fan | None: ...

    # fan state, locked for the transaction --------------------------------------------------------
    async def lock_creator(self, creator_id: uuid.UUID) -> None: ...

    async def lock_fans(
        self, creator_id: uuid.UUID, identities: Sequence[FanIdentity], now: datetime
    ) -> dict[uuid.UUID, FanState]: ...

    async def lock_existing(self, creator_id: uuid.UUID, fan_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, FanState]: ...

    async def creator_fan_ids(
        self, creator_id: uuid.UUID, *, after: uuid.UUID | None, limit: int
    ) -> list[uuid.UUID]: ...

    async def save_fans(self, states: Sequence[FanState], now: datetime, *, tags: bool = False) -> None: ...

    # ledger ---------------------------------------------------------------------------------------
    async def known_external_ids(self, creator_id: uuid.UUID, external_ids: Sequence[str]) -> set[str]: ...

    async def match_slots(
        self, creator_id: uuid.UUID, keys: Sequence[str]
    ) -> dict[str, tuple[int, list[uuid.UUID]]]: ...

    async def taken_matches(
        self, creator_id: uuid.UUID, keys: Sequence[str], ns: Sequence[int]
    ) -> set[tuple[str, int]]: ...

    async def claim(self, claims: Sequence[tuple[uuid.UUID, str, str | None, str | None]]) -> None: ...

    async def insert_transactions(
        self, creator_id: uuid.UUID, txs: Sequence[NewTransaction], now: datetime
    ) -> None: ...

    async def add_spend(self, txs: Sequence[NewTransaction]) -> None: ...

    async def spend_by_type(self, fan_id: uuid.UUID) -> list[dict[str, Any]]: ...

    async def latest_transactions(self, fan_id: uuid.UUID, limit: int | None) -> list[dict[str, Any]]:
        """Newest first; ``limit=None``: all of them."""
        ...

    # CRM ------------------------------------------------------------------------------------------
    async def creator_settings(self, creator_id: uuid.UUID) -> CreatorSettings: ...

    async def save_creator_settings(self, s: CreatorSettings, now: datetime) -> None: ...

    async def has_transactions(self, creator_id: uuid.UUID) -> bool: ...

    async def search_fans(
        self, creator_id: uuid.UUID, f: FanFilter, *, sort: FanSort, after: tuple[Any, uuid.UUID] | None, limit: int
    ) -> list[dict[str, Any]]: ...

    async def fan_row(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> dict[str, Any] | None: ...

    async def set_preferences(self, fan_id: uuid.UUID, changes: dict[str, str | None], now: datetime) -> None: ...

    async def add_note(self, note: Note) -> None: ...

    async def notes(self, fan_id: uuid.UUID, limit: int | None = 100) -> list[Note]: ...

    async def custom_segments(self, creator_id: uuid.UUID) -> list[CustomSegment]: ...

    async def add_custom_segment(self, segment: CustomSegment, created_by: uuid.UUID | None) -> None: ...

    async def delete_custom_segment(self, creator_id: uuid.UUID, segment_id: uuid.UUID) -> bool: ...

    async def segment_counts(self, creator_id: uuid.UUID) -> dict[str, int]: ...

    async def total_fans(self, creator_id: uuid.UUID) -> int: ...

    async def fans_in_segment(self, creator_id: uuid.UUID, segment: str) -> list[uuid.UUID]: ...

    # statement imports ----------------------------------------------------------------------------
    async def add_import(self, record: ImportRecord, created_by: uuid.UUID | None) -> None: ...

    async def stage_rows(self, import_id: uuid.UUID, rows: Sequence[StagedRow]) -> None: ...

    async def add_rejections(self, import_id: uuid.UUID, rejections: Sequence[tuple[int, str]]) -> None: ...

    async def finish_staging(self, import_id: uuid.UUID, rows_total: int, rejected: int, now: datetime) -> None: ...

    async def next_rows(self, import_id: uuid.UUID, limit: int) -> list[StagedRow]: ...

    async def drop_rows(self, import_id: uuid.UUID, line_nos: Sequence[int]) -> None: ...

    async def progress(
        self, import_id: uuid.UUID, *, processed: int, imported: int, duplicate: int, done: bool, now: datetime
    ) -> None: ...

    async def get_import(self, creator_id: uuid.UUID, import_id: uuid.UUID) -> ImportRecord | None: ...

    async def rejections(self, import_id: uuid.UUID, limit: int) -> list[dict[str, Any]]: ...

    async def fail_import(self, import_id: uuid.UUID, error: str, now: datetime) -> None:
        """Ends a running import as failed (its staged rows are dropped; what was applied stays)."""
        ...

    # erasure (fans.erasure) -----------------------------------------------------------------------
    async def erase_fan(self, fan: FanState, *, forget: tuple[str, str], now: datetime) -> None:
        """Writes the anonymised identity of ``fan`` (placeholders, ``erased_at``/``erased_by`` as
        the state says; tags and preferences emptied), deletes its notes, puts the placeholders in
        the staged rows of running imports naming ``forget``'s username, cuts ``forget`` (username,
        name) out of the creator's rejection reasons, and drops the fan's published outbox rows."""
        ...
