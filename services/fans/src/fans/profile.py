"""A fan's CRM profile as the revenue use cases read and change it (pure, no I/O).

The repository loads :class:`FanState` rows locked for update, the use cases change them with the
rules of :mod:`fans.ledger`, :mod:`fans.subscription` and :mod:`fans.segments`, and the repository
saves them back in the same transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

SubscriptionStatus = Literal["none", "active", "expired"]


@dataclass
class Subscription:
    """The fan's subscription to the creator, as last known (connector reports and payments)."""

    status: SubscriptionStatus = "none"
    started_at: datetime | None = None
    first_started_at: datetime | None = None
    expires_at: datetime | None = None
    auto_renew: bool | None = None
    price_cents: int | None = None
    currency: str | None = None
    via: dict[str, Any] | None = None
    expired_at: datetime | None = None


@dataclass
class FanState:
    id: uuid.UUID
    creator_id: uuid.UUID
    external_id: str
    display_name: str
    gross_cents: int = 0
    net_cents: int = 0
    purchases: int = 0
    first_purchase_at: datetime | None = None
    last_purchase_at: datetime | None = None
    last_message_at: datetime | None = None
    subscription: Subscription = field(default_factory=Subscription)
    tags: list[str] = field(default_factory=list)
    segments: set[str] = field(default_factory=set)
    """Current membership: built-in names and ``custom:<segment id>``."""
    created: bool = False
    """True when this unit of work created the fan (first time it is seen)."""
    erased_at: datetime | None = None
    """Set once the fan's personal data was erased (see :mod:`fans.erasure`): name and OnlyFans id
    are placeholders from then on, whatever later events say."""
    erased_by: uuid.UUID | None = None


@dataclass(frozen=True)
class FanIdentity:
    """Who a transaction or report is about, as the source names them."""

    id: uuid.UUID
    external_id: str
    display_name: str
