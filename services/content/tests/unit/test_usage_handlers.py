"""The usage history built from events on fakes (the real subscriptions, a fake worker): each fact
counts once whichever event brings it and in whatever order; revenue is exact to the cent and
refunds subtract; a fan's flags; mass messages and posts; the tenant wall; erasure."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from content import usage_handlers as handlers
from content.usage import UnknownFan, UnknownMedia
from huntaze_events import (
    FanErased,
    FanProfileUpdated,
    FanRef,
    MassMessageSent,
    OfferBy,
    PostPublished,
    PpvOffered,
    PpvUnlocked,
    TransactionRecorded,
    TransactionRef,
    make_envelope,
)
from huntaze_service import PermanentError, Subscriptions
from huntaze_testkit.fakes import Clock, FakeWorker

from .fake_usage import FakeUsageRepository

CREATOR, OTHER = uuid.uuid4(), uuid.uuid4()
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
FAN, FAN2 = uuid.uuid4(), uuid.uuid4()
CHATTER = uuid.uuid4()


@pytest.fixture
def worker() -> FakeWorker[FakeUsageRepository]:
    subs = Subscriptions()
    handlers.subscribe(subs)
    return FakeWorker(FakeUsageRepository(), producer="content", subscriptions=subs, clock=Clock(T0))


def offered(offer: uuid.UUID, media: list[uuid.UUID], fan: uuid.UUID = FAN, *, price: int = 1500,
            mass: uuid.UUID | None = None, creator: uuid.UUID = CREATOR, at: datetime = T0) -> Any:  # fmt: skip
    payload = PpvOffered(
        offer_id=offer, conversation_id=uuid.uuid4(), fan_id=fan, text="new set", price_cents=price, currency="USD",
        media_ids=media, by=OfferBy(user_id=CHATTER), mass_message_id=mass, sent_at=at, expires_at=at + timedelta(days=3),
    )  # fmt: skip
    return make_envelope(payload, producer="inbox", creator_id=creator)


def unlocked(offer: uuid.UUID, media: list[uuid.UUID], tx: uuid.UUID, fan: uuid.UUID = FAN, *, gross: int = 1500,
             net: int = 1200, mass: uuid.UUID | None = None, creator: uuid.UUID = CREATOR) -> Any:  # fmt: skip
    payload = PpvUnlocked(
        offer_id=offer, conversation_id=uuid.uuid4(), fan_id=fan, transaction_id=tx, price_cents=1500,
        gross_cents=gross, net_cents=net, currency="USD", media_ids=media, by=OfferBy(user_id=CHATTER),
        mass_message_id=mass, offered_at=T0, unlocked_at=T0 + timedelta(hours=2),
    )  # fmt: skip
    return make_envelope(payload, producer="inbox", creator_id=creator)


def transaction(offer: uuid.UUID | str, tx: uuid.UUID, gross: int, net: int, *, type_: str = "message",
                fan: uuid.UUID = FAN, currency: str = "USD", creator: uuid.UUID = CREATOR,
                kind: str = "message") -> Any:  # fmt: skip
    payload = TransactionRecorded(
        transaction_id=tx, fan_id=fan, fan=FanRef(fan_id=fan, external_id="of_fan", display_name="Jake"),
        type=type_, gross_cents=gross, fee_cents=gross - net, net_cents=net, currency=currency,
        occurred_at=T0 + timedelta(hours=2), source="connector", ref=TransactionRef(kind=kind, id=str(offer)),
    )  # fmt: skip
    return make_envelope(payload, producer="fans", creator_id=creator)


def revenue(u: Any) -> list[tuple[str, int, int]]:
    return [(m.currency, m.gross_cents, m.net_cents) for m in u.offers.revenue]


async def usage_of(worker: FakeWorker[FakeUsageRepository], media: uuid.UUID, creator: uuid.UUID = CREATOR) -> Any:
    async with worker.uow() as uow:
        return await handlers.usage_of(uow, creator, media)


async def flags(worker: FakeWorker[FakeUsageRepository], fan: uuid.UUID, media: list[uuid.UUID]) -> dict:
    async with worker.uow() as uow:
        return await handlers.fan_flags(uow, CREATOR, fan, media)


async def sold(worker: FakeWorker[FakeUsageRepository], media: list[uuid.UUID]) -> set[uuid.UUID]:
    async with worker.uow() as uow:
        return await handlers.sold_among(uow, CREATOR, media)


async def test_an_unlock_counts_once_whatever_order_its_events_arrive_in_and_refunds_subtract(worker) -> None:
    m1, m2, offer, tx = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    # the sale comes first, then the unlock that repeats it, then the offer itself (all twice)
    for _ in range(2):
        await worker.deliver(transaction(offer, tx, 1500, 1200))
        await worker.deliver(unlocked(offer, [m1, m2], tx))
        await worker.deliver(offered(offer, [m1, m2]))
    for media in (m1, m2):
        u = await usage_of(worker, media)
        assert (u.offers.sent, u.offers.bought, u.offers.unlock_rate) == (1, 1, 1.0)
        assert revenue(u) == [("USD", 1500, 1200)]  # a bundle's revenue counts for each of its media
    assert await flags(worker, FAN, [m1, m2]) == {m1: "bought", m2: "bought"}
    assert await sold(worker, [m1, m2, uuid.uuid4()]) == {m1, m2}

    await worker.deliver(transaction(offer, uuid.uuid4(), -501, -401, type_="refund"))
    u = await usage_of(worker, m1)
    assert revenue(u) == [("USD", 999, 799)] and u.offers.refunded == 0
    await worker.deliver(transaction(offer, uuid.uuid4(), -999, -799, type_="chargeback"))
    u = await usage_of(worker, m1)
    assert revenue(u) == [("USD", 0, 0)] and (u.offers.bought, u.offers.refunded) == (1, 1)
    assert await sold(worker, [m1, m2]) == set()  # fully refunded: not sold…
    assert await flags(worker, FAN, [m1]) == {m1: "bought"}  # …but the fan did see it


async def test_offers_sent_unlocked_or_not_give_the_rate_per_price(worker) -> None:
    media = uuid.uuid4()
    offers = [uuid.uuid4() for _ in range(4)]
    fans = [uuid.uuid4() for _ in range(4)]
    await worker.deliver(
        *[
            offered(o, [media], f, price=1500 if i < 3 else 2500)
            for i, (o, f) in enumerate(zip(offers, fans, strict=True))
        ]
    )
    await worker.deliver(transaction(offers[0], uuid.uuid4(), 1500, 1200, fan=fans[0]))
    await worker.deliver(transaction(offers[3], uuid.uuid4(), 2500, 2000, fan=fans[3]))
    u = await usage_of(worker, media)
    assert (u.offers.sent, u.offers.bought, u.offers.unlock_rate) == (4, 2, 0.5)
    assert [(p.price_cents, p.sent, p.bought) for p in u.offers.by_price] == [(1500, 3, 1), (2500, 1, 1)]
    assert revenue(u) == [("USD", 4000, 3200)]
    assert (u.first_used_at, u.last_used_at) == (T0, T0)
    assert await flags(worker, fans[1], [media]) == {media: "sent"}
    # a fan the fans service told us of, never offered anything: no flag; a fan nobody named: not found
    quiet = uuid.uuid4()
    profile = FanProfileUpdated(
        fan_id=quiet, external_id="of_quiet", display_name="Quiet", first_message_at=T0, last_message_at=T0,
        message_count=1,
    )  # fmt: skip
    await worker.deliver(make_envelope(profile, producer="fans", creator_id=CREATOR))
    assert await flags(worker, quiet, [media]) == {}
    with pytest.raises(UnknownFan):
        await flags(worker, uuid.uuid4(), [media])


async def test_transactions_that_are_not_this_offers_are_not_counted(worker) -> None:
    media, offer = uuid.uuid4(), uuid.uuid4()
    await worker.deliver(offered(offer, [media]))
    await worker.deliver(
        transaction(offer, uuid.uuid4(), 1500, 1200, creator=OTHER),  # another creator naming our offer
        transaction(offer, uuid.uuid4(), 1500, 1200, currency="EUR"),  # another currency
        transaction(offer, uuid.uuid4(), 1500, 1200, fan=FAN2),  # another fan
        transaction("of-msg-123", uuid.uuid4(), 1500, 1200),  # the connector's own paid message
        transaction(offer, uuid.uuid4(), 1500, 1200, kind="post"),  # a paid post, not a message
    )
    u = await usage_of(worker, media)
    assert (u.offers.sent, u.offers.bought, revenue(u)) == (1, 0, [("USD", 0, 0)])
    assert await flags(worker, FAN, [media]) == {media: "sent"}


async def test_mass_messages_and_posts_show_in_the_history_once(worker) -> None:
    media, mass = uuid.uuid4(), uuid.uuid4()
    deliveries = [(uuid.uuid4(), uuid.uuid4()) for _ in range(3)]
    await worker.deliver(*[offered(o, [media], f, mass=mass) for o, f in deliveries])
    u = await usage_of(worker, media)
    assert [(m.mass_message_id, m.status, m.offers.sent) for m in u.mass_messages] == [(mass, "sending", 3)]

    o, f = deliveries[0]
    await worker.deliver(unlocked(o, [media], uuid.uuid4(), f, mass=mass))
    sent = MassMessageSent(
        mass_message_id=mass, status="done", recipients=4, sent=3, failed=0, skipped=1, cancelled=0, price_cents=1500,
        currency="USD", media_ids=[media], created_by=CHATTER, started_at=T0 - timedelta(minutes=1),
        finished_at=T0 + timedelta(minutes=5),
    )  # fmt: skip
    post = PostPublished(
        post_id=uuid.uuid4(), account_id=uuid.uuid4(), network="instagram", network_post_id="ig_1",
        scheduled_for=T0 + timedelta(days=1), published_at=T0 + timedelta(days=1), media_ids=[media],
    )  # fmt: skip
    reconciled = post.model_copy(update={"reconciled": True})
    text_only = post.model_copy(update={"post_id": uuid.uuid4(), "media_ids": []})
    await worker.deliver(
        make_envelope(sent, producer="inbox", creator_id=CREATOR),
        make_envelope(sent, producer="inbox", creator_id=CREATOR),  # the same fact, another event
        make_envelope(post, producer="marketing", creator_id=CREATOR),
        make_envelope(reconciled, producer="marketing", creator_id=CREATOR),
        make_envelope(text_only, producer="marketing", creator_id=CREATOR),
    )
    u = await usage_of(worker, media)
    assert u.mass_message_count == 1 and u.post_count == 1
    (m,) = u.mass_messages
    assert (m.status, m.facts.recipients, m.facts.sent, m.facts.skipped, m.facts.price_cents) == ("done", 4, 3, 1, 1500)
    assert (m.offers.sent, m.offers.bought, m.offers.unlock_rate) == (3, 1, 0.3333)
    assert [(p.network, p.network_post_id) for p in u.posts] == [("instagram", "ig_1")]
    assert (u.first_used_at, u.last_used_at) == (T0 - timedelta(minutes=1), T0 + timedelta(days=1))
    assert await flags(worker, f, [media]) == {media: "bought"}
    assert await flags(worker, deliveries[1][1], [media]) == {media: "sent"}


async def test_another_creators_media_and_unknown_ids_are_not_found(worker) -> None:
    media, filed = uuid.uuid4(), uuid.uuid4()
    await worker.deliver(offered(uuid.uuid4(), [media]))
    assert (await usage_of(worker, media)).offers.sent == 1
    with pytest.raises(UnknownMedia):
        await usage_of(worker, media, creator=OTHER)
    with pytest.raises(UnknownMedia):
        await usage_of(worker, uuid.uuid4())
    worker.repo.vault.add((CREATOR, filed))  # in the vault, never used: an empty history
    u = await usage_of(worker, filed)
    assert (u.offers.sent, u.mass_messages, u.posts, u.first_used_at) == (0, (), (), None)
    async with worker.uow() as uow:
        with pytest.raises(UnknownFan):  # another creator's fan
            await handlers.fan_flags(uow, OTHER, FAN, [media])
        assert await handlers.sold_among(uow, CREATOR, []) == set()
        with pytest.raises(ValueError):
            await handlers.fan_flags(uow, CREATOR, FAN, [])


async def test_an_erased_fan_leaves_the_history_but_counts_and_money_stay(worker) -> None:
    media, offer, tx = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await worker.deliver(offered(offer, [media]), offered(uuid.uuid4(), [media], FAN2))
    await worker.deliver(transaction(offer, tx, 1500, 1200))
    erased = FanErased(fan_id=FAN, creator_id=CREATOR, erased_at=T0, requested_by=uuid.uuid4())
    await worker.deliver(make_envelope(erased, producer="fans", creator_id=CREATOR))
    assert await flags(worker, FAN, [media]) == {}
    assert await flags(worker, FAN2, [media]) == {media: "sent"}
    # the unlock event and a refund arriving after the erasure: stored without the fan, counted
    await worker.deliver(unlocked(offer, [media], tx))
    await worker.deliver(transaction(offer, uuid.uuid4(), -500, -400, type_="refund"))
    late = uuid.uuid4()
    await worker.deliver(offered(late, [media]))
    u = await usage_of(worker, media)
    assert (u.offers.sent, u.offers.bought, revenue(u)) == (3, 1, [("USD", 1000, 800)])
    assert await flags(worker, FAN, [media]) == {}  # still a fan of the creator's (by pseudonym): no flag
    assert FAN not in {o.fan_id for o in worker.repo.offers.values()}
    assert FAN not in {t.fan_id for t in worker.repo.transactions.values()}
    assert worker.repo.erased[FAN].creator_id == CREATOR

    lying = FanErased(fan_id=FAN2, creator_id=OTHER, erased_at=T0, requested_by=uuid.uuid4())
    with pytest.raises(PermanentError):
        await worker.deliver(make_envelope(lying, producer="fans", creator_id=CREATOR))
    assert await flags(worker, FAN2, [media]) == {media: "sent"}
