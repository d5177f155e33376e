"""HTTP API of the in-app notices (``/v1/notifications``): the caller's list with read marks, marking
read, and which kinds they want. Everything is the caller's own view of their creator account."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from huntaze_service import CurrentCaller, RuntimeDep
from huntaze_service.pagination import Cursor, Limit, decode_time_id_cursor, encode_cursor

from . import notices
from .domain import KINDS, Notice

router = APIRouter(prefix="/v1/notifications", tags=["notifications"])


class NoticeOut(BaseModel):
    notification_id: uuid.UUID
    kind: str
    title: str
    body: str
    data: dict[str, Any]
    created_at: datetime
    read: bool
    for_you: bool = Field(description="Addressed to you alone (e.g. a whale to answer), not to the team.")

    @classmethod
    def of(cls, n: Notice) -> NoticeOut:
        return cls(notification_id=n.id, kind=n.kind, title=n.title, body=n.body, data=n.data,
                   created_at=n.created_at, read=n.read, for_you=n.user_id is not None)  # fmt: skip


class NoticesOut(BaseModel):
    items: list[NoticeOut]
    unread: int = Field(description="Unread notifications you see, in all pages.")
    next_cursor: str | None


class ReadAllOut(BaseModel):
    marked: int


class PreferencesOut(BaseModel):
    kinds: dict[str, bool] = Field(description="Each kind your role sees: true shows it, false mutes it.")
    descriptions: dict[str, str]


class PreferencesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kinds: dict[str, bool] = Field(max_length=len(KINDS) + 5)


def _preferences(kinds: dict[str, bool]) -> PreferencesOut:
    return PreferencesOut(kinds=kinds, descriptions={k: KINDS[k].description for k in kinds})


@router.get("", response_model=NoticesOut)
async def list_notifications(runtime: RuntimeDep, caller: CurrentCaller, unread_only: bool = False,
                             limit: Limit = 50, cursor: Cursor = None) -> NoticesOut:  # fmt: skip
    before = decode_time_id_cursor(cursor)
    async with runtime.uow() as uow:
        items, unread = await notices.page(uow, caller, unread_only=unread_only, limit=limit, before=before)
    last = items[-1] if len(items) == limit else None
    return NoticesOut(items=[NoticeOut.of(n) for n in items], unread=unread,
                      next_cursor=encode_cursor(last.created_at, last.id) if last else None)  # fmt: skip


@router.post("/read-all", response_model=ReadAllOut)
async def read_all(runtime: RuntimeDep, caller: CurrentCaller) -> ReadAllOut:
    async with runtime.uow() as uow:
        return ReadAllOut(marked=await notices.mark_all_read(uow, caller))


@router.get("/preferences", response_model=PreferencesOut)
async def get_preferences(runtime: RuntimeDep, caller: CurrentCaller) -> PreferencesOut:
    async with runtime.uow() as uow:
        return _preferences(await notices.preferences(uow, caller))


@router.put("/preferences", response_model=PreferencesOut)
async def put_preferences(body: PreferencesIn, runtime: RuntimeDep, caller: CurrentCaller) -> PreferencesOut:
    async with runtime.uow() as uow:
        return _preferences(await notices.set_preferences(uow, caller, body.kinds))


@router.post("/{notification_id}/read", status_code=204)
async def read_one(notification_id: uuid.UUID, runtime: RuntimeDep, caller: CurrentCaller) -> None:
    async with runtime.uow() as uow:
        await notices.mark_read(uow, caller, notification_id)
