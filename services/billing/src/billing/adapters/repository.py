"""The billing repository on PostgreSQL (its own database)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from huntaze_service.db import Transaction

from ..domain import FanSeen, Note
from .orm import FanSeenRow, NoteRow


def _note(row: NoteRow) -> Note:
    return Note(id=row.id, creator_id=row.creator_id, text=row.text, created_at=row.created_at)


def _fan(row: FanSeenRow) -> FanSeen:
    return FanSeen(
        creator_id=row.creator_id, fan_id=row.fan_id, display_name=row.display_name, updated_at=row.updated_at
    )


class SqlBillingRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def add_note(self, note: Note) -> None:
        self._tx.session.add(NoteRow(id=note.id, creator_id=note.creator_id, text=note.text, created_at=note.created_at))

    async def get_note(self, creator_id: uuid.UUID, note_id: uuid.UUID) -> Note | None:
        row = await self._tx.session.get(NoteRow, note_id)
        return _note(row) if row is not None and row.creator_id == creator_id else None

    async def upsert_fan_seen(self, fan: FanSeen) -> None:
        stmt = insert(FanSeenRow).values(
            creator_id=fan.creator_id, fan_id=fan.fan_id, display_name=fan.display_name, updated_at=fan.updated_at
        )
        new = stmt.excluded
        await self._tx.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[FanSeenRow.creator_id, FanSeenRow.fan_id],
                set_={"display_name": new.display_name, "updated_at": new.updated_at},
                # updates may arrive out of order (e.g. replayed): the newest one wins
                where=FanSeenRow.updated_at <= new.updated_at,
            )
        )

    async def list_fans_seen(self, creator_id: uuid.UUID, *, limit: int) -> list[FanSeen]:
        stmt = (
            select(FanSeenRow)
            .where(FanSeenRow.creator_id == creator_id)
            .order_by(FanSeenRow.updated_at.desc(), FanSeenRow.fan_id.desc())
            .limit(limit)
        )
        return [_fan(row) for row in (await self._tx.session.scalars(stmt)).all()]
