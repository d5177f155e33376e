"""Segments: the built-in ones, the creator's own (a saved filter), and when time moves a fan.

Built-in (``now`` is when membership is evaluated):
- ``whales``: lifetime net spend ≥ the creator's threshold (default $500.00);
- ``new``: a running subscription that started within the last 7 days;
- ``expiring``: a running subscription with auto-renew off that ends within 3 days;
- ``lapsed``: the subscription ended;
- ``never_spent``: no purchase ever.
Custom: ``custom:<id>``, a filter over the same fields as the fan list (segment, tag, q,
min_spend_cents, subscription). Membership is evaluated again whenever a fan changes, and at the
next instant time alone would move the fan (:func:`next_boundary`), by a durable timer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from .profile import FanState
from .subscription import ends_at

BUILTIN = ("whales", "new", "expiring", "lapsed", "never_spent")
NEW_FOR = timedelta(days=7)
EXPIRING_WITHIN = timedelta(days=3)
DEFAULT_WHALE_THRESHOLD_CENTS = 50_000


@dataclass(frozen=True)
class FanFilter:
    """The filters of ``GET /v1/fans``; a custom segment saves one."""

    segment: str | None = None
    tag: str | None = None
    q: str | None = None
    min_spend_cents: int | None = None
    subscription: Literal["active", "expired"] | None = None


@dataclass(frozen=True)
class CustomSegment:
    id: uuid.UUID
    creator_id: uuid.UUID
    name: str
    filter: FanFilter
    created_at: datetime

    @property
    def key(self) -> str:
        return f"custom:{self.id}"


def builtin_segments(fan: FanState, now: datetime, whale_threshold_cents: int) -> set[str]:
    sub = fan.subscription
    found: set[str] = set()
    if fan.net_cents >= whale_threshold_cents:
        found.add("whales")
    if fan.purchases == 0:
        found.add("never_spent")
    if sub.status == "active" and sub.expires_at is not None:
        if sub.started_at is not None and now - sub.started_at < NEW_FOR:
            found.add("new")
        if sub.auto_renew is False and sub.expires_at - now <= EXPIRING_WITHIN:
            found.add("expiring")
    if sub.status == "expired":
        found.add("lapsed")
    return found


def matches(f: FanFilter, fan: FanState, builtin: set[str]) -> bool:
    if f.segment is not None and f.segment not in builtin:
        return False
    if f.tag is not None and f.tag not in fan.tags:
        return False
    if f.q is not None:
        q = f.q.lower()
        if q not in fan.display_name.lower() and q not in fan.external_id.lower():
            return False
    if f.min_spend_cents is not None and fan.net_cents < f.min_spend_cents:
        return False
    return f.subscription is None or fan.subscription.status == f.subscription


def evaluate(
    fan: FanState, now: datetime, whale_threshold_cents: int, custom: list[CustomSegment]
) -> tuple[set[str], set[str]]:
    """(entered, left) for the fan, and updates ``fan.segments``."""
    builtin = builtin_segments(fan, now, whale_threshold_cents)
    current = builtin | {c.key for c in custom if matches(c.filter, fan, builtin)}
    entered, left = current - fan.segments, fan.segments - current
    fan.segments = current
    return entered, left


def next_boundary(fan: FanState, now: datetime) -> datetime | None:
    """The next instant at which time alone changes this fan's segments or subscription."""
    sub = fan.subscription
    if sub.status != "active" or sub.expires_at is None:
        return None
    instants = [ends_at(sub)]
    if sub.started_at is not None:
        instants.append(sub.started_at + NEW_FOR)
    if sub.auto_renew is False:
        instants.append(sub.expires_at - EXPIRING_WITHIN)
    future = [t for t in instants if t is not None and t > now]
    return min(future) if future else None
