"""The billing subscriptions wired as FastStream typed subscribers, driven by TestKafkaBroker: the
fans service's JSON on fan.profile_updated.v1 reaches the fans_seen handler (no broker, no database)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from faststream.kafka import TestKafkaBroker

import billing.consumers as consumers
from huntaze_events import FanProfileUpdated
from huntaze_service.wiring import wired_broker
from huntaze_testkit.fakes import FakeUnitOfWork, envelope

from .fakes import FakeBillingRepository


async def test_fan_profile_updated_on_its_topic_reaches_fans_seen() -> None:
    repo = FakeBillingRepository()
    creator, fan = uuid.uuid4(), uuid.uuid4()
    broker = wired_broker(
        "billing", consumers.subscriptions(), uow_factory=lambda: FakeUnitOfWork(repo, producer="billing")
    )
    now = datetime.now(UTC)
    event = envelope(
        FanProfileUpdated(
            fan_id=fan, external_id="x", display_name="X", first_message_at=now, last_message_at=now, message_count=1
        ),
        producer="fans",
        creator_id=creator,
    )
    async with TestKafkaBroker(broker) as test:
        await test.publish(event.to_json(), "fan.profile_updated.v1")
    assert [(f.fan_id, f.display_name) for f in repo.fans.values()] == [(fan, "X")]
