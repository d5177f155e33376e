"""Use cases of the billing service: webhooks stored then processed once, grace periods, organisations.

A webhook's answer only stores: the verified raw event (its Stripe id is the key: a replay inserts
nothing) and a durable timer ``stripe_event`` due now, in one transaction. A worker processes the
stored event later in a transaction of its own that locks the organisation's account row, so a slow
database never makes Stripe retry forever, and a worker killed midway processes it again from the
start (nothing of it was committed)."""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import replace
from datetime import timedelta
from typing import Any

from pydantic import BaseModel

from huntaze_events import EntitlementChanged, Envelope, OrganizationUpdated, PlanChanged
from huntaze_service import Subscriptions, Timer, UnitOfWork

from . import metering, metrics
from .accounts import Account, settle
from .plans import FREE, Catalogue
from .ports import BillingRepository, StoredEvent
from .webhooks import apply, customer_of, grace_over

Uow = UnitOfWork[BillingRepository]
log = logging.getLogger("huntaze.billing")
NOBODY = uuid.UUID(int=0)
"""The tenant of a webhook's timer: which organisation it concerns is known only when processed."""
STRIPE_EVENT = "stripe_event"
GRACE_EXPIRED = "grace_expired"


class GraceTimer(BaseModel):
    organization_id: uuid.UUID


async def catalogue(uow: Uow) -> Catalogue:
    return Catalogue.of(await uow.repo.plans())


async def receive_webhook(uow: Uow, event: dict[str, Any], raw: str) -> bool:
    """Stores a verified event and schedules its processing; False for a replay (nothing stored)."""
    stored = StoredEvent(
        id=str(event["id"]), type=str(event.get("type", "")), created=int(event.get("created") or 0), body=raw,
        received_at=uow.now(),
    )  # fmt: skip
    inserted = await uow.repo.store_stripe_event(stored)
    if inserted:
        uow.schedule(STRIPE_EVENT, key=stored.id, at=uow.now(), tenant=NOBODY)
    await uow.commit()
    return inserted


async def _emit(uow: Uow, before: Account | None, after: Account, reason: str, starting_plan: str = FREE) -> Account:
    change = settle(before, after, await catalogue(uow), reason, starting_plan)
    await uow.repo.save_account(change.account)
    org = change.account.org_id
    if change.plan_changed is not None:
        uow.emit(PlanChanged(**change.plan_changed), creator_id=org)
    if change.entitlement_changed is not None:
        uow.emit(EntitlementChanged(**change.entitlement_changed), creator_id=org)
    return change.account


async def process_stripe_event(uow: Uow, timer: Timer[Any], grace: timedelta, starting_plan: str = FREE) -> str:
    """Applies a stored Stripe event once: its outcome is recorded with its effect."""
    stored = await uow.repo.stripe_event(timer.key)
    if stored is None or stored.processed_at is not None:
        return "done"
    event = json.loads(stored.body)
    customer = customer_of(event)
    account = await uow.repo.account_by_customer(customer, lock=True) if customer else None
    if account is None:
        outcome, org = "ignored_foreign", None
    else:
        applied = apply(event, account, await catalogue(uow), uow.now(), grace)
        outcome, org = applied.outcome, account.org_id
        if applied.account is not None:
            after = await _emit(uow, account, applied.account, stored.type, starting_plan)
            if applied.grace == "schedule" and after.grace_until is not None:
                uow.schedule(GRACE_EXPIRED, key=str(org), at=after.grace_until, tenant=org,
                             payload=GraceTimer(organization_id=org))  # fmt: skip
            elif applied.grace == "cancel":
                uow.cancel(GRACE_EXPIRED, key=str(org))
    await uow.repo.mark_stripe_event(stored.id, outcome=outcome, org_id=org, at=uow.now())
    metrics.event_processed(outcome, stored.received_at, uow.now())
    log.info("stripe event %s (%s): %s", stored.id, stored.type, outcome)
    return outcome


async def expire_grace(uow: Uow, org_id: uuid.UUID, starting_plan: str = FREE) -> bool:
    """The grace period ended: the organisation falls back to the free plan if it is still unpaid."""
    account = await uow.repo.account(org_id, lock=True)
    after = grace_over(account, uow.now()) if account is not None else None
    if account is None or after is None:
        return False
    await _emit(uow, account, after, GRACE_EXPIRED, starting_plan)
    return True


async def organization_updated(uow: Uow, event: Envelope[OrganizationUpdated], starting_plan: str = FREE) -> None:
    """The organisation's creators and seats (highest revision wins); a new one gets the starting
    plan (``BILLING_DEFAULT_PLAN``: the free plan)."""
    org = event.payload
    account = await uow.repo.account(org.organization_id, lock=True)
    if account is not None and account.org_revision >= org.revision:
        return
    base = account or Account(org_id=org.organization_id)
    after = replace(base, org_revision=org.revision, name=org.name, creator_ids=tuple(org.creator_ids), seats=org.seats)
    await _emit(uow, account, after, "signup" if account is None else "organization.updated", starting_plan)
    await uow.repo.map_creators(org.organization_id, org.creator_ids, org.revision)
    await metering.attribute_pending(uow, org.organization_id, org.creator_ids, cause=event)


def subscribe(subs: Subscriptions, grace: timedelta, starting_plan: str = FREE) -> None:
    @subs.on(OrganizationUpdated, name="organizations")
    async def organizations(uow: Uow, event: Envelope[OrganizationUpdated]) -> None:
        """Keeps each organisation's account: its creators and seats; free plan when new."""
        await organization_updated(uow, event, starting_plan)

    @subs.timer(STRIPE_EVENT)
    async def stripe_event(uow: Uow, timer: Timer[Any]) -> None:
        """Processes one stored Stripe webhook event (once: its processed_at is set with its effect)."""
        await process_stripe_event(uow, timer, grace, starting_plan)

    @subs.timer(GRACE_EXPIRED, GraceTimer)
    async def grace_expired(uow: Uow, timer: Timer[GraceTimer]) -> None:
        """A past-due organisation's grace period ended: free plan unless it paid meanwhile."""
        await expire_grace(uow, timer.payload.organization_id, starting_plan)
