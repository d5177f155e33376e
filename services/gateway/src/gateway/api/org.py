"""The organisation: its creator accounts, connector keys, staff, invitations, shifts, audit log."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field

from huntaze_service import ApiError, RuntimeDep

from .. import handlers
from ..domain import Conflict, NotFound
from ..records import AuditEntry, ConnectorKey, Invitation, Shift
from .access import cache
from .audit import AuditedRoute
from .deps import Authorized

router = APIRouter(prefix="/v1", tags=["organisation"], route_class=AuditedRoute)
StaffRole = Literal["owner", "manager", "chatter", "analyst"]
MAX_SCOPE = 200


def _refused(exc: Exception) -> ApiError:
    if isinstance(exc, NotFound):
        return ApiError(404, str(exc))
    if isinstance(exc, Conflict):
        return ApiError(409, str(exc), "conflict")
    return ApiError(422, str(exc), "invalid")


# creator accounts --------------------------------------------------------------------------------


class CreatorIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    display_name: str = Field(min_length=1, max_length=100)


class CreatorOut(BaseModel):
    id: uuid.UUID
    display_name: str
    organization_id: uuid.UUID
    created_at: datetime


@router.get("/creators", response_model=list[CreatorOut])
async def list_creators(runtime: RuntimeDep, access: Authorized) -> list[CreatorOut]:
    """The creator accounts of the organisation the caller may access."""
    async with runtime.uow() as uow:
        creators = await uow.repo.creators([access.org_id]) if access.org_id else []
    return [
        CreatorOut(id=c.id, display_name=c.display_name, organization_id=c.org_id, created_at=c.created_at)
        for c in creators
        if c.org_id is not None and c.id in access.creator_ids
    ]


@router.post("/creators", status_code=201, response_model=CreatorOut)
async def add_creator(body: CreatorIn, request: Request, runtime: RuntimeDep, access: Authorized) -> CreatorOut:
    async with runtime.uow() as uow:
        try:
            c = await handlers.add_creator(
                uow, access, body.display_name, max_creators=runtime.settings.max_creators_per_org
            )
        except Conflict as exc:
            raise _refused(exc) from None
    cache(request).forget_user(access.user_id)
    assert c.org_id is not None
    return CreatorOut(id=c.id, display_name=c.display_name, organization_id=c.org_id, created_at=c.created_at)


# connector keys ----------------------------------------------------------------------------------


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(default="connector", min_length=1, max_length=100)


class KeyOut(BaseModel):
    id: uuid.UUID
    creator_id: uuid.UUID
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class NewKeyOut(KeyOut):
    key: str
    """Shown once: send it as ``Authorization: Bearer <key>``. Only its hash is stored."""


def _key(k: ConnectorKey) -> KeyOut:
    return KeyOut(
        id=k.id,
        creator_id=k.creator_id,
        name=k.name,
        created_at=k.created_at,
        last_used_at=k.last_used_at,
        revoked_at=k.revoked_at,
    )


def _path_creator(access_creator: uuid.UUID | None, creator_id: uuid.UUID) -> None:
    if access_creator != creator_id:
        raise ApiError(404, "no creator account with this id")


@router.post("/creators/{creator_id}/connector-keys", status_code=201, response_model=NewKeyOut)
async def create_key(creator_id: uuid.UUID, body: KeyIn, runtime: RuntimeDep, access: Authorized) -> NewKeyOut:
    """A key for the connector (browser extension) of this creator account: it may call the ingestion
    routes (messages, transactions, subscriptions, statement imports) of this account and nothing else."""
    _path_creator(access.creator_id, creator_id)
    async with runtime.uow() as uow:
        try:
            key, secret = await handlers.create_connector_key(uow, access, creator_id, body.name)
        except NotFound as exc:
            raise _refused(exc) from None
    return NewKeyOut(**_key(key).model_dump(), key=secret)


@router.get("/creators/{creator_id}/connector-keys", response_model=list[KeyOut])
async def list_keys(creator_id: uuid.UUID, runtime: RuntimeDep, access: Authorized) -> list[KeyOut]:
    _path_creator(access.creator_id, creator_id)
    async with runtime.uow() as uow:
        return [_key(k) for k in await uow.repo.connector_keys(creator_id)]


@router.delete("/creators/{creator_id}/connector-keys/{key_id}", status_code=204)
async def revoke_key(
    creator_id: uuid.UUID, key_id: uuid.UUID, request: Request, runtime: RuntimeDep, access: Authorized
) -> Response:
    _path_creator(access.creator_id, creator_id)
    async with runtime.uow() as uow:
        found = await uow.repo.revoke_connector_key(key_id, creator_id, uow.now())
        await uow.commit()
    if not found:
        raise ApiError(404, "no connector key with this id")
    cache(request).forget_key(key_id)
    return Response(status_code=204)


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


@router.post("/org/invitations", status_code=201, response_model=NewInvitationOut)
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
        except (NotFound, ValueError) as exc:
            raise _refused(exc) from None
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
            raise _refused(exc) from None
    cache(request).forget_user(user_id)
    return await get_member(user_id, runtime, access)


@router.delete("/org/members/{user_id}", status_code=204)
async def remove_member(user_id: uuid.UUID, request: Request, runtime: RuntimeDep, access: Authorized) -> Response:
    async with runtime.uow() as uow:
        try:
            await handlers.remove_member(uow, access, user_id)
        except (NotFound, Conflict) as exc:
            raise _refused(exc) from None
    cache(request).forget_user(user_id)
    return Response(status_code=204)


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
            raise _refused(exc) from None
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
    async with runtime.uow() as uow:
        found = await uow.repo.delete_shift(shift_id, access.org_id)  # type: ignore[arg-type]
        await uow.commit()
    if not found:
        raise ApiError(404, "no shift with this id")
    return Response(status_code=204)


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
