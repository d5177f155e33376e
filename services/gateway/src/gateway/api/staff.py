"""An organisation's staff: invitations and members with their roles."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from huntaze_service import ApiError, RuntimeDep

from .. import handlers
from ..domain import Conflict, NotFound
from ..plans import PlanLimit
from ..records import Invitation
from .access import cache
from .audit import AuditedRoute
from .deps import MAX_SCOPE, PAYMENT_REQUIRED, Authorized, StaffRole, refused

router = APIRouter(prefix="/v1", tags=["organisation"], route_class=AuditedRoute)


# invitations and members -------------------------------------------------------------------------


class InvitationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: EmailStr
    role: StaffRole
    creator_ids: list[uuid.UUID] | None = Field(default=None, max_length=MAX_SCOPE)
    """None: every creator account of the organisation."""


class InvitationOut(BaseModel):
    id: uuid.UUID
    email: str
    role: str
    creator_ids: list[uuid.UUID] | None
    status: Literal["pending", "accepted", "revoked", "expired"]
    created_at: datetime
    expires_at: datetime


class NewInvitationOut(InvitationOut):
    token: str
    """Shown once: the invitee sends it to POST /v1/auth/accept-invitation."""


def _invitation(i: Invitation) -> InvitationOut:
    return InvitationOut(
        id=i.id,
        email=i.email,
        role=i.role,
        creator_ids=None if i.creator_ids is None else list(i.creator_ids),
        status=i.status(datetime.now(UTC)),  # type: ignore[arg-type]
        created_at=i.created_at,
        expires_at=i.expires_at,
    )


@router.post("/org/invitations", status_code=201, response_model=NewInvitationOut, responses={**PAYMENT_REQUIRED})
async def invite(body: InvitationIn, runtime: RuntimeDep, access: Authorized) -> NewInvitationOut:
    async with runtime.uow() as uow:
        try:
            inv, token = await handlers.invite(
                uow,
                access,
                str(body.email),
                body.role,
                body.creator_ids,
                timedelta(seconds=runtime.settings.invitation_ttl_s),
            )
        except (NotFound, ValueError, PlanLimit) as exc:
            raise refused(exc) from None
    return NewInvitationOut(**_invitation(inv).model_dump(), token=token)


@router.get("/org/invitations", response_model=list[InvitationOut])
async def list_invitations(runtime: RuntimeDep, access: Authorized) -> list[InvitationOut]:
    async with runtime.uow() as uow:
        return [_invitation(i) for i in await uow.repo.invitations(access.org_id)]  # type: ignore[arg-type]


@router.delete("/org/invitations/{invitation_id}", status_code=204)
async def revoke_invitation(invitation_id: uuid.UUID, runtime: RuntimeDep, access: Authorized) -> Response:
    async with runtime.uow() as uow:
        found = await uow.repo.revoke_invitation(invitation_id, access.org_id, uow.now())  # type: ignore[arg-type]
        await uow.commit()
    if not found:
        raise ApiError(404, "no invitation with this id")
    return Response(status_code=204)


class MemberOut(BaseModel):
    user_id: uuid.UUID
    email: str
    display_name: str
    role: str
    creator_ids: list[uuid.UUID] | None
    joined_at: datetime


class MemberPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: StaffRole | None = None
    creator_ids: list[uuid.UUID] | None = Field(default=None, max_length=MAX_SCOPE)
    """Give it (null: all creator accounts) to change the member's scope; leave it out to keep it."""


async def _members(runtime: RuntimeDep, access: Authorized) -> list[MemberOut]:
    async with runtime.uow() as uow:
        rows = await uow.repo.members(access.org_id)  # type: ignore[arg-type]
    return [
        MemberOut(
            user_id=u.id,
            email=u.email,
            display_name=u.display_name,
            role=m.role,
            creator_ids=None if m.creator_ids is None else list(m.creator_ids),
            joined_at=m.created_at,
        )
        for m, u in rows
    ]


@router.get("/org/members", response_model=list[MemberOut])
async def list_members(runtime: RuntimeDep, access: Authorized) -> list[MemberOut]:
    return await _members(runtime, access)


@router.get("/org/members/{user_id}", response_model=MemberOut)
async def get_member(user_id: uuid.UUID, runtime: RuntimeDep, access: Authorized) -> MemberOut:
    found = next((m for m in await _members(runtime, access) if m.user_id == user_id), None)
    if found is None:
        raise ApiError(404, "no member with this id")
    return found


@router.patch("/org/members/{user_id}", response_model=MemberOut)
async def update_member(
    user_id: uuid.UUID, body: MemberPatch, request: Request, runtime: RuntimeDep, access: Authorized
) -> MemberOut:
    async with runtime.uow() as uow:
        try:
            await handlers.update_member(
                uow, access, user_id, body.role, body.creator_ids, "creator_ids" in body.model_fields_set
            )
        except (NotFound, Conflict, ValueError) as exc:
            raise refused(exc) from None
    cache(request).forget_user(user_id)
    return await get_member(user_id, runtime, access)


@router.delete("/org/members/{user_id}", status_code=204)
async def remove_member(user_id: uuid.UUID, request: Request, runtime: RuntimeDep, access: Authorized) -> Response:
    async with runtime.uow() as uow:
        try:
            await handlers.remove_member(uow, access, user_id)
        except (NotFound, Conflict) as exc:
            raise refused(exc) from None
    cache(request).forget_user(user_id)
    return Response(status_code=204)
