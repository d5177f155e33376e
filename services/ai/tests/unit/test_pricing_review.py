"""The pricing read model and review on fakes: events in any order → counts per scope → suggestions
(near the known best price on generated offers), "not enough data" per scope, the daily review's
price.suggested only when a suggestion changes, and a fan's erasure leaving the counts."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

from ai.consumers import subscriptions
from ai.pricing import review
from ai.pricing.ppv import NotEnoughData, PriceSuggestion
from ai.pricing.review import PricingData, SubscriptionRow, subscription_points
from huntaze_events import FanErased, FanSegmentChanged, MediaUploaded, PpvOffered, PpvUnlocked
from huntaze_events.inbox import OfferBy
from huntaze_testkit.fakes import FakeWorker, envelope

from .fakes import FakeAiRepository
from .pricing_data import LogisticCurve, true_best

CREATOR = uuid.UUID(int=42)
NOW = datetime(2026, 11, 2, 9, tzinfo=UTC)
CURVE = LogisticCurve(5.5, -2.2)  # the best nice price is known ($11): pricing_data.true_best


def worker() -> FakeWorker[FakeAiRepository]:
    from ai.adapters.offline import OfflineProvider as Offline

    w = FakeWorker(FakeAiRepository(), producer="ai", subscriptions=subscriptions(Offline()))
    w.clock.current = NOW
    return w


def offer_events(
    price: int, count: int, rng: random.Random, *, media: uuid.UUID, segment_fans: list[uuid.UUID]
) -> list:
    events = []
    for i in range(count):
        fan = segment_fans[i % len(segment_fans)] if segment_fans else uuid.uuid4()
        offer, at = uuid.uuid4(), NOW - timedelta(days=1 + i % 60, minutes=i)
        common = dict(offer_id=offer, conversation_id=uuid.uuid4(), fan_id=fan, media_ids=[media],
                      by=OfferBy(user_id=uuid.uuid4()), currency="USD")  # fmt: skip
        events.append(envelope(PpvOffered(**common, text="new set", price_cents=price, sent_at=at,
                                          expires_at=at + timedelta(days=2)), producer="inbox", creator_id=CREATOR))  # fmt: skip
        if rng.random() < CURVE(price):
            events.append(envelope(PpvUnlocked(**common, transaction_id=uuid.uuid4(), price_cents=price,
                                               gross_cents=price, net_cents=price * 8 // 10, offered_at=at,
                                               unlocked_at=at + timedelta(hours=1)),
                                   producer="inbox", creator_id=CREATOR))  # fmt: skip
    return events


async def test_offers_in_any_order_give_a_suggestion_near_the_known_best_price_and_scopes_without_data_say_so() -> None:
    w = worker()
    video = uuid.uuid4()
    await w.deliver(envelope(MediaUploaded(media_id=video, kind="video", content_type="video/mp4", size_bytes=10,
                                           sha256="0" * 64, title="set", uploaded_at=NOW - timedelta(days=90)),
                             producer="content", creator_id=CREATOR))  # fmt: skip
    whales = [uuid.uuid4() for _ in range(5)]
    for fan in whales:
        await w.deliver(envelope(FanSegmentChanged(fan_id=fan, segment="whales", change="entered", segment_name="whales",
                                                   at=NOW - timedelta(days=90)), producer="fans", creator_id=CREATOR))  # fmt: skip
    rng = random.Random(7)
    events = []
    for price in (500, 800, 1200, 1800, 2500):
        events += offer_events(price, 700, rng, media=video, segment_fans=[])
    events += offer_events(1500, 40, rng, media=video, segment_fans=whales)  # too few for whales alone
    rng.shuffle(events)  # an unlock may come before its offer
    for event in events:
        await w.deliver(event)
        await w.deliver(event)  # and twice

    async with w.uow() as uow:
        found = await review.report(uow, CREATOR, currency=None, days=90, now=NOW)
    overall = next(s for s in found.ppv if (s.segment, s.media_kind) == ("all", "all"))
    assert isinstance(overall.result, PriceSuggestion)
    best, best_revenue = true_best(CURVE)
    suggested = overall.result.suggested_price_cents
    assert suggested * CURVE(suggested) >= 0.95 * best_revenue, (suggested, best)  # within 5 % of the best revenue
    assert overall.result.evidence.offers == 5 * 700 + 40  # type: ignore[union-attr]
    assert (
        overall.result.change_30d_low_cents <= overall.result.change_30d_cents <= overall.result.change_30d_high_cents
    )
    by_scope = {(s.segment, s.media_kind): s.result for s in found.ppv}
    assert isinstance(by_scope[("whales", "all")], NotEnoughData) and isinstance(
        by_scope[("all", "video")], PriceSuggestion
    )
    assert isinstance(found.subscription.result, NotEnoughData) and isinstance(found.tips, NotEnoughData)

    # the daily review: price.suggested for the scopes whose suggestion differs, once
    async with w.uow() as uow:
        first = await review.review(uow, CREATOR)
        await uow.commit()
    async with w.uow() as uow:
        again = await review.review(uow, CREATOR)
        await uow.commit()
    emitted = w.emitted("price.suggested")
    assert first == len(emitted) >= 1 and again == 0
    assert {e.payload.scope_key for e in emitted} >= {f"{CREATOR}:ppv:all:all"}
    assert (REVIEW := review.REVIEW, str(CREATOR)) in w.timers and w.timers[(REVIEW, str(CREATOR))].write.recurrence

    fan = next(iter(w.repo.pricing_offers.values())).fan_id
    erased = FanErased(fan_id=fan, creator_id=CREATOR, erased_at=NOW, requested_by=uuid.uuid4())
    await w.deliver(envelope(erased, producer="fans", creator_id=CREATOR))
    assert all(o.fan_id != fan for o in w.repo.pricing_offers.values())
    async with w.uow() as uow:
        after = await review.report(uow, CREATOR, currency="USD", days=90, now=NOW)
    assert after.ppv[0].result.evidence.offers == 5 * 700 + 40  # type: ignore[union-attr]


def test_subscription_visitors_count_for_the_price_in_force_that_day() -> None:
    since = NOW - timedelta(days=4)
    subs = (
        SubscriptionRow(since + timedelta(days=0, hours=2), 999, True, 1, False),
        SubscriptionRow(since + timedelta(days=2, hours=2), 1499, True, 0, True),
        SubscriptionRow(since + timedelta(days=2, hours=3), 1499, False, 0, False),  # organic: no visitor counted
    )
    clicks = {(since + timedelta(days=d)).date(): 100 * (d + 1) for d in range(5)}
    points = subscription_points(PricingData("USD", since, NOW, subscriptions=subs, clicks=clicks))
    assert [(p.price_cents, p.visitors, p.subscribed, p.renewed, p.expired) for p in points] == [
        (999, 100 + 200, 1, 1, 0),
        (1499, 300 + 400 + 500, 1, 0, 1),
    ]


def test_no_fan_fact_no_media_kind_and_an_unknown_medium_are_priced_as_others_and_unknown() -> None:
    from ai.pricing.records import kind_of, main_segment

    assert main_segment(("lapsed", "whales")) == "whales" and main_segment(()) == "others"
    assert kind_of(["photo", "photo"]) == "photo" and kind_of(["photo", "video"]) == "mixed"
    assert kind_of(["photo", None]) == "unknown" and kind_of([]) == "unknown"
