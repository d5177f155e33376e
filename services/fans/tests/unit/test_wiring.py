"""The fans subscriptions wired as FastStream typed subscribers, driven by TestKafkaBroker: the
inbox's JSON on message.received.v1 reaches the fan_activity handler (no broker, no database)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from faststream.kafka import TestKafkaBroker

from fans.consumers import subscriptions
from huntaze_events import FanRef, MessageReceived, fan_id_for
from huntaze_service.wiring import wired_broker
from huntaze_testkit.fakes import FakeUnitOfWork, envelope

from .fakes import FakeFansRepository


async def test_message_received_on_its_topic_reaches_fan_activity() -> None:
    repo = FakeFansRepository()
    creator = uuid.uuid4()
    broker = wired_broker("fans", subscriptions(), uow_factory=lambda: FakeUnitOfWork(repo, producer="fans"))
    now = datetime.now(UTC)
    event = envelope(
        MessageReceived(
            message_id=uuid.uuid4(),
            conversation_id=uuid.uuid4(),
            fan=FanRef(fan_id=fan_id_for(creator, "x"), external_id="x", display_name="X"),
            text="hey",
            sent_at=now,
            received_at=now,
        ),
        producer="inbox",
        creator_id=creator,
    )
    async with TestKafkaBroker(broker) as test:
        await test.publish(event.to_json(), "message.received.v1")
    assert list(repo.fans) == [fan_id_for(creator, "x")]
