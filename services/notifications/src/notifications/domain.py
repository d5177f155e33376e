"""What the notifications service keeps: in-app notices for the team, and webhook endpoints with their
deliveries and attempts (the delivery log)."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

# webhooks -------------------------------------------------------------------------------------------

WEBHOOK_EVENTS: dict[str, str] = {
    "transaction.recorded": "a sale, refund or chargeback (tips, PPV unlocks, subscriptions)",
    "subscription.started": "a new subscriber (or one back after a lapse)",
    "subscription.expired": "a subscription ended",
    "ppv.unlocked": "a fan bought a paid message",
    "post.published": "a scheduled post went out on its network",
    "post.failed": "a scheduled post could not be published",
    "price.suggested": "the daily pricing review suggests another price (PPV per segment or media kind, subscription)",
    "anomaly.detected": "revenue in an hour far outside its usual range, or a tracking link that stopped converting",
    "price_experiment.ended": "a price test ended: its winner, no difference, or stopped, with every arm's figures",
}
"""The events a creator may send to their own tools (the body's ``type``): those of the platform's
catalogue a creator acts on. ``webhook.test`` is the ping of ``POST /v1/webhooks/{id}/test``."""
TEST_EVENT = "webhook.test"

EndpointStatus = Literal["active", "disabled"]
DeliveryStatus = Literal["pending", "delivered", "failed"]
MAX_URL = 2048


@dataclass(frozen=True)
class Endpoint:
    id: uuid.UUID
    creator_id: uuid.UUID
    url: str
    events: tuple[str, ...]
    description: str
    status: EndpointStatus
    sealed_secret: bytes
    created_by: uuid.UUID
    created_at: datetime
    updated_at: datetime
    disabled_reason: str | None = None
    failing_since: datetime | None = None
    """The first failed attempt since the last success: a day of failures disables the endpoint."""

    def wants(self, event_type: str) -> bool:
        return self.status == "active" and event_type in self.events


@dataclass(frozen=True)
class Delivery:
    id: uuid.UUID
    endpoint_id: uuid.UUID
    creator_id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    body: bytes
    """The JSON sent, the same bytes on every attempt (the signature covers them)."""
    created_at: datetime
    status: DeliveryStatus = "pending"
    attempts: int = 0
    last_status_code: int | None = None
    last_error: str | None = None
    delivered_at: datetime | None = None
    next_attempt_at: datetime | None = None
    fan_id: uuid.UUID | None = None
    """The fan the event is about, if any: their erasure empties the stored body."""


@dataclass(frozen=True)
class Attempt:
    delivery_id: uuid.UUID
    number: int
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def delivery_id_of(endpoint_id: uuid.UUID, event_id: uuid.UUID) -> uuid.UUID:
    """One delivery per endpoint and event, whatever the number of times the event is consumed."""
    return uuid.uuid5(endpoint_id, str(event_id))


def retry_delay_s(failed_attempts: int, first_s: float, max_s: float) -> float:
    """Exponential backoff (first, ×2 each failure, capped) with ±10 % jitter so that the deliveries
    of an endpoint that came back do not all arrive in the same second."""
    base = min(first_s * 2 ** max(failed_attempts - 1, 0), max_s)
    return base * random.uniform(0.9, 1.1)


# in-app notices --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    description: str
    roles: frozenset[str]
    """Roles that see the team-wide notices of this kind (a notice for one user ignores it)."""


KINDS: dict[str, Kind] = {
    "post_failed": Kind("a scheduled post could not be published", frozenset({"owner", "manager"})),
    "webhook_disabled": Kind(
        "a webhook endpoint failed for a day and was switched off", frozenset({"owner", "manager"})
    ),
    "price_suggested": Kind(
        "the daily pricing review suggests another price, with its expected effect", frozenset({"owner", "manager"})
    ),
    "anomaly": Kind(
        "revenue far outside its usual range for that hour, or a tracking link that stopped converting",
        frozenset({"owner", "manager"}),
    ),
    "price_test": Kind("a price test ended, with the price it recommends", frozenset({"owner", "manager"})),
    "unanswered": Kind(
        "fans waited longer than the threshold for an answer while people were on shift (to them, and to owners "
        "and managers)",
        frozenset({"owner", "manager"}),
    ),
    "whale": Kind(
        "a whale wrote: the conversation is routed to you (to the team when nobody is on shift)",
        frozenset({"owner", "manager", "chatter"}),
    ),
}


@dataclass(frozen=True)
class Notice:
    id: uuid.UUID
    creator_id: uuid.UUID
    kind: str
    title: str
    body: str
    created_at: datetime
    user_id: uuid.UUID | None = None
    """Set: only this user sees it. None: every member whose role sees the kind."""
    data: dict[str, Any] = field(default_factory=dict)
    read: bool = False
    """Whether the user reading it has marked it read (filled per reader)."""


TOLD_PERSONALLY = "told_personally"
"""A team notice's ``data`` key: the user ids (strings) who got the same news as a notice of their
own, and so do not see the team's copy (a manager on shift gets one ``unanswered`` notice, not two)."""


def notice_id_of(source: uuid.UUID, kind: str, user_id: uuid.UUID | None = None) -> uuid.UUID:
    """One notice per source event, kind and recipient, however often the event is consumed."""
    return uuid.uuid5(source, f"{kind}:{user_id or ''}")
