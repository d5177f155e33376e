"""The response models of ``/v1/fans``: the fan as lists show it, the profile, and their parts
(also the parts of a fan's personal data, :mod:`.personal_data`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from ..crm import Note


class SubscriptionOut(BaseModel):
    status: Literal["none", "active", "expired"]
    started_at: datetime | None
    first_started_at: datetime | None
    expires_at: datetime | None
    expired_at: datetime | None
    auto_renew: bool | None
    price_cents: int | None
    currency: str | None
    via: dict[str, Any] | None


class SpendOut(BaseModel):
    gross_cents: int
    net_cents: int
    purchases: int
    first_purchase_at: datetime | None
    last_purchase_at: datetime | None


class CrmFanOut(BaseModel):
    fan_id: uuid.UUID
    external_id: str
    display_name: str
    first_message_at: datetime | None
    last_message_at: datetime | None
    message_count: int
    last_active_at: datetime | None
    spend: SpendOut
    subscription: SubscriptionOut
    segments: list[str]
    tags: list[str]
    preferences: dict[str, str]
    created_at: datetime
    updated_at: datetime
    erased_at: datetime | None = Field(
        default=None, description="Set once the fan's personal data was erased: name and id are placeholders."
    )

    @classmethod
    def of(cls, row: dict[str, Any]) -> CrmFanOut:
        return cls(
            fan_id=row["fan_id"],
            external_id=row["external_id"],
            display_name=row["display_name"],
            first_message_at=row["first_message_at"],
            last_message_at=row["last_message_at"],
            message_count=row["message_count"],
            last_active_at=row["last_active_at"],
            spend=SpendOut(
                gross_cents=row["gross_cents"],
                net_cents=row["net_cents"],
                purchases=row["purchases"],
                first_purchase_at=row["first_purchase_at"],
                last_purchase_at=row["last_purchase_at"],
            ),
            subscription=SubscriptionOut(
                status=row["sub_status"],
                started_at=row["sub_started_at"],
                first_started_at=row["sub_first_started_at"],
                expires_at=row["sub_expires_at"],
                expired_at=row["sub_expired_at"],
                auto_renew=row["sub_auto_renew"],
                price_cents=row["sub_price_cents"],
                currency=row["sub_currency"],
                via=row["sub_via"],
            ),
            segments=sorted(row["segments"]),
            tags=list(row["tags"]),
            preferences=dict(row["preferences"]),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            erased_at=row["erased_at"],
        )


class TypeSpendOut(BaseModel):
    type: str
    currency: str
    gross_cents: int
    fee_cents: int
    net_cents: int
    count: int


class TransactionOut(BaseModel):
    transaction_id: uuid.UUID
    type: str
    gross_cents: int
    fee_cents: int
    net_cents: int
    currency: str
    occurred_at: datetime
    source: str
    external_id: str | None
    ref_kind: str | None
    ref_id: str | None


class NoteOut(BaseModel):
    note_id: uuid.UUID
    text: str
    author_id: uuid.UUID | None
    created_at: datetime

    @classmethod
    def of(cls, note: Note) -> NoteOut:
        return cls(note_id=note.id, text=note.text, author_id=note.author_id, created_at=note.created_at)


class ScoreOut(BaseModel):
    churn_risk: float = Field(description="0–1: probability the fan stops paying within 30 days.")
    value_90d_cents: int = Field(description="Expected net spend over the next 90 days.")
    p_alive: float
    drivers: list[str]


class FanProfileOut(CrmFanOut):
    spend_by_type: list[TypeSpendOut]
    latest_transactions: list[TransactionOut]
    notes: list[NoteOut]
    score: ScoreOut


class FanPage(BaseModel):
    items: list[CrmFanOut]
    next_cursor: str | None
