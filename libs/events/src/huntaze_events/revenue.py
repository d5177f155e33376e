"""Money events, produced by the fans service (fan aggregate: key = fan_id).

Money is always integer minor units (cents) plus an ISO 4217 currency code, never a float. Sales are
positive; refunds and chargebacks carry negative amounts, so a plain sum is the revenue.
"""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import AwareDatetime, Field

from .envelope import EventPayload
from .inbox import FanRef
from .registry import event

TransactionType = Literal["subscription", "renewal", "message", "post", "tip", "stream_tip", "refund", "chargeback"]
"""``message`` is a paid message (PPV unlock); ``renewal`` a recurring subscription payment."""

REVERSAL_TYPES = frozenset({"refund", "chargeback"})

CurrencyCode = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. `USD`.")


class TransactionRef(EventPayload):
    """What was bought, when the source knows it (e.g. the PPV offer a message unlock paid for)."""

    kind: Literal["message", "post", "stream", "tracking_link"]
    id: str = Field(min_length=1, max_length=128)


@event("transaction.recorded", version=1, producer="fans", key="fan_id")
class TransactionRecorded(EventPayload):
    """A sale, refund or chargeback was stored, once, whichever way it arrived (connector or statement).

    The same purchase reported by the connector and by a statement export is one transaction:
    it is recorded (and this event produced) only the first time. Consumers: analytics (revenue),
    ai and inbox (later: offers, pricing)."""

    transaction_id: uuid.UUID
    fan_id: uuid.UUID
    fan: FanRef
    type: TransactionType
    gross_cents: int = Field(description="Amount the fan paid (negative for refunds and chargebacks).")
    fee_cents: int = Field(description="Platform fee (negative when a reversal returns it).")
    net_cents: int = Field(description="What the creator earns: gross − fee.")
    currency: str = CurrencyCode
    occurred_at: AwareDatetime
    source: Literal["connector", "statement"]
    external_id: str | None = Field(default=None, max_length=128, description="The connector's id of the sale.")
    ref: TransactionRef | None = None


class SubscriptionVia(EventPayload):
    """How a subscriber came: marketing attributes new subscribers to tracking links."""

    tracking_link: str | None = Field(default=None, max_length=128)
    trial: str | None = Field(default=None, max_length=128)


class _SubscriptionState(EventPayload):
    fan_id: uuid.UUID
    fan: FanRef
    started_at: AwareDatetime = Field(description="Start of the current subscription (not of a renewal).")
    expires_at: AwareDatetime
    auto_renew: bool
    price_cents: int | None = Field(default=None, ge=0, description="Price per period, when known.")
    currency: str = CurrencyCode


@event("subscription.started", version=1, producer="fans", key="fan_id")
class SubscriptionStarted(_SubscriptionState):
    """A fan subscribed (first time, or again after a lapse)."""

    first_time: bool = Field(description="True when the fan never subscribed to this creator before.")
    via: SubscriptionVia | None = None


@event("subscription.renewed", version=1, producer="fans", key="fan_id")
class SubscriptionRenewed(_SubscriptionState):
    """A running subscription was extended (a renewal payment, or the connector reporting a later expiry)."""

    previous_expires_at: AwareDatetime


@event("subscription.expired", version=1, producer="fans", key="fan_id")
class SubscriptionExpired(_SubscriptionState):
    """A subscription ended: reported by the connector, or its expiry passed without a renewal."""

    expired_at: AwareDatetime
