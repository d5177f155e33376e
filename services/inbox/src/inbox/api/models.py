"""Bodies and answers of the inbox API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StrictInt, field_validator

from huntaze_events import MAX_MESSAGE_CHARS

from ..domain import Conversation, Draft, Message, clean_text, storable
from ..offers import MAX_MEDIA, MediaHistory, Offer, clean_media_ids
from ..quota import QUOTA_REACHED, Withheld
from ..whales import MatchedBy, Priority

NoNul = AfterValidator(storable)


class FanIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    external_id: Annotated[str, NoNul] = Field(min_length=1, max_length=128, description="The fan's OnlyFans id.")
    display_name: Annotated[str, NoNul] = Field(min_length=1, max_length=100)


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fan: FanIn
    text: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    sent_at: AwareDatetime | None = Field(default=None, description="When the fan sent it (UTC).")
    external_id: Annotated[str, NoNul] | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="The connector's id for this message; a retry with the same id is not stored twice.",
    )

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return clean_text(value)


class MessageAccepted(BaseModel):
    message_id: uuid.UUID
    conversation_id: uuid.UUID
    fan_id: uuid.UUID
    duplicate: bool = Field(description="True when this external_id was already stored.")


class FanOut(BaseModel):
    fan_id: uuid.UUID
    external_id: str
    display_name: str


class QuotaOut(BaseModel):
    limit: int = Field(description="The month's AI drafts the plan allows, all used.")
    plan: str = Field(description="The plan's name.")
    upgrade_to: str | None = Field(description="A plan that allows more, if any.")
    period: str = Field(description="The UTC month, `YYYY-MM`.")

    @classmethod
    def of(cls, w: Withheld) -> QuotaOut:
        return cls(limit=w.limit, plan=w.plan, upgrade_to=w.upgrade_to, period=w.period)


class MessageOut(BaseModel):
    message_id: uuid.UUID
    direction: str = Field(description="`in` from the fan, `out` from the creator.")
    text: str
    sent_at: datetime
    draft_id: uuid.UUID | None = None
    offer_id: uuid.UUID | None = Field(default=None, description="Set when the message carried a paid offer.")
    automation: str | None = Field(
        default=None, description="Set when an automation wrote it (`welcome`, `thank_you`, …): marked as automated."
    )
    draft_status: Literal["quota_reached"] | None = Field(
        default=None,
        description="`quota_reached`: the AI wrote no draft for this fan message because the plan's AI drafts "
        "of the month are used (see `quota`); a person can still answer. None otherwise.",
    )
    quota: QuotaOut | None = Field(default=None, description="With `quota_reached`: the plan and what allows more.")

    @classmethod
    def of(cls, m: Message, withheld: Withheld | None = None) -> MessageOut:
        return cls(
            message_id=m.id,
            direction=m.direction.value,
            text=m.text,
            sent_at=m.sent_at,
            draft_id=m.draft_id,
            offer_id=m.offer_id,
            automation=m.automation,
            draft_status=QUOTA_REACHED if withheld is not None else None,
            quota=QuotaOut.of(withheld) if withheld is not None else None,
        )


class DraftOut(BaseModel):
    draft_id: uuid.UUID
    conversation_id: uuid.UUID
    in_reply_to_message_id: uuid.UUID | None = Field(description="None for an automation's draft.")
    status: str = Field(
        description="`drafted`, `approved` (being sent), `sent`, `failed` (see `send_error`) or `superseded`."
    )
    text: str
    original_text: str
    edited: bool
    provider: str
    model: str | None
    created_at: datetime
    approved_at: datetime | None
    approved_by: uuid.UUID | None
    approved_shift_id: uuid.UUID | None = Field(
        default=None, description="The approver's shift on this creator account when they approved it, if any."
    )
    sent_at: datetime | None
    send_error: str | None = Field(default=None, description="Why the connector did not take it (status `failed`).")
    needs_review: bool = Field(
        default=False, description="The fan's message tried to steer the AI: a person must read it (never autosent)."
    )
    review_reasons: list[str] = Field(default_factory=list, description="`instructions`, `system_roleplay`, …")
    supersedes: uuid.UUID | None = Field(default=None, description="The draft this one replaces (asked for again).")
    superseded_by: uuid.UUID | None = Field(default=None, description="The draft that replaced this one.")
    automation: str | None = Field(default=None, description="The automation that wrote it, if any.")

    @classmethod
    def of(cls, d: Draft) -> DraftOut:
        return cls(
            draft_id=d.id,
            conversation_id=d.conversation_id,
            in_reply_to_message_id=d.in_reply_to_message_id,
            status=d.status.value,
            text=d.text,
            original_text=d.original_text,
            edited=d.edited,
            provider=d.provider,
            model=d.model,
            created_at=d.created_at,
            approved_at=d.approved_at,
            approved_by=d.approved_by,
            approved_shift_id=d.approved_shift_id,
            sent_at=d.sent_at,
            send_error=d.send_error,
            needs_review=d.needs_review,
            review_reasons=list(d.review_reasons),
            supersedes=d.supersedes,
            superseded_by=d.superseded_by,
            automation=d.automation,
        )


class ConversationSummaryOut(BaseModel):
    conversation_id: uuid.UUID
    fan: FanOut
    last_message_at: datetime
    message_count: int
    last_message: MessageOut | None
    pending_drafts: int
    priority: bool = Field(default=False, description="A whale wrote and no one answered yet: answer first.")
    priority_reason: Literal["whale"] | None = None
    priority_matched_by: MatchedBy | None = Field(default=None, description="Why it went to that person.")
    priority_since: datetime | None = None
    assigned_user_id: uuid.UUID | None = Field(default=None, description="The person on shift it was routed to.")


class ConversationPage(BaseModel):
    items: list[ConversationSummaryOut]
    next_cursor: str | None


class ConversationOut(BaseModel):
    conversation_id: uuid.UUID
    fan: FanOut
    created_at: datetime
    last_message_at: datetime
    message_count: int
    messages: list[MessageOut] = Field(description="Oldest first.")
    drafts: list[DraftOut] = Field(description="Oldest first, each with its status.")
    offers: list[OfferOut] = Field(default_factory=list, description="Paid offers to this fan, newest first.")
    media: list[MediaHistoryOut] = Field(
        default_factory=list, description="Per medium: how often it reached this fan, and whether they bought it."
    )
    priority: bool = Field(default=False, description="A whale wrote and no one answered yet: answer first.")
    priority_reason: Literal["whale"] | None = None
    priority_matched_by: MatchedBy | None = Field(default=None, description="Why it went to that person.")
    priority_since: datetime | None = None
    assigned_user_id: uuid.UUID | None = Field(default=None, description="The person on shift it was routed to.")


def priority_of(p: Priority | None) -> dict[str, Any]:
    """The priority fields of a conversation (all empty when it is not priority)."""
    if p is None or not p.active:
        return {}
    return dict(priority=True, priority_reason=p.reason, priority_matched_by=p.matched_by, priority_since=p.since,
                assigned_user_id=p.assigned_user_id)  # fmt: skip


class ApproveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_MESSAGE_CHARS,
        description="The edited reply; omit to approve the draft as written.",
    )

    @field_validator("text")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        return None if value is None else clean_text(value)


def fan_of(c: Conversation) -> FanOut:
    return FanOut(fan_id=c.fan_id, external_id=c.fan_external_id, display_name=c.fan_display_name)


class RegenerateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instruction: Annotated[str, NoNul] | None = Field(
        default=None, min_length=1, max_length=500, description="What to change, e.g. `shorter, tease the new set`."
    )

    @field_validator("instruction")
    @classmethod
    def _instruction(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.strip():
            raise ValueError("instruction must not be blank")
        return value.strip()


class OfferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        min_length=1, max_length=MAX_MESSAGE_CHARS, description="What the fan reads above the locked media."
    )
    price_cents: StrictInt = Field(
        description="Price of the unlock in US cents; OnlyFans accepts $3–$200 (INBOX_PPV_MIN_CENTS, INBOX_PPV_MAX_CENTS)."
    )
    media_ids: list[uuid.UUID] = Field(description=f"The locked media (vault ids), 1 to {MAX_MEDIA}, each once.")

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return clean_text(value)

    @field_validator("media_ids")
    @classmethod
    def _media(cls, value: list[uuid.UUID]) -> list[uuid.UUID]:
        return list(clean_media_ids(value))


class OfferOut(BaseModel):
    offer_id: uuid.UUID
    conversation_id: uuid.UUID
    fan_id: uuid.UUID
    status: str = Field(
        description="`approved` (being sent), `sent`, `unlocked`, `expired` or `failed` (see `send_error`)."
    )
    text: str
    price_cents: int
    currency: str
    media_ids: list[uuid.UUID]
    created_at: datetime
    created_by: uuid.UUID | None = Field(description="The person who wrote and approved it; null for an automation.")
    shift_id: uuid.UUID | None = Field(default=None, description="Their shift when they made it, if on one.")
    automation: str | None
    sent_at: datetime | None
    expires_at: datetime | None
    unlocked_at: datetime | None
    revenue_cents: int = Field(description="Gross paid for it: the unlock less its refunds and chargebacks.")
    net_cents: int = Field(description="What the creator keeps of it (after the platform's fee).")
    send_error: str | None = None

    @classmethod
    def of(cls, o: Offer) -> OfferOut:
        return cls(
            offer_id=o.id,
            conversation_id=o.conversation_id,
            fan_id=o.fan_id,
            status=o.status.value,
            text=o.text,
            price_cents=o.price_cents,
            currency=o.currency,
            media_ids=list(o.media_ids),
            created_at=o.created_at,
            created_by=o.created_by,
            shift_id=o.shift_id,
            automation=o.automation,
            sent_at=o.sent_at,
            expires_at=o.expires_at,
            unlocked_at=o.unlocked_at,
            revenue_cents=o.gross_cents,
            net_cents=o.net_cents,
            send_error=o.send_error,
        )


class MediaHistoryOut(BaseModel):
    media_id: uuid.UUID
    sent: int = Field(description="Offers holding it that reached the fan.")
    first_sent_at: datetime | None
    bought: bool
    bought_at: datetime | None
    offer_ids: list[uuid.UUID]

    @classmethod
    def of(cls, h: MediaHistory) -> MediaHistoryOut:
        return cls(
            media_id=h.media_id,
            sent=h.sent,
            first_sent_at=h.first_sent_at,
            bought=h.bought_at is not None,
            bought_at=h.bought_at,
            offer_ids=list(h.offers),
        )


ConversationOut.model_rebuild()
