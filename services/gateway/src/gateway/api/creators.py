"""An organisation's creator accounts and their connector keys."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from huntaze_service import ApiError, NoNul, RuntimeDep

from .. import handlers
from ..domain import Conflict, NotFound
from ..plans import PlanLimit
from ..records import ConnectorKey
from .access import cache
from .audit import AuditedRoute
from .deps import PAYMENT_REQUIRED, Authorized, refused

router = APIRouter(prefix="/v1", tags=["organisation"], route_class=AuditedRoute)


# creator accounts --------------------------------------------------------------------------------


class CreatorIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    display_name: Annotated[str, NoNul] = Field(min_length=1, max_length=100)


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


@router.post("/creators", status_code=201, response_model=CreatorOut, responses={**PAYMENT_REQUIRED})
async def add_creator(body: CreatorIn, request: Request, runtime: RuntimeDep, access: Authorized) -> CreatorOut:
    async with runtime.uow() as uow:
        try:
            c = await handlers.add_creator(
                uow, access, body.display_name, max_creators=runtime.settings.max_creators_per_org
            )
        except (Conflict, PlanLimit) as exc:
            raise refused(exc) from None
    cache(request).forget_user(access.user_id)
    assert c.org_id is not None
    return CreatorOut(id=c.id, display_name=c.display_name, organization_id=c.org_id, created_at=c.created_at)


# connector keys ----------------------------------------------------------------------------------


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Annotated[str, NoNul] = Field(default="connector", min_length=1, max_length=100)


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
            raise refused(exc) from None
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
