"""Usage metering: each ``reply.drafted`` and each sent ``massmessage.sent`` is one unit of its
organisation's month (UTC, ``YYYY-MM``), counted once per source event (its id is the unit's key).

A creator whose organisation is not known yet (organization.updated not seen) keeps its units
pending; they are counted when the mapping arrives. For a plan with a Stripe meter, each AI draft
is also reported to Stripe as a meter event through the chassis' call outbox (key = the unit id,
which is also Stripe's ``identifier``): once locally, deduplicated by Stripe, across restarts."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel

from huntaze_events import Envelope, MassMessageSent, ReplyDrafted, UsageRecorded
from huntaze_service import Call, CallFailed, Subscriptions, UnitOfWork

from .plans import Catalogue
from .ports import BillingRepository, Unit
from .stripe_api import StripePort, StripeRefused, StripeUnavailable

Uow = UnitOfWork[BillingRepository]
METER_EVENT = "meter_event"


class MeterEvent(BaseModel):
    event_name: str
    customer_id: str
    value: int = 1


def period_of(event: Envelope[Any]) -> str:
    return event.occurred_at.strftime("%Y-%m")


async def _count(uow: Uow, unit: Unit, org_id: uuid.UUID, cause: Envelope[Any] | None) -> None:
    total = await uow.repo.count_unit(org_id, unit.metric, unit.period)
    uow.emit(
        UsageRecorded(organization_id=org_id, metric=unit.metric, period=unit.period, quantity=1,  # type: ignore[arg-type]
                      total=total, source_event_id=unit.id),
        creator_id=org_id, cause=cause,
    )  # fmt: skip
    if unit.metric != "ai_drafts":
        return
    account = await uow.repo.account(org_id)
    plan = Catalogue.of(await uow.repo.plans()).get(account.plan) if account is not None else None
    if plan is not None and plan.stripe_meter_event and account is not None and account.stripe_customer_id:
        uow.call(
            METER_EVENT, key=str(unit.id), tenant=org_id, cause=cause,
            payload=MeterEvent(event_name=plan.stripe_meter_event, customer_id=account.stripe_customer_id),
        )  # fmt: skip


async def record(uow: Uow, event: Envelope[Any], metric: str) -> None:
    """One unit for the event's creator: counted now if its organisation is known, else pending."""
    org = await uow.repo.org_of_creator(event.creator_id)
    unit = Unit(event.event_id, event.creator_id, metric, period_of(event), event.occurred_at, org)
    if await uow.repo.add_unit(unit) and org is not None:
        await _count(uow, unit, org, event)


async def attribute_pending(
    uow: Uow, org_id: uuid.UUID, creator_ids: Sequence[uuid.UUID], *, cause: Envelope[Any] | None
) -> None:
    """Counts the units that waited for these creators' organisation."""
    for unit in await uow.repo.pending_units(creator_ids):
        await uow.repo.attribute_unit(unit.id, org_id)
        await _count(uow, unit, org_id, cause)


def subscribe(subs: Subscriptions, stripe_of: Callable[[], StripePort]) -> None:
    @subs.on(ReplyDrafted, name="metered_drafts")
    async def metered_drafts(uow: Uow, event: Envelope[ReplyDrafted]) -> None:
        """Counts each AI draft against its organisation's month (usage.recorded)."""
        await record(uow, event, "ai_drafts")

    @subs.on(MassMessageSent, name="metered_mass_messages")
    async def metered_mass_messages(uow: Uow, event: Envelope[MassMessageSent]) -> None:
        """Counts each mass message against its organisation's month, as the inbox's quota does: one
        cancelled before anything was sent is not counted (the inbox released it)."""
        if event.payload.status == "done" or event.payload.sent > 0:
            await record(uow, event, "mass_messages")

    async def remote(call: Call[MeterEvent]) -> str:
        try:
            return await stripe_of().meter_event(
                call.payload.event_name, call.payload.customer_id, call.payload.value, call.idempotency_key
            )
        except StripeUnavailable as exc:
            raise CallFailed(str(exc)) from exc
        except StripeRefused as exc:
            raise CallFailed(str(exc), permanent=True) from exc

    async def on_result(uow: Uow, call: Call[MeterEvent], result: str) -> None:
        return None

    subs.call(METER_EVENT, MeterEvent, remote=remote, on_result=on_result, timeout_s=30,
              description="Reports one metered AI draft to Stripe (identifier = the unit id).")  # fmt: skip
