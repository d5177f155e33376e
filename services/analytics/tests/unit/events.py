"""Revenue events as the fans service emits them, for the analytics tests."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from huntaze_events import (
    Envelope,
    FanRef,
    SubscriptionExpired,
    SubscriptionRenewed,
    SubscriptionStarted,
    TransactionRecorded,
    TransactionRef,
    fan_id_for,
    make_envelope,
)

CREATOR = uuid.UUID("6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b")


def fan(external: str, name: str | None = None, creator: uuid.UUID = CREATOR) -> FanRef:
    return FanRef(fan_id=fan_id_for(creator, external), external_id=external, display_name=name or external.title())


def transaction(
    external: str,
    type_: str,
    gross: int,
    at: datetime,
    *,
    fee: int | None = None,
    currency: str = "USD",
    creator: uuid.UUID = CREATOR,
    name: str | None = None,
    transaction_id: uuid.UUID | None = None,
    event_at: datetime | None = None,
    ref: tuple[str, str] | None = None,
) -> Envelope[Any]:
    """A transaction.recorded; the fee defaults to 20 % of gross (truncated toward zero)."""
    fee = int(gross * 0.2) if fee is None else fee
    who = fan(external, name, creator)
    return make_envelope(
        TransactionRecorded(
            transaction_id=transaction_id or uuid.uuid4(),
            fan_id=who.fan_id,
            fan=who,
            type=type_,  # type: ignore[arg-type]
            gross_cents=gross,
            fee_cents=fee,
            net_cents=gross - fee,
            currency=currency,
            occurred_at=at,
            source="connector",
            external_id=None,
            ref=TransactionRef(kind=ref[0], id=ref[1]) if ref else None,  # type: ignore[arg-type]
        ),
        producer="fans",
        creator_id=creator,
        occurred_at=event_at or at,
    )


def subscription(
    kind: str,
    external: str,
    started_at: datetime,
    expires_at: datetime,
    *,
    expired_at: datetime | None = None,
    creator: uuid.UUID = CREATOR,
    name: str | None = None,
    event_at: datetime | None = None,
) -> Envelope[Any]:
    """subscription.started | renewed | expired of ``external``'s subscription begun at ``started_at``."""
    ref = fan(external, name, creator)
    common: dict[str, Any] = {
        "fan_id": ref.fan_id,
        "fan": ref,
        "started_at": started_at,
        "expires_at": expires_at,
        "auto_renew": kind != "expired",
        "price_cents": 999,
        "currency": "USD",
    }
    payload: Any
    if kind == "started":
        payload = SubscriptionStarted(**common, first_time=True)
    elif kind == "renewed":
        payload = SubscriptionRenewed(**common, previous_expires_at=started_at)
    else:
        payload = SubscriptionExpired(**common, expired_at=expired_at or expires_at)
    at = event_at or (expired_at or started_at)
    return make_envelope(payload, producer="fans", creator_id=creator, occurred_at=at)
