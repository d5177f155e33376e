"""An organisation's billing account and the entitlement it yields (pure).

The account keeps the facts Stripe told us about the subscription (``sub_plan``, ``status``, …)
apart from the plan in effect, which :func:`effective_plan` derives: a paying plan while active,
trialing, or past due within the grace period; the free plan otherwise."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from .plans import FREE, Catalogue, Plan, upgrades


@dataclass(frozen=True)
class Account:
    org_id: uuid.UUID
    revision: int = 0
    """The revision of the last plan.changed/entitlement.changed emitted (0: none yet)."""
    org_revision: int = 0
    """The highest organization.updated revision applied."""
    name: str = ""
    creator_ids: tuple[uuid.UUID, ...] = ()
    seats: int = 0
    stripe_customer_id: str | None = None
    subscription_id: str | None = None
    subscription_created: int = 0
    """Stripe ``created`` (epoch seconds) of the last subscription event applied: older ones change nothing."""
    canceled_subscriptions: tuple[str, ...] = ()
    """Subscriptions Stripe said were canceled: they never come back (a late event for them is stale)."""
    sub_plan: str | None = None
    status: str = "free"
    interval: str | None = None
    current_period_end: datetime | None = None
    cancel_at_period_end: bool = False
    grace_until: datetime | None = None
    grace_expired: bool = False
    plan: str = FREE
    """The plan in effect as last emitted (:func:`effective_plan` of the facts)."""


def effective_plan(account: Account, starting_plan: str = FREE) -> str:
    """The plan in effect. ``starting_plan`` (``BILLING_DEFAULT_PLAN``, free unless an operator runs a
    complimentary plan) is what an organisation that never had a subscription gets; once Stripe told
    us of one, losing it falls back to the free plan."""
    if account.sub_plan is None:
        never_subscribed = account.subscription_created == 0 and not account.canceled_subscriptions
        return starting_plan if never_subscribed else FREE
    if account.status in ("active", "trialing"):
        return account.sub_plan
    if account.status in ("past_due", "unpaid") and not account.grace_expired:
        return account.sub_plan
    return FREE


def _plan_view(a: Account) -> tuple:
    return (a.plan, a.status, a.interval, a.current_period_end, a.cancel_at_period_end, a.grace_until)


def _entitlement_view(a: Account) -> tuple:
    return (a.plan, a.status, a.creator_ids)


@dataclass(frozen=True)
class Change:
    """The account as it now is and, when something changed, the fields of the events to emit."""

    account: Account
    plan_changed: dict[str, Any] | None = None
    entitlement_changed: dict[str, Any] | None = None


def settle(
    before: Account | None, after: Account, catalogue: Catalogue, reason: str, starting_plan: str = FREE
) -> Change:
    """The account with its plan in effect recomputed, and the events to emit when something an
    outsider sees changed (one new revision for both). A new account always emits its entitlement."""
    after = replace(after, plan=effective_plan(after, starting_plan if catalogue.get(starting_plan) else FREE))
    plan_changed = before is None or _plan_view(before) != _plan_view(after)
    entitlement_changed = before is None or _entitlement_view(before) != _entitlement_view(after)
    if not (plan_changed or entitlement_changed):
        return Change(after)
    after = replace(after, revision=after.revision + 1)
    plan = None
    if plan_changed:
        plan = {
            "organization_id": after.org_id,
            "revision": after.revision,
            "plan": after.plan,
            "previous_plan": before.plan if before is not None else None,
            "status": public_status(after),
            "interval": after.interval,
            "current_period_end": after.current_period_end,
            "cancel_at_period_end": after.cancel_at_period_end,
            "grace_until": after.grace_until,
            "reason": reason[:64],
        }
    return Change(after, plan, entitlement(after, catalogue))


_PUBLIC_STATUS = {"unpaid": "past_due", "incomplete_expired": "canceled", "incomplete": "free", "paused": "free"}


def public_status(a: Account) -> str:
    """Stripe's status as the events name it (an incomplete or paused subscription entitles to nothing)."""
    return _PUBLIC_STATUS.get(a.status, a.status)


def entitlement(a: Account, catalogue: Catalogue) -> dict[str, Any]:
    """The fields of the organisation's entitlement.changed: the whole entitlement as it now is."""
    plan: Plan | None = catalogue.get(a.plan) or catalogue.get(FREE)
    if plan is None:
        raise LookupError("the plan catalogue has no free plan")
    return {
        "organization_id": a.org_id,
        "revision": a.revision,
        "plan": plan.code,
        "plan_name": plan.name,
        "status": public_status(a),
        "limits": plan.limits,
        "features": plan.features,
        "creator_ids": list(a.creator_ids),
        "upgrades": upgrades(plan, catalogue.plans.values()),
    }
