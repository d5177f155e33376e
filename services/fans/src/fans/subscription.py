"""How a fan's subscription moves: payments, connector reports, and time passing (pure).

- A ``subscription`` or ``renewal`` payment starts a subscription when none is running (``started``)
  and otherwise extends it to at least payment time + 30 days (``renewed`` when that is later).
- A connector report is the platform's own view: ``active`` starts or extends, ``expired`` ends;
  a report older than what we know (its expiry is not later than the one on file) changes nothing,
  so reports may arrive twice or out of order.
- Time: a running subscription whose expiry has passed ends (``expired``) — at once when auto-renew
  is off, after a grace period when it is on (the renewal payment may arrive a little late).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from .ledger import SUBSCRIPTION_PERIOD
from .profile import Subscription

RENEWAL_GRACE = timedelta(hours=24)
"""How long past its expiry an auto-renewing subscription waits for its renewal payment."""


@dataclass(frozen=True)
class Change:
    kind: Literal["started", "renewed", "expired", "updated"]
    before: Subscription
    after: Subscription
    first_time: bool = False


@dataclass(frozen=True)
class Report:
    status: Literal["active", "expired"]
    started_at: datetime
    expires_at: datetime
    auto_renew: bool
    price_cents: int | None
    currency: str
    via: dict[str, Any] | None


def on_payment(sub: Subscription, *, renewal: bool, at: datetime, price_cents: int, currency: str) -> Change | None:
    until = at + SUBSCRIPTION_PERIOD
    if sub.status != "active":
        if sub.expires_at is not None and until <= sub.expires_at:
            return None  # an old payment of a subscription already over: history, not state
        after = replace(
            sub,
            status="active",
            started_at=at,
            first_started_at=sub.first_started_at or at,
            expires_at=until,
            auto_renew=True if sub.auto_renew is None else sub.auto_renew,
            price_cents=price_cents,
            currency=currency,
            expired_at=None,
        )
        return Change("started", sub, after, first_time=sub.first_started_at is None)
    assert sub.expires_at is not None
    if until <= sub.expires_at:
        return None
    after = replace(sub, expires_at=until, price_cents=price_cents if renewal else sub.price_cents)
    return Change("renewed", sub, after)


def on_report(sub: Subscription, report: Report, now: datetime) -> Change | None:
    if sub.expires_at is not None and report.expires_at < sub.expires_at:
        return None  # stale: we already know a later state
    if report.status == "active":
        if sub.status != "active":
            if sub.expires_at is not None and report.expires_at <= sub.expires_at:
                return None
            after = replace(
                sub,
                status="active",
                started_at=report.started_at,
                first_started_at=min(filter(None, (sub.first_started_at, report.started_at))),
                expires_at=report.expires_at,
                auto_renew=report.auto_renew,
                price_cents=report.price_cents,
                currency=report.currency,
                via=report.via,
                expired_at=None,
            )
            return Change("started", sub, after, first_time=sub.first_started_at is None)
        after = replace(
            sub,
            expires_at=report.expires_at,
            auto_renew=report.auto_renew,
            price_cents=report.price_cents if report.price_cents is not None else sub.price_cents,
        )
        if sub.expires_at is not None and report.expires_at > sub.expires_at:
            return Change("renewed", sub, after)
        return None if after == sub else Change("updated", sub, after)
    # expired
    if sub.status == "active":
        after = replace(
            sub,
            status="expired",
            expires_at=report.expires_at,
            auto_renew=report.auto_renew,
            expired_at=min(report.expires_at, now),
        )
        return Change("expired", sub, after)
    if sub.status == "expired":
        return None
    # never known as active: keep the history (the fan is lapsed), no subscription event
    after = replace(
        sub,
        status="expired",
        started_at=report.started_at,
        first_started_at=report.started_at,
        expires_at=report.expires_at,
        auto_renew=report.auto_renew,
        price_cents=report.price_cents,
        currency=report.currency,
        via=report.via,
        expired_at=report.expires_at,
    )
    return Change("updated", sub, after)


def ends_at(sub: Subscription) -> datetime | None:
    """When a running subscription ends if nothing renews it."""
    if sub.status != "active" or sub.expires_at is None:
        return None
    return sub.expires_at + (RENEWAL_GRACE if sub.auto_renew else timedelta(0))


def on_time(sub: Subscription, now: datetime) -> Change | None:
    end = ends_at(sub)
    if end is None or now < end:
        return None
    after = replace(sub, status="expired", expired_at=sub.expires_at)
    return Change("expired", sub, after)
