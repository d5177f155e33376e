"""HTTP API of the billing service (reached through the gateway, whose internal token names the caller)."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from huntaze_service import CreatorId, RuntimeDep, not_found
from huntaze_service.pagination import Limit

from . import handlers
from .domain import MAX_NOTE_CHARS, FanSeen, Note

router = APIRouter(prefix="/v1/billing", tags=["billing"])


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    text: str = Field(min_length=1, max_length=MAX_NOTE_CHARS)


class NoteOut(BaseModel):
    note_id: uuid.UUID
    text: str
    created_at: datetime

    @classmethod
    def of(cls, note: Note) -> NoteOut:
        return cls(note_id=note.id, text=note.text, created_at=note.created_at)


class FanSeenOut(BaseModel):
    fan_id: uuid.UUID
    display_name: str
    updated_at: datetime

    @classmethod
    def of(cls, fan: FanSeen) -> FanSeenOut:
        return cls(fan_id=fan.fan_id, display_name=fan.display_name, updated_at=fan.updated_at)


class FanSeenPage(BaseModel):
    items: list[FanSeenOut]


@router.post("/notes", status_code=201, response_model=NoteOut)
async def create_note(body: NoteIn, runtime: RuntimeDep, creator_id: CreatorId) -> NoteOut:
    async with runtime.uow() as uow:
        note = await handlers.create_note(uow, creator_id, body.text)
    return NoteOut.of(note)


@router.get("/notes/{note_id}", response_model=NoteOut)
async def get_note(note_id: uuid.UUID, runtime: RuntimeDep, creator_id: CreatorId) -> NoteOut:
    async with runtime.uow() as uow:
        note = await handlers.get_note(uow, creator_id, note_id)
    if note is None:
        raise not_found("note")
    return NoteOut.of(note)


@router.get("/fans-seen", response_model=FanSeenPage)
async def list_fans_seen(runtime: RuntimeDep, creator_id: CreatorId, limit: Limit = 50) -> FanSeenPage:
    async with runtime.uow() as uow:
        fans = await handlers.list_fans_seen(uow, creator_id, limit=limit)
    return FanSeenPage(items=[FanSeenOut.of(f) for f in fans])
