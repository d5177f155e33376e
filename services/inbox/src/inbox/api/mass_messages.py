"""Mass messages to segments: preview, create (now or at ``send_at``), follow, cancel."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    field_validator,
    model_validator,
)

from huntaze_events import MAX_MESSAGE_CHARS
from huntaze_service import ApiError, CreatorId, NoNul, RuntimeDep, ShiftId, UserId, entitlements, not_found
from huntaze_service.entitlements import PlanLimitReached
from huntaze_service.pagination import Cursor, Limit, decode_time_id_cursor, encode_cursor
from huntaze_service.vault_media import MediaRefused

from ..config import InboxSettings
from ..domain import clean_text
from ..guardrails import RestrictedText
from ..handlers import NotFound, price_tests
from ..handlers import mass_messages as handlers
from ..mass import (
    MAX_SEGMENTS,
    MAX_WITHIN_HOURS,
    Audience,
    DeliveryStatus,
    EmptyAudience,
    MassMessage,
    MassStats,
    NotCancellable,
    UnknownSegment,
    check_placeholders,
)
from ..offers import MAX_MEDIA, PriceOutOfRange, clean_media_ids

router = APIRouter(prefix="/v1/inbox", tags=["inbox"])
NO_MASS = {"description": "No such mass message for this creator."}
INVALID = {
    "description": "Invalid input; codes `price_out_of_range`, `unknown_segment`, `send_at_in_past`, "
    "`restricted_word`, `empty_audience` (nobody matches), `unknown_media` (not a medium of this creator's "
    "vault), `media_deleted` (deleted from the vault)."
}

PLAN_LIMIT = {
    "description": "The plan's mass messages of this month (UTC) are used (code `plan_limit`; the message names "
    "the limit, the plan and the plan that allows more)."
}

Segment = Annotated[str, NoNul, Field(min_length=1, max_length=64)]


class AudienceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    segments: list[Segment] = Field(
        min_length=1,
        max_length=MAX_SEGMENTS,
        description="Fans in any of these: `whales`, `new`, `expiring`, `lapsed`, `never_spent`, `custom:<id>`.",
    )
    exclude_segments: list[Segment] = Field(default_factory=list, max_length=MAX_SEGMENTS)
    exclude_bought_media: StrictBool = Field(
        default=False, description="Leave out fans who already bought any of these media (checked again at hand-over)."
    )
    exclude_messaged_within_hours: StrictInt | None = Field(
        default=None, ge=1, le=MAX_WITHIN_HOURS, description="Leave out fans we wrote to this recently."
    )

    def domain(self) -> Audience:
        return Audience(
            tuple(dict.fromkeys(self.segments)),
            tuple(dict.fromkeys(self.exclude_segments)),
            self.exclude_bought_media,
            self.exclude_messaged_within_hours,
        )


class MassMessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    audience: AudienceIn
    text: str = Field(
        min_length=1, max_length=MAX_MESSAGE_CHARS, description="`{name}` is replaced by each fan's display name."
    )
    price_cents: StrictInt | None = Field(
        default=None, description="Makes each copy a paid offer (US cents, OnlyFans' $3–$200)."
    )
    media_ids: list[uuid.UUID] = Field(default_factory=list, description=f"Up to {MAX_MEDIA}; required with a price.")
    send_at: AwareDatetime | None = Field(default=None, description="When to start sending; omit to send now.")
    price_experiment_id: uuid.UUID | None = Field(
        default=None,
        description="A running price test (`POST /v1/ai/pricing/experiments`): each fan is offered their arm's price "
        "instead of `price_cents` (omit it); media required.",
    )

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return check_placeholders(clean_text(value))

    @model_validator(mode="after")
    def _media(self) -> MassMessageIn:
        if self.price_experiment_id is not None:
            if self.price_cents is not None:
                raise ValueError("price_cents: omit it with price_experiment_id (each fan gets their arm's price)")
            clean_media_ids(self.media_ids)
        if self.price_cents is not None or self.media_ids:
            clean_media_ids(self.media_ids)
        return self

    def command(
        self, creator_id: uuid.UUID, user_id: uuid.UUID, shift_id: uuid.UUID | None = None
    ) -> handlers.NewMassMessage:
        return handlers.NewMassMessage(
            creator_id,
            user_id,
            self.audience.domain(),
            self.text,
            self.price_cents,
            list(self.media_ids),
            self.send_at,
            shift_id,
            self.price_experiment_id,
        )


class RecipientOut(BaseModel):
    fan_id: uuid.UUID
    external_id: str
    display_name: str


class PreviewOut(BaseModel):
    recipients: int = Field(description="Fans it would reach if sent now.")
    sample: list[RecipientOut] = Field(description="Ten of them.")


class MassMessageOut(BaseModel):
    mass_message_id: uuid.UUID
    status: str = Field(description="`scheduled`, `sending`, `done` or `cancelled`.")
    audience: AudienceIn
    text: str
    price_cents: int | None = Field(description="The price (in a price test: its first arm's).")
    price_experiment_id: uuid.UUID | None = None
    prices_cents: list[int] = Field(default_factory=list, description="In a price test: every arm's price.")
    currency: str
    media_ids: list[uuid.UUID]
    send_at: datetime
    created_at: datetime
    created_by: uuid.UUID
    started_at: datetime | None
    finished_at: datetime | None
    cancelled_at: datetime | None
    recipients: int = Field(description="Fans in the audience (when it was created; when it started, once started).")
    waiting: int = Field(description="Deliveries not settled yet (not handed over, or in the connector's hands).")
    sent: int
    failed: int
    skipped: int = Field(description="Left out after it started: bought the media meanwhile, or erased.")
    cancelled: int
    failures: dict[str, int] = Field(description="Failed and skipped deliveries by reason.")
    unlocked: int = Field(description="Paid copies the fans bought.")
    revenue_cents: int = Field(description="Gross of those unlocks, less their refunds.")
    net_cents: int

    @classmethod
    def of(cls, m: MassMessage, stats: MassStats) -> MassMessageOut:
        count = stats.by_status.get
        a = m.audience
        return cls(
            mass_message_id=m.id,
            status=m.status.value,
            audience=AudienceIn(
                segments=list(a.segments),
                exclude_segments=list(a.exclude_segments),
                exclude_bought_media=a.exclude_bought_media,
                exclude_messaged_within_hours=a.exclude_messaged_within_hours,
            ),
            text=m.text,
            price_cents=m.price_cents,
            price_experiment_id=m.experiment_id,
            prices_cents=list(m.experiment_arms),
            currency="USD",
            media_ids=list(m.media_ids),
            send_at=m.send_at,
            created_at=m.created_at,
            created_by=m.created_by,
            started_at=m.started_at,
            finished_at=m.finished_at,
            cancelled_at=m.cancelled_at,
            recipients=m.recipients,
            waiting=count(DeliveryStatus.PENDING.value, 0) + count(DeliveryStatus.QUEUED.value, 0),
            sent=count(DeliveryStatus.SENT.value, 0),
            failed=count(DeliveryStatus.FAILED.value, 0),
            skipped=count(DeliveryStatus.SKIPPED.value, 0),
            cancelled=count(DeliveryStatus.CANCELLED.value, 0),
            failures=stats.failures,
            unlocked=stats.unlocked,
            revenue_cents=stats.revenue_cents,
            net_cents=stats.net_cents,
        )


class MassMessagePage(BaseModel):
    items: list[MassMessageOut]
    next_cursor: str | None


@contextmanager
def refusals() -> Iterator[None]:
    try:
        yield
    except PriceOutOfRange as exc:
        raise ApiError(422, str(exc), "price_out_of_range") from None
    except price_tests.NotRunning as exc:
        raise ApiError(422, str(exc), "experiment_not_running") from None
    except UnknownSegment as exc:
        raise ApiError(422, str(exc), "unknown_segment") from None
    except handlers.SendAtInPast as exc:
        raise ApiError(422, str(exc), "send_at_in_past") from None
    except RestrictedText as exc:
        raise ApiError(422, str(exc), "restricted_word") from None
    except EmptyAudience as exc:
        raise ApiError(422, str(exc), "empty_audience") from None
    except MediaRefused as exc:
        raise ApiError(422, str(exc), exc.code) from None
    except PlanLimitReached as exc:
        raise entitlements.api_error(exc) from None


def _settings(runtime: RuntimeDep) -> InboxSettings:
    return runtime.settings  # type: ignore[return-value]


@router.post("/mass-messages/preview", response_model=PreviewOut, responses={422: INVALID})
async def preview(body: MassMessageIn, runtime: RuntimeDep, creator_id: CreatorId, user_id: UserId) -> PreviewOut:
    """How many fans the audience holds now, and ten of them. Nothing is stored or sent."""
    async with runtime.uow() as uow:
        with refusals():
            count, sample = await handlers.preview(
                uow, body.command(creator_id, user_id), _settings(runtime).offer_terms()
            )
    return PreviewOut(
        recipients=count,
        sample=[RecipientOut(fan_id=r.fan_id, external_id=r.external_id, display_name=r.display_name) for r in sample],
    )


@router.post(
    "/mass-messages", status_code=201, response_model=MassMessageOut, responses={402: PLAN_LIMIT, 422: INVALID}
)
async def create(
    body: MassMessageIn, runtime: RuntimeDep, creator_id: CreatorId, user_id: UserId, shift_id: ShiftId
) -> MassMessageOut:
    """Schedules a mass message (at `send_at`, or now). At that time it is expanded into one delivery
    per fan of the audience as it is then, and handed to the connector at the configured rate —
    once per fan, even if a worker dies. Follow it with `GET …/{id}`; stop it with `…/cancel`."""
    async with runtime.uow() as uow:
        with refusals():
            m = await handlers.create(
                uow, body.command(creator_id, user_id, shift_id), _settings(runtime).offer_terms()
            )
    return MassMessageOut.of(m, MassStats(m.recipients))


@router.get("/mass-messages", response_model=MassMessagePage)
async def list_mass_messages(
    runtime: RuntimeDep, creator_id: CreatorId, limit: Limit = 50, cursor: Cursor = None
) -> MassMessagePage:
    """Newest first, each with its counts."""
    after = decode_time_id_cursor(cursor)
    async with runtime.uow() as uow:
        rows = await uow.repo.mass_messages(creator_id, limit=limit + 1, after=after)
        page = [MassMessageOut.of(m, await uow.repo.mass_stats(m)) for m in rows[:limit]]
    last = rows[limit - 1] if len(rows) > limit else None
    return MassMessagePage(items=page, next_cursor=encode_cursor(last.created_at, last.id) if last else None)


@router.get("/mass-messages/{mass_message_id}", response_model=MassMessageOut, responses={404: NO_MASS})
async def get_mass_message(mass_message_id: uuid.UUID, runtime: RuntimeDep, creator_id: CreatorId) -> MassMessageOut:
    async with runtime.uow() as uow:
        try:
            m, stats = await handlers.get(uow, creator_id, mass_message_id)
        except NotFound:
            raise not_found("mass message") from None
    return MassMessageOut.of(m, stats)


@router.post(
    "/mass-messages/{mass_message_id}/cancel",
    response_model=MassMessageOut,
    responses={404: NO_MASS, 409: {"description": "Already done or cancelled."}},
)
async def cancel(
    mass_message_id: uuid.UUID, runtime: RuntimeDep, creator_id: CreatorId, user_id: UserId
) -> MassMessageOut:
    """Stops it: no delivery that was not yet handed to the connector is sent."""
    async with runtime.uow() as uow:
        try:
            await handlers.cancel(uow, creator_id, user_id, mass_message_id)
        except NotFound:
            raise not_found("mass message") from None
        except NotCancellable as exc:
            raise ApiError(409, str(exc), "not_cancellable") from None
    async with runtime.uow() as uow:
        m, stats = await handlers.get(uow, creator_id, mass_message_id)
    return MassMessageOut.of(m, stats)
