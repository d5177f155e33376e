"""The ai subscriptions wired as FastStream typed subscribers, driven by TestKafkaBroker: the inbox's
JSON on message.received.v1 reaches draft_reply, which records a draft call (no broker, no database)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from faststream.kafka import TestKafkaBroker

from ai.adapters.offline import OfflineProvider
from ai.consumers import subscriptions
from huntaze_events import FanRef, MessageReceived
from huntaze_service.wiring import wired_broker
from huntaze_testkit.fakes import FakeUnitOfWork, TimerRow, envelope

from .fakes import FakeAiRepository


async def test_message_received_on_its_topic_records_a_draft_call() -> None:
    repo = FakeAiRepository()
    subs = subscriptions(OfflineProvider())
    table: dict[tuple[str, str], TimerRow] = {}
    broker = wired_broker(
        "ai", subs, uow_factory=lambda: FakeUnitOfWork(repo, producer="ai", subscriptions=subs, timers=table)
    )
    now = datetime.now(UTC)
    message_id = uuid.uuid4()
    event = envelope(
        MessageReceived(
            message_id=message_id,
            conversation_id=uuid.uuid4(),
            fan=FanRef(fan_id=uuid.uuid4(), external_id="x", display_name="X"),
            text="hey",
            sent_at=now,
            received_at=now,
        ),
        producer="inbox",
    )
    async with TestKafkaBroker(broker) as test:
        await test.publish(event.to_json(), "message.received.v1")
    assert list(table) == [("draft_reply", str(message_id))]
    assert list(repo.lines) == [message_id]
