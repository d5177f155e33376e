"""What a verified Stripe event does to an organisation's account (pure: no Stripe, no database).

Stripe delivers late, twice and out of order. Each event is applied once (the stored event id, see
billing_handlers); on top of that, per account: the Stripe ``created`` of the last applied
subscription event and the subscription's id — an older event for the same subscription changes
nothing, and a subscription Stripe called canceled never comes back. The organisation is always the
one our customer→organisation mapping names; an event naming another one is foreign."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from .accounts import Account
from .plans import Catalogue

SUBSCRIPTION_EVENTS = (
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
)
HANDLED = (
    "checkout.session.completed",
    *SUBSCRIPTION_EVENTS,
    "invoice.paid",
    "invoice.payment_failed",
    "customer.deleted",
)
ENDED = ("canceled", "incomplete_expired")
Outcome = Literal["applied", "no_change", "stale", "ignored_foreign", "ignored_type", "unknown_price"]
Grace = Literal["schedule", "cancel"] | None


@dataclass(frozen=True)
class Applied:
    outcome: Outcome
    account: Account | None = None
    grace: Grace = None


def _id(value: Any) -> str | None:
    """A Stripe reference: an id, or the expanded object's id."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def obj(event: dict[str, Any]) -> dict[str, Any]:
    return (event.get("data") or {}).get("object") or {}


def customer_of(event: dict[str, Any]) -> str | None:
    o = obj(event)
    if event.get("type") == "customer.deleted":
        return _id(o.get("id"))
    return _id(o.get("customer"))


def named_org(event: dict[str, Any]) -> str | None:
    """The organisation the event's object names itself, if any (never trusted: only compared)."""
    o = obj(event)
    return o.get("client_reference_id") or (o.get("metadata") or {}).get("organization_id")


def invoice_subscription(o: dict[str, Any]) -> str | None:
    found = _id(o.get("subscription"))
    if found is None:  # API versions since 2025: invoice.parent.subscription_details.subscription
        details = ((o.get("parent") or {}).get("subscription_details")) or {}
        found = _id(details.get("subscription"))
    return found


def _epoch(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC) if isinstance(value, int | float) else None


def apply(event: dict[str, Any], account: Account, catalogue: Catalogue, now: datetime, grace: timedelta) -> Applied:
    kind = event.get("type", "")
    if kind not in HANDLED:
        return Applied("ignored_type")
    named = named_org(event)
    if named is not None and named != str(account.org_id):
        return Applied("ignored_foreign")
    o = obj(event)
    if kind == "checkout.session.completed":
        sid = _id(o.get("subscription"))
        if sid is None or sid in account.canceled_subscriptions or account.subscription_id is not None:
            return Applied("no_change")
        return Applied("applied", replace(account, subscription_id=sid))
    if kind in SUBSCRIPTION_EVENTS:
        return _subscription(kind, o, int(event.get("created") or 0), account, catalogue, now, grace)
    if kind == "customer.deleted":
        canceled = account.canceled_subscriptions + ((account.subscription_id,) if account.subscription_id else ())
        return Applied(
            "applied",
            replace(account, stripe_customer_id=None, subscription_id=None, canceled_subscriptions=canceled,
                    sub_plan=None, status="free", interval=None, current_period_end=None,
                    cancel_at_period_end=False, grace_until=None, grace_expired=False),
            "cancel",
        )  # fmt: skip
    sid = invoice_subscription(o)
    if sid is not None and sid != account.subscription_id:
        return Applied("no_change")
    if kind == "invoice.paid":
        if account.status not in ("past_due", "unpaid") and account.grace_until is None:
            return Applied("no_change")
        return Applied("applied", replace(account, status="active", grace_until=None, grace_expired=False), "cancel")
    # invoice.payment_failed
    if account.sub_plan is None or account.status in ENDED:
        return Applied("no_change")
    return _past_due(replace(account, status="past_due"), now, grace)


def _past_due(account: Account, now: datetime, grace: timedelta) -> Applied:
    if account.grace_until is not None:
        return Applied("applied", account)
    return Applied("applied", replace(account, grace_until=now + grace, grace_expired=False), "schedule")


def _subscription(
    kind: str, sub: dict[str, Any], created: int, account: Account, catalogue: Catalogue, now: datetime,
    grace: timedelta,
) -> Applied:  # fmt: skip
    sid = _id(sub.get("id"))
    if sid is None or sid in account.canceled_subscriptions:
        return Applied("stale")
    current = account.subscription_id
    if sid == current and created < account.subscription_created:
        return Applied("stale")
    status = "canceled" if kind == "customer.subscription.deleted" else str(sub.get("status") or "")
    if status in ENDED:
        canceled = account.canceled_subscriptions + (sid,)
        if current is not None and sid != current:  # an older subscription ended: the current one stands
            return Applied("applied", replace(account, canceled_subscriptions=canceled))
        return Applied(
            "applied",
            replace(account, subscription_id=sid, subscription_created=created, canceled_subscriptions=canceled,
                    sub_plan=None, status="canceled", interval=None, current_period_end=None,
                    cancel_at_period_end=False, grace_until=None, grace_expired=False),
            "cancel",
        )  # fmt: skip
    if current is not None and sid != current and created < account.subscription_created:
        return Applied("stale")  # an older subscription's late news
    items = ((sub.get("items") or {}).get("data")) or [{}]
    price = _id((items[0] or {}).get("price"))
    found = catalogue.by_price(price) if price else None
    if found is None:
        return Applied("unknown_price")
    plan, interval = found
    period_end = _epoch(items[0].get("current_period_end")) or _epoch(sub.get("current_period_end"))
    updated = replace(
        account, subscription_id=sid, subscription_created=created, sub_plan=plan.code, status=status,
        interval=interval, current_period_end=period_end, cancel_at_period_end=bool(sub.get("cancel_at_period_end")),
    )  # fmt: skip
    if status in ("past_due", "unpaid"):
        return _past_due(updated, now, grace)
    if status in ("active", "trialing"):
        return Applied("applied", replace(updated, grace_until=None, grace_expired=False), "cancel")
    return Applied("applied", updated)


def grace_over(account: Account, now: datetime) -> Account | None:
    """The account once its grace period ended unpaid (None: paid meanwhile, or not yet due)."""
    if account.status not in ("past_due", "unpaid") or account.grace_until is None or account.grace_expired:
        return None
    if account.grace_until > now:
        return None
    return replace(account, grace_expired=True)
