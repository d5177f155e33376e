"""Events about the platform's own billing (billing service) and the organisations it bills (gateway).

These are platform-level events: their tenant (the envelope's ``creator_id``) is the organisation's
id, and their Kafka key is ``organization_id``, so that everything about one organisation is read in
order. Consumers that enforce limits per creator account map each of the organisation's
``creator_ids`` to it.

Monthly limits (``ai_drafts_per_month``, ``mass_messages_per_month``) count per UTC calendar month,
in every service alike (the period ``YYYY-MM``), whatever the Stripe billing period.
"""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import AwareDatetime, Field

from .envelope import EventPayload
from .registry import event

PlanCode = str
PLAN_CODE = r"^[a-z][a-z0-9_-]{0,31}$"
Network = Literal["instagram", "tiktok", "x", "reddit"]
PlanStatus = Literal["free", "trialing", "active", "past_due", "canceled"]
Metric = Literal["ai_drafts", "mass_messages"]
PERIOD = r"^\d{4}-(0[1-9]|1[0-2])$"
MAX_CREATOR_IDS = 1000


class Limits(EventPayload):
    """What a plan allows; ``None`` means no limit."""

    ai_drafts_per_month: int | None = Field(ge=0, description="AI-written texts (drafts, regenerations, automation texts).")
    creators: int | None = Field(ge=0, description="Creator accounts in the organisation.")
    seats: int | None = Field(ge=0, description="Members of the organisation (the owners included).")
    mass_messages_per_month: int | None = Field(ge=0)


class Features(EventPayload):
    """What a plan switches on."""

    autopilot: bool = Field(description="Automations may send without a person (bounded autopilot).")
    stream_exports: bool = Field(description="Exports of the event streams for analysts.")
    marketing_networks: list[Network] = Field(max_length=4, description="Networks posts may be scheduled on.")


@event("organization.updated", version=1, producer="gateway", key="organization_id")
class OrganizationUpdated(EventPayload):
    """An organisation was created, or its creator accounts or members changed: what it now is.

    Consumers keep the highest ``revision``. Consumer: billing (which organisation a creator account
    belongs to, and the creators and seats used against the plan)."""

    organization_id: uuid.UUID
    revision: int = Field(ge=1)
    name: str = Field(max_length=200)
    creator_ids: list[uuid.UUID] = Field(max_length=MAX_CREATOR_IDS)
    seats: int = Field(ge=0, description="Members, the owners included.")


@event("plan.changed", version=1, producer="billing", key="organization_id")
class PlanChanged(EventPayload):
    """An organisation's plan or its subscription's standing changed (checkout, upgrade, renewal,
    payment failed, grace over, cancellation).

    For analysts and the audit trail; services enforce
    ``entitlement.changed``."""

    organization_id: uuid.UUID
    revision: int = Field(ge=1)
    plan: PlanCode = Field(pattern=PLAN_CODE)
    previous_plan: PlanCode | None = Field(default=None, pattern=PLAN_CODE)
    status: PlanStatus
    interval: Literal["month", "year"] | None = None
    current_period_end: AwareDatetime | None = None
    cancel_at_period_end: bool = False
    grace_until: AwareDatetime | None = Field(
        default=None, description="Past due: when the organisation falls back to the free plan if still unpaid."
    )
    reason: str = Field(max_length=64, description="The Stripe event type, `grace_expired` or `signup`.")


@event("entitlement.changed", version=1, producer="billing", key="organization_id")
class EntitlementChanged(EventPayload):
    """What an organisation may use, whole, as it now is.

    Every service that enforces a limit keeps
    the highest ``revision`` per organisation in its own read model (no call to billing on the hot
    path)."""

    organization_id: uuid.UUID
    revision: int = Field(ge=1)
    plan: PlanCode = Field(pattern=PLAN_CODE)
    plan_name: str = Field(max_length=64)
    status: PlanStatus
    limits: Limits
    features: Features
    creator_ids: list[uuid.UUID] = Field(
        max_length=MAX_CREATOR_IDS, description="The organisation's creator accounts (whose use counts against it)."
    )
    upgrades: dict[str, str] = Field(
        default_factory=dict,
        description="For each limit or feature this plan caps: the name of the cheapest plan that allows more "
        "(what a 402 names).",
    )


@event("usage.recorded", version=1, producer="billing", key="organization_id")
class UsageRecorded(EventPayload):
    """One unit of metered use was counted for an organisation's month, once per source event."""

    organization_id: uuid.UUID
    metric: Metric
    period: str = Field(pattern=PERIOD, description="The UTC calendar month, `YYYY-MM`.")
    quantity: int = Field(ge=1)
    total: int = Field(ge=1, description="The month's count for this metric, this unit included.")
    source_event_id: uuid.UUID = Field(description="The event that was counted (`reply.drafted`, `massmessage.sent`).")


ORGANIZATION_EVENTS: tuple[type[EventPayload], ...] = (OrganizationUpdated, PlanChanged, EntitlementChanged, UsageRecorded)
"""The events whose tenant (the envelope's ``creator_id``) is the organisation, not a creator account."""
