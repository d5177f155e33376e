"""The analytics subscriptions wired as FastStream typed subscribers, driven by TestKafkaBroker: the
fans service's JSON on transaction.recorded.v1 and subscription.*.v1 reaches the handlers that keep
the read models (no broker, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from faststream.kafka import TestKafkaBroker

import analytics.consumers as consumers
from huntaze_service import Subscriptions
from huntaze_service.wiring import wired_broker
from huntaze_testkit.fakes import FakeUnitOfWork

from .events import CREATOR, fan, subscription, transaction
from .fakes import FakeAnalyticsRepository


def test_every_revenue_event_and_the_erasure_have_a_subscription() -> None:
    subs = consumers.subscriptions()
    assert {s.name: s.spec.topic for s in subs} == {
        "revenue": "transaction.recorded.v1",
        "chatter_sales": "transaction.recorded.v1",
        "chatter_replies": "reply.sent.v1",
        "chatter_offers": "ppv.offered.v1",
        "chatter_unlocks": "ppv.unlocked.v1",
        "chatter_shifts": "shift.scheduled.v1",
        "chatter_shifts_cancelled": "shift.cancelled.v1",
        "subscriptions_started": "subscription.started.v1",
        "subscriptions_renewed": "subscription.renewed.v1",
        "subscriptions_expired": "subscription.expired.v1",
        "fan_erasure": "fan.erased.v1",
        "marketing_clicks": "link.clicked.v1",
        "marketing_conversions": "conversion.tracked.v1",
        "marketing_campaigns": "campaign.created.v1",
        "media_uploaded": "media.uploaded.v1",
        "media_updated": "media.updated.v1",
        "media_offers": "ppv.offered.v1",
        "media_unlocks": "ppv.unlocked.v1",
        "media_reversals": "transaction.recorded.v1",
        "media_segments": "fan.segment_changed.v1",
        "weekly_post_captions": "post.scheduled.v1",
    }
    assert set(subs.timers) == {"attribute_sale", "weekly_summary"}


async def test_revenue_events_on_their_topics_reach_the_read_models() -> None:
    repo = FakeAnalyticsRepository()
    # TestKafkaBroker hands a record to one subscriber of a group (the chassis' loop hands it to every
    # subscription of its topic): leave out the second subscription of transaction.recorded
    subs = Subscriptions()
    for sub in consumers.subscriptions():
        if sub.name not in ("chatter_sales", "media_reversals"):
            subs._add(sub)
    broker = wired_broker("analytics", subs, uow_factory=lambda: FakeUnitOfWork(repo, producer="analytics"))
    now = datetime.now(UTC)
    sale = transaction("ann", "tip", 1234, now, name="Ann")
    start, expiry = now - timedelta(days=40), now - timedelta(days=10)
    async with TestKafkaBroker(broker) as test:
        await test.publish(sale.to_json(), "transaction.recorded.v1")
        await test.publish(subscription("started", "ann", start, expiry).to_json(), "subscription.started.v1")
        await test.publish(
            subscription("renewed", "ann", start, expiry + timedelta(days=30)).to_json(), "subscription.renewed.v1"
        )
        await test.publish(
            subscription("expired", "ann", start, expiry, expired_at=now).to_json(), "subscription.expired.v1"
        )
    [fact] = repo.facts.values()
    assert (fact.transaction_id, fact.line, fact.gross_cents, fact.net_cents) == (
        sale.payload.transaction_id,
        "tips",
        1234,
        988,
    )
    [period] = repo.periods.values()
    assert (period.started_at, period.expires_at, period.ended_at) == (start, expiry + timedelta(days=30), now)
    assert repo.fans[(CREATOR, fan("ann").fan_id)].display_name == "Ann"
