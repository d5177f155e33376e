"""The billing subscriptions wired as FastStream typed subscribers, driven by TestKafkaBroker: the
gateway's JSON on organization.updated.v1 reaches the organizations handler (no broker, no database)."""

from __future__ import annotations

import uuid

from faststream.kafka import TestKafkaBroker

import billing.consumers as consumers
from billing.config import BillingSettings
from huntaze_events import OrganizationUpdated
from huntaze_events.registry import REGISTRY
from huntaze_service.wiring import wired_broker
from huntaze_testkit.fakes import FakeUnitOfWork, envelope

from .fakes import FakeBillingRepository, FakeStripe


async def test_organization_updated_on_its_topic_reaches_the_account() -> None:
    repo = FakeBillingRepository()
    subs = consumers.subscriptions(BillingSettings(), FakeStripe())
    broker = wired_broker(
        "billing", subs, uow_factory=lambda: FakeUnitOfWork(repo, producer="billing", subscriptions=subs)
    )
    org, creator = uuid.uuid4(), uuid.uuid4()
    event = envelope(
        OrganizationUpdated(organization_id=org, revision=1, name="Acme", creator_ids=[creator], seats=1),
        producer="gateway", creator_id=org,
    )  # fmt: skip
    async with TestKafkaBroker(broker) as test:
        await test.publish(event.to_json(), REGISTRY.for_model(OrganizationUpdated).topic)
    assert repo.accounts[org].creator_ids == (creator,) and repo.accounts[org].plan == "free"


def test_the_webhook_route_takes_the_bodies_the_gateway_forwards() -> None:
    """Stripe events may exceed the services' default 64 KiB: the webhook route takes up to 1 MiB, as
    the gateway's public route does (a larger one is 413 there first)."""
    from billing import webhook_api
    from billing.bootstrap import build

    service = build(BillingSettings())
    assert service.body_limits == {"/v1/billing/webhooks/stripe": webhook_api.MAX_BODY}
    assert webhook_api.MAX_BODY == 1024 * 1024 > BillingSettings().max_request_bytes
