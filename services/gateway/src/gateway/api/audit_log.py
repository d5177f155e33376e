"""The organisation's audit log, for its owners (written by :mod:`.audit`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from huntaze_service import RuntimeDep

from ..records import AuditEntry
from .audit import AuditedRoute
from .deps import Authorized

router = APIRouter(prefix="/v1", tags=["organisation"], route_class=AuditedRoute)


# audit log ---------------------------------------------------------------------------------------


class AuditOut(BaseModel):
    id: int
    at: datetime
    actor_user_id: uuid.UUID | None
    actor_key_id: uuid.UUID | None
    actor_role: str
    creator_id: uuid.UUID | None
    action: str
    target: str
    request_id: uuid.UUID | None
    status: int | None
    """The answer's status; null: unknown (the gateway stopped before the answer)."""


class AuditPage(BaseModel):
    items: list[AuditOut]
    next_before: int | None
    """Pass as ``before`` for the next (older) page; null at the end."""


def _entry(e: AuditEntry) -> AuditOut:
    assert e.id is not None
    return AuditOut(
        id=e.id, at=e.at, actor_user_id=e.actor_user_id, actor_key_id=e.actor_key_id, actor_role=e.actor_role,
        creator_id=e.creator_id, action=e.action, target=e.target, request_id=e.request_id, status=e.status,
    )  # fmt: skip


@router.get("/org/audit", response_model=AuditPage)
async def audit(
    runtime: RuntimeDep,
    access: Authorized,
    before: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AuditPage:
    """Staff actions of the organisation, newest first (append-only)."""
    async with runtime.uow() as uow:
        entries = await uow.repo.audit(access.org_id, before, limit)  # type: ignore[arg-type]
    return AuditPage(items=[_entry(e) for e in entries], next_before=entries[-1].id if len(entries) == limit else None)
