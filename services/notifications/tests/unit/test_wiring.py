"""The notifications subscriptions wired as FastStream typed subscribers, driven by TestKafkaBroker:
marketing's JSON on post.failed.v1 reaches the handler that tells the team (no broker, no database)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from faststream.kafka import TestKafkaBroker

import notifications.consumers as consumers
from huntaze_events import PostFailed
from huntaze_service.wiring import wired_broker
from huntaze_testkit.fakes import FakeUnitOfWork, envelope

from .fakes import FakeNotificationsRepository, RecordingSender


async def test_post_failed_on_its_topic_becomes_a_notice() -> None:
    repo = FakeNotificationsRepository()
    creator = uuid.uuid4()
    subs = consumers.subscriptions(sender_of=lambda: RecordingSender())
    broker = wired_broker("notifications", subs, uow_factory=lambda: FakeUnitOfWork(repo, producer="notifications"))
    payload = PostFailed(post_id=uuid.uuid4(), account_id=uuid.uuid4(), network="reddit",
                         scheduled_for=datetime(2026, 11, 2, 18, tzinfo=UTC), reason="subreddit is private")  # fmt: skip
    event = envelope(payload, producer="marketing", creator_id=creator)
    async with TestKafkaBroker(broker) as test:
        await test.publish(event.to_json(), "post.failed.v1")
    [notice] = repo.notice_rows.values()
    assert (notice.creator_id, notice.kind, notice.user_id) == (creator, "post_failed", None)
    assert "subreddit is private" in notice.body and notice.data["network"] == "reddit"


def test_every_forwarded_event_type_has_a_subscription() -> None:
    from notifications.domain import WEBHOOK_EVENTS

    subscribed = {s.spec.type for s in consumers.subscriptions(sender_of=lambda: RecordingSender())}
    assert set(WEBHOOK_EVENTS) <= subscribed
