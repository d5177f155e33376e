"""The inbox subscriptions wired as FastStream typed subscribers, driven by TestKafkaBroker: the ai's
JSON on reply.drafted.v1 reaches the drafts handler (no broker, no database); a record that is not
a valid reply.drafted envelope is refused by the typed subscriber before any handler runs."""

from __future__ import annotations

import uuid

import pytest
from faststream.kafka import TestKafkaBroker

from huntaze_events import ReplyDrafted
from huntaze_service.wiring import wired_broker
from huntaze_testkit.fakes import FakeUnitOfWork, envelope
from inbox import handlers
from inbox.consumers import subscriptions

from .fakes import FakeInboxRepository
from .test_use_cases import CREATOR, RecordingConnector, receive


async def test_reply_drafted_on_its_topic_becomes_a_draft_waiting_for_approval() -> None:
    repo = FakeInboxRepository()
    received = await handlers.receive_message(FakeUnitOfWork(repo, producer="inbox"), receive())
    broker = wired_broker(
        "inbox", subscriptions(RecordingConnector()), uow_factory=lambda: FakeUnitOfWork(repo, producer="inbox")
    )
    draft_id = uuid.uuid4()
    event = envelope(
        ReplyDrafted(
            draft_id=draft_id,
            conversation_id=received.conversation_id,
            in_reply_to_message_id=received.message_id,
            fan_id=received.fan_id,
            text="Hey!",
            provider="offline",
            model=None,
        ),
        producer="ai",
        creator_id=CREATOR,
    )
    async with TestKafkaBroker(broker) as test:
        await test.publish(event.to_json(), "reply.drafted.v1")
        with pytest.raises(Exception, match="validation"):
            await test.publish(b'{"type": "reply.drafted", "payload": {}}', "reply.drafted.v1")
    assert list(repo.drafts_by_id) == [draft_id]
