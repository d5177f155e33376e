"""HTTP API of the webhook endpoints (``/v1/webhooks``, reached through the gateway): register an
endpoint, read its delivery log, re-deliver by hand. Scoped to the caller's creator account: another
account's endpoint or delivery answers 404."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from huntaze_service import ApiError, CreatorId, RuntimeDep, UserId
from huntaze_service.pagination import Cursor, Limit, decode_time_id_cursor, encode_cursor
from huntaze_service.sealing import SealedBox
from huntaze_service.text import NoNul

from . import deliveries, webhooks
from .domain import MAX_URL, WEBHOOK_EVENTS, Attempt, Delivery, Endpoint

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
BOX, POLICY = "sealed_box", "url_policy"


def _box(runtime: RuntimeDep) -> SealedBox:
    return runtime.state[BOX]  # type: ignore[no-any-return]


def _policy(runtime: RuntimeDep) -> webhooks.UrlPolicy:
    return runtime.state[POLICY]  # type: ignore[no-any-return]


BoxDep = Annotated[SealedBox, Depends(_box)]
PolicyDep = Annotated[webhooks.UrlPolicy, Depends(_policy)]
EventName = Annotated[str, Field(min_length=1, max_length=64)]


class EndpointIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: Annotated[str, NoNul] = Field(min_length=8, max_length=MAX_URL, description="https:// URL of your endpoint.")
    events: list[EventName] = Field(
        min_length=1, max_length=len(WEBHOOK_EVENTS), description="See GET /v1/webhooks/events."
    )
    description: Annotated[str, NoNul] = Field(default="", max_length=200)


class EndpointPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: Annotated[str, NoNul] | None = Field(default=None, min_length=8, max_length=MAX_URL)
    events: list[EventName] | None = Field(default=None, min_length=1, max_length=len(WEBHOOK_EVENTS))
    description: Annotated[str, NoNul] | None = Field(default=None, max_length=200)
    enabled: bool | None = Field(default=None, description="false pauses it; true switches a disabled one back on.")


class EndpointOut(BaseModel):
    endpoint_id: uuid.UUID
    url: str
    events: list[str]
    description: str
    status: Literal["active", "disabled"]
    disabled_reason: str | None
    failing_since: datetime | None = Field(description="First failed attempt since the last success.")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, e: Endpoint) -> EndpointOut:
        return cls(endpoint_id=e.id, url=e.url, events=list(e.events), description=e.description, status=e.status,
                   disabled_reason=e.disabled_reason, failing_since=e.failing_since, created_at=e.created_at,
                   updated_at=e.updated_at)  # fmt: skip


class EndpointCreated(EndpointOut):
    secret: str = Field(
        description="The signing secret (`whsec_…`): shown this once; verify Huntaze-Signature with it."
    )


class EndpointsOut(BaseModel):
    items: list[EndpointOut]


class SecretOut(BaseModel):
    secret: str = Field(description="The new signing secret, shown this once; the old one stops at once.")


class EventTypeOut(BaseModel):
    type: str
    description: str


class EventTypesOut(BaseModel):
    items: list[EventTypeOut]


class AttemptOut(BaseModel):
    number: int
    at: datetime
    status_code: int | None = Field(description="The endpoint's answer; null when none came (refused, timeout).")
    error: str | None
    duration_ms: int

    @classmethod
    def of(cls, a: Attempt) -> AttemptOut:
        return cls(number=a.number, at=a.at, status_code=a.status_code, error=a.error, duration_ms=a.duration_ms)


class DeliveryOut(BaseModel):
    delivery_id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    next_attempt_at: datetime | None

    @classmethod
    def of(cls, d: Delivery) -> DeliveryOut:
        return cls(delivery_id=d.id, event_id=d.event_id, event_type=d.event_type, status=d.status,
                   attempts=d.attempts, last_status_code=d.last_status_code, last_error=d.last_error,
                   created_at=d.created_at, delivered_at=d.delivered_at, next_attempt_at=d.next_attempt_at)  # fmt: skip


class DeliveryDetail(DeliveryOut):
    body: str = Field(description="The JSON sent (the same bytes on every attempt).")
    attempt_log: list[AttemptOut]


class DeliveriesOut(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None


class Accepted(BaseModel):
    delivery_id: uuid.UUID


@router.get("/events", response_model=EventTypesOut)
async def event_types() -> EventTypesOut:
    return EventTypesOut(items=[EventTypeOut(type=t, description=d) for t, d in WEBHOOK_EVENTS.items()])


@router.post(
    "", status_code=201, response_model=EndpointCreated, responses={409: {"description": "Too many endpoints."}}
)
async def create_endpoint(body: EndpointIn, runtime: RuntimeDep, box: BoxDep, policy: PolicyDep,
                          creator_id: CreatorId, user_id: UserId) -> EndpointCreated:  # fmt: skip
    async with runtime.uow() as uow:
        endpoint, secret = await webhooks.create(
            uow, box, policy, creator_id=creator_id, user_id=user_id, url=body.url, events=body.events,
            description=body.description,
        )  # fmt: skip
    return EndpointCreated(**EndpointOut.of(endpoint).model_dump(), secret=secret)


@router.get("", response_model=EndpointsOut)
async def list_endpoints(runtime: RuntimeDep, creator_id: CreatorId) -> EndpointsOut:
    async with runtime.uow() as uow:
        return EndpointsOut(items=[EndpointOut.of(e) for e in await uow.repo.endpoints(creator_id)])


@router.get("/{endpoint_id}", response_model=EndpointOut)
async def get_endpoint(endpoint_id: uuid.UUID, runtime: RuntimeDep, creator_id: CreatorId) -> EndpointOut:
    async with runtime.uow() as uow:
        return EndpointOut.of(await webhooks.get(uow, creator_id, endpoint_id))


@router.patch("/{endpoint_id}", response_model=EndpointOut)
async def update_endpoint(endpoint_id: uuid.UUID, body: EndpointPatch, runtime: RuntimeDep, policy: PolicyDep,
                          creator_id: CreatorId) -> EndpointOut:  # fmt: skip
    async with runtime.uow() as uow:
        endpoint = await webhooks.update(uow, policy, creator_id, endpoint_id, url=body.url, events=body.events,
                                         description=body.description, enabled=body.enabled)  # fmt: skip
    return EndpointOut.of(endpoint)


@router.delete("/{endpoint_id}", status_code=204)
async def delete_endpoint(endpoint_id: uuid.UUID, runtime: RuntimeDep, creator_id: CreatorId) -> None:
    async with runtime.uow() as uow:
        await webhooks.delete(uow, creator_id, endpoint_id)


@router.post("/{endpoint_id}/rotate-secret", response_model=SecretOut)
async def rotate_secret(endpoint_id: uuid.UUID, runtime: RuntimeDep, box: BoxDep, creator_id: CreatorId) -> SecretOut:
    async with runtime.uow() as uow:
        return SecretOut(secret=await webhooks.rotate_secret(uow, box, creator_id, endpoint_id))


@router.post("/{endpoint_id}/test", status_code=202, response_model=Accepted)
async def send_test(endpoint_id: uuid.UUID, runtime: RuntimeDep, creator_id: CreatorId) -> Accepted:
    async with runtime.uow() as uow:
        return Accepted(delivery_id=await webhooks.send_test(uow, creator_id, endpoint_id))


@router.get("/{endpoint_id}/deliveries", response_model=DeliveriesOut)
async def list_deliveries(
    endpoint_id: uuid.UUID,
    runtime: RuntimeDep,
    creator_id: CreatorId,
    status: Annotated[Literal["pending", "delivered", "failed"] | None, Query()] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> DeliveriesOut:
    before = decode_time_id_cursor(cursor)
    async with runtime.uow() as uow:
        await webhooks.get(uow, creator_id, endpoint_id)
        items = await uow.repo.deliveries(endpoint_id, status=status, limit=limit, before=before)
    last = items[-1] if len(items) == limit else None
    return DeliveriesOut(items=[DeliveryOut.of(d) for d in items],
                         next_cursor=encode_cursor(last.created_at, last.id) if last else None)  # fmt: skip


@router.get("/{endpoint_id}/deliveries/{delivery_id}", response_model=DeliveryDetail)
async def get_delivery(endpoint_id: uuid.UUID, delivery_id: uuid.UUID, runtime: RuntimeDep,
                       creator_id: CreatorId) -> DeliveryDetail:  # fmt: skip
    async with runtime.uow() as uow:
        await webhooks.get(uow, creator_id, endpoint_id)
        delivery = await uow.repo.delivery(endpoint_id, delivery_id)
        if delivery is None:
            raise ApiError(404, "delivery not found")
        attempts = await uow.repo.attempts(delivery_id)
    return DeliveryDetail(**DeliveryOut.of(delivery).model_dump(), body=delivery.body.decode(),
                          attempt_log=[AttemptOut.of(a) for a in attempts])  # fmt: skip


@router.post("/{endpoint_id}/deliveries/{delivery_id}/redeliver", status_code=202, response_model=Accepted,
             responses={409: {"description": "The endpoint is disabled."}})  # fmt: skip
async def redeliver(endpoint_id: uuid.UUID, delivery_id: uuid.UUID, runtime: RuntimeDep,
                    creator_id: CreatorId) -> Accepted:  # fmt: skip
    async with runtime.uow() as uow:
        endpoint = await webhooks.get(uow, creator_id, endpoint_id)
        delivery = await deliveries.redeliver(uow, endpoint, delivery_id)
    return Accepted(delivery_id=delivery.id)
