"""Unanswered fans on fakes: a fan waiting past the threshold while someone is on shift raises one
``reply.overdue`` (once per wait, from the first unanswered message); an answer in time (a reply
approved, an offer made) raises nothing; a burst of fans is one alert per cool-down, the rest in the
next one; with nobody on shift the check moves to the next shift's start plus the threshold; an
erased fan's wait goes with the conversation."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from huntaze_service.tombstones import ErasedFan
from inbox import handlers
from inbox.config import DEFAULT_OFFER_TERMS
from inbox.handlers import offers as offer_cases
from inbox.handlers.unanswered import UNANSWERED_CHECK
from inbox.unanswered import LISTED, UNANSWERED_AFTER

from .test_use_cases import CREATOR, drafted
from .test_whale_routing import ANNA, BOB, World

MIN = timedelta(minutes=1)


def alerts(world: World) -> list[Any]:
    return [e.payload for e in world.w.emitted("reply.overdue")]


async def later(world: World, minutes: float) -> int:
    world.clock.advance(minutes=minutes)
    return await world.w.fire_due()


async def test_a_fan_waiting_past_the_threshold_alerts_who_is_on_shift_once() -> None:
    world = World()
    await world.shift(ANNA)
    await world.shift(BOB, started=-0.5)
    first = await world.writes("fan_1", "hi")
    await later(world, 5)
    await world.writes("fan_1", "are you there?")  # the same wait: the fan has waited since "hi"
    await later(world, 9.9)
    assert alerts(world) == []
    await later(world, 0.2)
    [alert] = alerts(world)
    assert alert.waiting == 1 and alert.threshold_s == 900
    assert [c.conversation_id for c in alert.conversations] == [first.conversation_id]
    assert alert.conversations[0].waiting_since == alert.oldest_since
    assert alert.oldest_since == alert.detected_at - timedelta(minutes=15.1)
    assert [s.user_id for s in alert.on_shift] == [ANNA, BOB]  # the earliest shift first
    assert not alert.conversations[0].priority
    await later(world, 60)
    await world.writes("fan_1", "hello???")  # still the same wait, alerted already
    await later(world, 60)
    assert len(alerts(world)) == 1


async def test_an_answer_in_time_a_reply_or_an_offer_raises_nothing_and_the_next_message_waits_anew() -> None:
    world = World()
    await world.shift(ANNA)
    first = await world.writes("fan_1", "hi")
    await later(world, 10)
    draft = await drafted(world.w, first)
    await handlers.approve_draft(world.w.uow(), creator_id=CREATOR, user_id=ANNA, draft_id=draft, text=None)
    assert (UNANSWERED_CHECK, str(first.conversation_id)) not in world.w.timers  # the check went with it
    await later(world, 30)
    assert alerts(world) == []
    await world.writes("fan_1", "thanks! and?")
    await later(world, 14)
    cmd = offer_cases.MakeOffer(CREATOR, ANNA, first.conversation_id, "for you", 1500, [uuid.uuid4()], None)
    await offer_cases.make_offer(world.w.uow(), cmd, DEFAULT_OFFER_TERMS)
    await later(world, 30)
    assert alerts(world) == []
    await world.writes("fan_1", "bought it, more?")
    await later(world, 16)
    [alert] = alerts(world)
    assert world.repo.wait_rows[first.conversation_id].waits == 3
    assert alert.oldest_since == alert.detected_at - timedelta(minutes=16)


async def test_a_burst_is_one_alert_per_cool_down_and_the_rest_come_in_the_next() -> None:
    world = World()
    await world.shift(ANNA, ends=5)
    burst = [await world.writes(f"fan_{i}", "hi") for i in range(LISTED + 10)]
    await later(world, 5)
    late = [await world.writes(f"late_{i}", "hi") for i in range(3)]
    await later(world, 10)  # the burst crossed the threshold
    [first] = alerts(world)
    assert first.waiting == LISTED + 10 and len(first.conversations) == LISTED
    assert {c.conversation_id for c in first.conversations} <= {b.conversation_id for b in burst}
    await later(world, 5)  # the late ones crossed it too, inside the cool-down: no alert yet
    assert len(alerts(world)) == 1
    await later(world, 10)  # the cool-down ended: the follow-up names them
    second = alerts(world)[1]
    assert second.waiting == 3
    assert {c.conversation_id for c in second.conversations} == {x.conversation_id for x in late}
    assert second.detected_at - first.detected_at == UNANSWERED_AFTER
    await later(world, 120)
    assert len(alerts(world)) == 2


async def test_nobody_on_shift_waits_for_the_next_shift_plus_the_threshold() -> None:
    world = World()
    await world.shift(ANNA, started=2, ends=4)  # starts in two hours
    await world.writes("fan_1", "hi")
    await later(world, 20)
    assert alerts(world) == []
    await later(world, 100)  # the shift started 0 min ago: Anna gets the threshold to answer
    assert alerts(world) == []
    await later(world, 14.9)
    assert alerts(world) == []
    await later(world, 0.2)
    [alert] = alerts(world)
    assert [s.user_id for s in alert.on_shift] == [ANNA]


async def test_nobody_on_shift_nor_planned_alerts_nobody() -> None:
    world = World()
    await world.writes("fan_1", "hi")
    await later(world, 600)
    assert alerts(world) == []
    assert [key for kind, key in world.w.timers if kind == UNANSWERED_CHECK] == []  # nothing left to check


async def test_a_whale_waiting_is_flagged_with_the_person_it_was_routed_to() -> None:
    world = World()
    await world.shift(ANNA)
    await world.segment("whale_1")
    whale = await world.writes("whale_1", "hey")
    await world.writes("fan_2", "hey")
    await later(world, 16)
    [alert] = alerts(world)
    flagged = {c.conversation_id: c for c in alert.conversations}
    assert flagged[whale.conversation_id].priority and flagged[whale.conversation_id].assigned_user_id == ANNA
    assert sum(c.priority for c in alert.conversations) == 1


async def test_an_erased_fan_s_wait_goes_with_the_conversation() -> None:
    world = World()
    await world.shift(ANNA)
    gone = await world.writes("fan_1", "hi")
    now = world.clock()
    await world.repo.erase_fan(ErasedFan(gone.fan_id, CREATOR, now, ANNA, uuid.uuid4()), now=now)
    await later(world, 30)
    assert alerts(world) == [] and gone.conversation_id not in world.repo.wait_rows
