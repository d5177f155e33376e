"""A billing worker on fakes with one organisation, and helpers to deliver Stripe events to it."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from typing import Any

import billing.consumers as consumers
import billing.handlers as handlers
from billing.config import BillingSettings
from huntaze_events import OrganizationUpdated
from huntaze_testkit.fakes import FakeWorker, envelope

from .fakes import FakeBillingRepository, FakeStripe

GRACE_S = 7 * 24 * 3600


class World:
    def __init__(self) -> None:
        self.repo = FakeBillingRepository()
        self.stripe = FakeStripe()
        settings = BillingSettings(grace_period_s=GRACE_S)
        self.worker = FakeWorker(
            self.repo, producer="billing", subscriptions=consumers.subscriptions(settings, self.stripe)
        )
        self.org = uuid.uuid4()
        self.creator = uuid.uuid4()
        self.customer = "cus_org1"
        self.revision = 0

    async def organization(self, *creators: uuid.UUID, seats: int = 1, org: uuid.UUID | None = None,
                           revision: int | None = None) -> None:  # fmt: skip
        org = org or self.org
        if revision is None:
            self.revision += 1
            revision = self.revision
        await self.worker.deliver(
            envelope(
                OrganizationUpdated(
                    organization_id=org,
                    revision=revision,
                    name="Acme",
                    creator_ids=list(creators or (self.creator,)),
                    seats=seats,
                ),
                producer="gateway",
                creator_id=org,
            )  # fmt: skip
        )

    async def with_customer(self) -> None:
        await self.organization()
        self.repo.accounts[self.org] = replace(self.repo.accounts[self.org], stripe_customer_id=self.customer)

    async def webhook(self, event: dict[str, Any]) -> bool:
        """Stores the event as the route does (its signature already verified); whether it was new."""
        async with self.worker.uow() as uow:
            return await handlers.receive_webhook(uow, event, json.dumps(event))

    async def process(self) -> int:
        return await self.worker.fire_due()

    async def send(self, *events: dict[str, Any]) -> None:
        for event in events:
            await self.webhook(event)
        await self.process()

    def outcome(self, event: dict[str, Any]) -> str | None:
        return self.repo.events[event["id"]].outcome

    @property
    def account(self):
        return self.repo.accounts[self.org]

    def entitlements(self) -> list[Any]:
        return [e.payload for e in self.worker.emitted("entitlement.changed") if e.payload.organization_id == self.org]

    def plan_changes(self) -> list[Any]:
        return [e.payload for e in self.worker.emitted("plan.changed") if e.payload.organization_id == self.org]
