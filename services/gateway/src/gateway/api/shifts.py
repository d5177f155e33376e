"""Chatter shifts: which member is on duty for which creator accounts, when."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from huntaze_service import ApiError, RuntimeDep

from .. import handlers
from ..domain import Conflict, NotFound
from ..records import Shift
from .audit import AuditedRoute
from .deps import MAX_SCOPE, Authorized, refused

router = APIRouter(prefix="/v1", tags=["organisation"], route_class=AuditedRoute)


# shifts ------------------------------------------------------------------------------------------


class ShiftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: uuid.UUID
    creator_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_SCOPE)
    starts_at: AwareDatetime
    ends_at: AwareDatetime


class ShiftOut(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    creator_ids: list[uuid.UUID]
    starts_at: datetime
    ends_at: datetime
    created_by: uuid.UUID


def _shift(s: Shift) -> ShiftOut:
    return ShiftOut(
        id=s.id,
        user_id=s.user_id,
        creator_ids=list(s.creator_ids),
        starts_at=s.starts_at,
        ends_at=s.ends_at,
        created_by=s.created_by,
    )


@router.post("/org/shifts", status_code=201, response_model=ShiftOut)
async def schedule_shift(body: ShiftIn, runtime: RuntimeDep, access: Authorized) -> ShiftOut:
    """A chatter's (or manager's) shift on some creator accounts: who is on duty when."""
    async with runtime.uow() as uow:
        try:
            shift = await handlers.schedule_shift(
                uow, access, body.user_id, body.creator_ids, body.starts_at, body.ends_at
            )
        except (NotFound, Conflict, ValueError) as exc:
            raise refused(exc) from None
    runtime.state["access_cache"].forget_shifts(shift.user_id)  # on duty at once (other replicas: soon)
    return _shift(shift)


@router.get("/org/shifts", response_model=list[ShiftOut])
async def list_shifts(
    runtime: RuntimeDep,
    access: Authorized,
    start: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    end: Annotated[AwareDatetime | None, Query(alias="to")] = None,
) -> list[ShiftOut]:
    """Shifts overlapping [from, to) (default: the coming 7 days); a chatter sees their own only."""
    now = datetime.now(UTC)
    start = start or now
    end = end or start + timedelta(days=7)
    if end <= start or end - start > timedelta(days=92):
        raise ApiError(422, "'to' must be after 'from', within 92 days", "invalid")
    async with runtime.uow() as uow:
        shifts = await uow.repo.shifts(access.org_id, start, end)  # type: ignore[arg-type]
    if access.role == "chatter":
        shifts = [s for s in shifts if s.user_id == access.user_id]
    return [_shift(s) for s in shifts]


@router.delete("/org/shifts/{shift_id}", status_code=204)
async def delete_shift(shift_id: uuid.UUID, runtime: RuntimeDep, access: Authorized) -> Response:
    # shift.cancelled goes out to every creator account it covered (handlers.cancel_shift)
    try:
        async with runtime.uow() as uow:
            await handlers.cancel_shift(uow, access, shift_id)
    except NotFound as exc:
        raise refused(exc) from None
    finally:  # also on 404: another replica may have deleted what this one still holds
        runtime.state["access_cache"].forget_shift(shift_id)
    return Response(status_code=204)
