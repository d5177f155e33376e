"""Whale routing on fakes: the right person is picked (sold before beats a better buy rate; the best
buy rate among those on shift; the first on shift; nobody), shifts ended, cancelled or of another
creator never count, a non-whale changes nothing, and a conversation is told once until answered."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from huntaze_events import FanSegmentChanged, ShiftCancelled, ShiftScheduled, fan_id_for
from huntaze_testkit.fakes import Clock, FakeWorker, envelope
from inbox import handlers
from inbox.config import DEFAULT_OFFER_TERMS
from inbox.consumers import subscriptions
from inbox.handlers import offers as offer_cases
from inbox.offers import Offer, OfferStatus
from inbox.whales import MIN_OFFERS, Rate, Shift, Sold, on_duty, route

from .fakes import FakeInboxRepository
from .test_use_cases import CREATOR, RecordingConnector, drafted

ORG = uuid.uuid4()
ANNA, BOB, CARL = (uuid.UUID(int=n) for n in (1, 2, 3))


class World:
    def __init__(self) -> None:
        self.clock = Clock()
        self.w: FakeWorker[FakeInboxRepository] = FakeWorker(
            FakeInboxRepository(), producer="inbox", subscriptions=subscriptions(RecordingConnector()), clock=self.clock
        )
        self.shifts: dict[uuid.UUID, ShiftScheduled] = {}

    @property
    def repo(self) -> FakeInboxRepository:
        return self.w.repo

    async def shift(
        self, user: uuid.UUID, *, started: float = -1, ends: float = 2, creator: uuid.UUID = CREATOR
    ) -> uuid.UUID:
        """A shift of ``user`` from ``started`` to ``ends`` hours from now."""
        now = self.clock()
        p = ShiftScheduled(shift_id=uuid.uuid4(), organization_id=ORG, user_id=user, starts_at=now + timedelta(hours=started),
                           ends_at=now + timedelta(hours=ends), creator_ids=[creator], scheduled_by=user)  # fmt: skip
        self.shifts[p.shift_id] = p
        await self.w.deliver(envelope(p, producer="gateway", creator_id=creator))
        return p.shift_id

    async def cancel(self, shift_id: uuid.UUID) -> None:
        s = self.shifts[shift_id]
        p = ShiftCancelled(shift_id=shift_id, organization_id=ORG, user_id=s.user_id, starts_at=s.starts_at,
                           ends_at=s.ends_at, cancelled_by=s.user_id)  # fmt: skip
        await self.w.deliver(envelope(p, producer="gateway", creator_id=CREATOR))

    async def segment(self, fan: str, segment: str = "whales", change: str = "entered") -> None:
        p = FanSegmentChanged(fan_id=fan_id_for(CREATOR, fan), segment=segment, change=change,  # type: ignore[arg-type]
                              segment_name=segment, at=self.clock())  # fmt: skip
        await self.w.deliver(envelope(p, producer="fans", creator_id=CREATOR))

    def offers(self, user: uuid.UUID, *, fan: str | None = None, sent: int = 1, unlocked: int = 0, net: int = 1000,
               days_ago: float = 1) -> None:  # fmt: skip
        """``sent`` offers by ``user`` (to ``fan``, else to strangers), the first ``unlocked`` of them bought."""
        at = self.clock() - timedelta(days=days_ago)
        for i in range(sent):
            fan_id = fan_id_for(CREATOR, fan) if fan else uuid.uuid4()
            o = Offer(uuid.uuid4(), CREATOR, uuid.uuid4(), fan_id, "set", 1500, "USD", (uuid.uuid4(),),
                      OfferStatus.UNLOCKED if i < unlocked else OfferStatus.SENT, at, user, sent_at=at,
                      unlocked_at=at + timedelta(hours=1) if i < unlocked else None,
                      net_cents=net if i < unlocked else 0)  # fmt: skip
            self.repo.offers_by_id[o.id] = o

    async def writes(self, fan: str = "whale_1", text: str = "hey") -> Any:
        return await handlers.receive_message(
            self.w.uow(), handlers.ReceiveMessage(CREATOR, fan, "Jake", text, None, None)
        )

    def told(self) -> list[Any]:
        return [e.payload for e in self.w.emitted("conversation.prioritized")]


# the rules -------------------------------------------------------------------------------------------


def test_the_rules_in_order() -> None:
    now = datetime(2026, 11, 2, 12, tzinfo=Clock()().tzinfo)
    duty = on_duty(
        [Shift(CREATOR, uuid.UUID(int=10 + n), u, now - timedelta(hours=3 - n), now + timedelta(hours=1)) for n, u in
         enumerate((ANNA, BOB, CARL))], CREATOR, now)  # fmt: skip
    rates = [Rate(ANNA, 20, 2), Rate(BOB, 10, 6), Rate(CARL, 9, 9)]  # Carl: 9/9, too few offers to rank
    assert route(duty, [], rates).user_id == BOB and route(duty, [], rates).matched_by == "buy_rate"
    sold = [Sold(ANNA, 4000, now - timedelta(days=9)), Sold(CARL, 4000, now - timedelta(days=2))]
    assert route(duty, sold, rates) == route(duty, sold, []) and route(duty, sold, rates).user_id == CARL, "latest"
    assert route(duty, [Sold(BOB, 0, now)], []).matched_by == "on_shift", "refunded in full: no sale"
    first = route(duty, [], [])
    assert (first.user_id, first.shift_id, first.matched_by) == (ANNA, uuid.UUID(int=10), "on_shift")
    assert route({}, sold, rates).matched_by == "nobody_on_shift" and route({}, [], []).user_id is None
    tie = [Rate(ANNA, 12, 6), Rate(BOB, 10, 5)]  # the same rate: the larger sample
    assert route(duty, [], tie).user_id == ANNA
    assert route(duty, [], [Rate(CARL, 50, 0)]).matched_by == "on_shift", "no sale at all is no rate"


# through the inbox -----------------------------------------------------------------------------------


async def test_who_sold_to_the_fan_before_beats_a_better_buy_rate() -> None:
    world = World()
    anna_shift = await world.shift(ANNA)
    await world.shift(BOB, started=-3)
    world.offers(ANNA, fan="whale_1", sent=2, unlocked=1, net=8000)
    world.offers(BOB, sent=MIN_OFFERS, unlocked=MIN_OFFERS)  # a perfect rate, never sold to this fan
    await world.segment("whale_1")
    received = await world.writes()
    (told,) = world.told()
    assert (told.assigned_user_id, told.shift_id, told.matched_by) == (ANNA, anna_shift, "sold_before")
    assert told.conversation_id == received.conversation_id and told.message_id == received.message_id
    page = await handlers.list_conversations(world.w.uow(), CREATOR, limit=10, after=None, priority_only=True)
    assert [s.conversation.id for s in page] == [received.conversation_id]


async def test_the_best_buy_rate_among_those_on_shift() -> None:
    world = World()
    await world.shift(ANNA, started=-5)
    bob_shift = await world.shift(BOB)
    world.offers(ANNA, sent=MIN_OFFERS * 2, unlocked=4)
    world.offers(BOB, sent=MIN_OFFERS, unlocked=5)
    world.offers(CARL, sent=MIN_OFFERS, unlocked=MIN_OFFERS)  # the best of all, but his shift ended
    world.offers(CARL, fan="whale_1", sent=1, unlocked=1)  # … and he sold to this fan
    await world.shift(CARL, started=-8, ends=-1)
    await world.segment("whale_1")
    await world.writes()
    (told,) = world.told()
    assert (told.assigned_user_id, told.shift_id, told.matched_by) == (BOB, bob_shift, "buy_rate")


async def test_too_few_offers_or_none_on_shift_falls_back_to_the_first_on_shift_then_to_nobody() -> None:
    world = World()
    await world.shift(BOB, started=-1)
    anna_shift = await world.shift(ANNA, started=-2)
    world.offers(BOB, sent=MIN_OFFERS - 1, unlocked=MIN_OFFERS - 1)
    world.offers(BOB, sent=MIN_OFFERS, unlocked=MIN_OFFERS, days_ago=91)  # outside the window
    await world.segment("whale_1")
    await world.writes()
    (told,) = world.told()
    assert (told.assigned_user_id, told.shift_id, told.matched_by) == (ANNA, anna_shift, "on_shift")

    lonely = World()
    await lonely.segment("whale_1")
    await lonely.writes()
    (told,) = lonely.told()
    assert (told.assigned_user_id, told.shift_id, told.matched_by) == (None, None, "nobody_on_shift")


async def test_a_shift_ended_cancelled_not_started_or_of_another_creator_never_counts() -> None:
    world = World()
    world.offers(ANNA, fan="whale_1", sent=1, unlocked=1)
    cancelled = await world.shift(ANNA)
    await world.cancel(cancelled)
    await world.shift(ANNA, started=-1)  # a late redelivery of the cancelled one changes nothing:
    await world.w.deliver(envelope(world.shifts[cancelled], producer="gateway", creator_id=CREATOR))
    await world.shift(BOB, started=-4, ends=-1)  # ended
    await world.shift(CARL, started=1, ends=3)  # not yet
    await world.shift(CARL, creator=uuid.uuid4())  # on duty, for another creator
    world.offers(BOB, fan="whale_1", sent=1, unlocked=1, net=90_000)
    await world.segment("whale_1")
    await world.writes()
    (told,) = world.told()
    assert told.matched_by == "sold_before" and told.assigned_user_id == ANNA and told.shift_id != cancelled

    gone = World()
    only = await gone.shift(ANNA)
    await gone.cancel(only)
    await gone.shift(BOB, creator=uuid.uuid4())
    await gone.segment("whale_1")
    await gone.writes()
    assert [t.matched_by for t in gone.told()] == ["nobody_on_shift"]


async def test_a_fan_not_in_whales_changes_nothing() -> None:
    world = World()
    await world.shift(ANNA)
    await world.segment("small_1", "new")
    await world.segment("left_1")
    await world.segment("left_1", change="left")
    for fan in ("small_1", "left_1", "stranger"):
        received = await world.writes(fan)
        detail = await handlers.whales.priorities(world.w.uow(), CREATOR, [received.conversation_id])
        assert detail == {}
    assert world.told() == []
    assert await handlers.list_conversations(world.w.uow(), CREATOR, limit=10, after=None, priority_only=True) == []


async def test_once_per_conversation_until_answered_then_again() -> None:
    world = World()
    await world.shift(ANNA)
    await world.segment("whale_1")
    first = await world.writes(text="one")
    await world.writes(text="two")
    await world.writes(text="three")
    assert len(world.told()) == 1, "told once while no one answered"
    draft = await drafted(world.w, first)
    await handlers.approve_draft(world.w.uow(), creator_id=CREATOR, user_id=ANNA, draft_id=draft, text=None)
    assert await handlers.whales.priorities(world.w.uow(), CREATOR, [first.conversation_id]) == {}
    again = await world.writes(text="still there?")
    await world.writes(text="hello?")
    assert [t.message_id for t in world.told()] == [first.message_id, again.message_id]
    assert world.repo.priority_rows[first.conversation_id].episode == 2
    cmd = offer_cases.MakeOffer(CREATOR, ANNA, first.conversation_id, "for you", 1500, [uuid.uuid4()], None)
    await offer_cases.make_offer(world.w.uow(), cmd, DEFAULT_OFFER_TERMS)  # a paid offer answers too
    assert await handlers.whales.priorities(world.w.uow(), CREATOR, [first.conversation_id]) == {}
    await world.writes(text="thanks")
    assert len(world.told()) == 3 and world.repo.priority_rows[first.conversation_id].episode == 3


async def test_a_connector_retry_of_the_same_message_is_told_once() -> None:
    world = World()
    await world.shift(ANNA)
    await world.segment("whale_1")
    cmd = handlers.ReceiveMessage(CREATOR, "whale_1", "Jake", "hey", None, "ext-1")
    await handlers.receive_message(world.w.uow(), cmd)
    assert (await handlers.receive_message(world.w.uow(), cmd)).duplicate
    assert len(world.told()) == 1
