"""The calendar's side of the inbox on fakes, with a clock the tests move: every change of a mass
message's plan (created — sent now or later —, moved, cancelled before sending) emits
massmessage.scheduled with the next revision; a massmessage.move_requested moves it and its expansion
like a person would, answered once per command, or refused (massmessage.command_refused) without a
change; each automation run is announced with its fire time, then with what it did."""

from __future__ import annotations

import uuid
from datetime import time, timedelta
from typing import Any

from huntaze_events import MassMessageMoveRequested
from huntaze_testkit.fakes import FakeWorker, envelope
from inbox.automations import Automation, AutomationConfig, Kind, Limits, RunStatus
from inbox.config import DEFAULT_OFFER_TERMS
from inbox.handlers import mass_messages
from inbox.mass import Audience, MassStatus, Recipient

from .fakes import FakeInboxRepository
from .test_automations import MONDAY_9AM, runs, subscribed, switch_on, worker
from .test_use_cases import CREATOR, USER

OTHER = uuid.uuid4()


def with_fans(w: FakeWorker[FakeInboxRepository], count: int = 3, segment: str = "whales") -> None:
    for i in range(count):
        fan = uuid.uuid4()
        w.repo.fans[fan] = (Recipient(fan, f"of_{i}", f"Fan{i}"), {segment})


async def create(w: FakeWorker[FakeInboxRepository], after: timedelta | None = timedelta(hours=2), **kw: Any) -> Any:
    cmd = mass_messages.NewMassMessage(
        creator_id=CREATOR,
        user_id=USER,
        audience=Audience(("whales",), ("lapsed",)),
        text=kw.get("text", "Hey {name}, something special for you tonight"),
        price_cents=kw.get("price_cents", 2500),
        media_ids=kw.get("media_ids", [uuid.uuid4()]),
        send_at=None if after is None else MONDAY_9AM + after,
        experiment_id=kw.get("experiment_id"),
    )
    return await mass_messages.create(w.uow(), cmd, DEFAULT_OFFER_TERMS)


def move(mass_id: uuid.UUID, after: timedelta, command_id: uuid.UUID, creator: uuid.UUID = CREATOR) -> Any:
    payload = MassMessageMoveRequested(
        command_id=command_id, mass_message_id=mass_id, send_at=MONDAY_9AM + after, requested_by=USER
    )
    return envelope(payload, producer="content", creator_id=creator)


def plans(w: FakeWorker[FakeInboxRepository]) -> list[Any]:
    return [e.payload for e in w.emitted("massmessage.scheduled")]


def refusals(w: FakeWorker[FakeInboxRepository]) -> dict[uuid.UUID, str]:
    return {e.payload.command_id: e.payload.reason for e in w.emitted("massmessage.command_refused")}


# mass messages ---------------------------------------------------------------------------------------


async def test_a_mass_message_plan_is_announced_when_created_and_when_cancelled_before_sending() -> None:
    w = worker()
    with_fans(w)
    media = [uuid.uuid4(), uuid.uuid4()]
    later = await create(w, text="x" * 130, media_ids=media)
    now = await create(w, after=None, price_cents=None, media_ids=[])
    await mass_messages.cancel(w.uow(), CREATOR, USER, later.id)
    created, sent_now, cancelled = plans(w)
    assert (created.mass_message_id, created.revision, created.status) == (later.id, 1, "scheduled")
    assert created.send_at == MONDAY_9AM + timedelta(hours=2) and created.text_excerpt == "x" * 120
    assert (created.audience.segments, created.audience.exclude_segments) == (["whales"], ["lapsed"])
    assert (created.price_cents, created.currency, created.media_ids, created.created_by) == (2500, "USD", media, USER)
    assert created.command_id is None
    assert (sent_now.mass_message_id, sent_now.send_at, sent_now.price_cents) == (now.id, MONDAY_9AM, None)
    assert (cancelled.mass_message_id, cancelled.revision, cancelled.status) == (later.id, 2, "cancelled")
    # one that is sending ends with massmessage.sent, not a plan
    assert await w.fire_due() == 1 and w.repo.mass[now.id].status is MassStatus.SENDING
    await mass_messages.cancel(w.uow(), CREATOR, USER, now.id)
    assert len(plans(w)) == 3 and len(w.emitted("massmessage.sent")) == 1


async def test_a_move_moves_the_send_time_and_its_expansion_once_per_command() -> None:
    w = worker()
    with_fans(w)
    m = await create(w, after=timedelta(hours=1))
    command = uuid.uuid4()
    await w.deliver(move(m.id, timedelta(hours=4), command))
    await w.deliver(move(m.id, timedelta(hours=4), command))  # the same command, delivered again
    moved = w.repo.mass[m.id]
    assert (moved.send_at, moved.revision, moved.status) == (MONDAY_9AM + timedelta(hours=4), 2, MassStatus.SCHEDULED)
    (_, answer) = plans(w)
    assert (answer.command_id, answer.revision, answer.send_at) == (command, 2, MONDAY_9AM + timedelta(hours=4))
    assert refusals(w) == {}
    w.clock.advance(hours=1)  # its old time: nothing starts
    await w.fire_due()
    assert w.repo.mass[m.id].status is MassStatus.SCHEDULED
    w.clock.advance(hours=3)
    assert await w.fire_due() == 1 and w.repo.mass[m.id].status is MassStatus.SENDING
    # sending now: a later move is refused and changes nothing
    late = uuid.uuid4()
    await w.deliver(move(m.id, timedelta(hours=8), late))
    assert refusals(w)[late].startswith("not_movable") and "sending" in refusals(w)[late]
    assert w.repo.mass[m.id].send_at == MONDAY_9AM + timedelta(hours=4) and len(plans(w)) == 2


async def test_a_refused_move_changes_nothing_and_is_answered_once() -> None:
    w = worker()
    with_fans(w)
    m = await create(w)
    past, unknown, foreign, cancelled = (uuid.uuid4() for _ in range(4))
    await w.deliver(move(m.id, timedelta(hours=-1), past))
    await w.deliver(move(m.id, timedelta(hours=-1), past))  # redelivered: answered once
    await w.deliver(move(uuid.uuid4(), timedelta(hours=3), unknown))
    await w.deliver(move(m.id, timedelta(hours=3), foreign, creator=OTHER))  # another creator's id
    await mass_messages.cancel(w.uow(), CREATOR, USER, m.id)
    await w.deliver(move(m.id, timedelta(hours=3), cancelled))
    reasons = refusals(w)
    assert len(w.emitted("massmessage.command_refused")) == 4
    assert reasons[past].startswith("send_at_in_past")
    assert reasons[unknown].startswith("unknown_mass_message") and reasons[foreign].startswith("unknown_mass_message")
    assert reasons[cancelled].startswith("not_movable") and "cancelled" in reasons[cancelled]
    kept = w.repo.mass[m.id]
    assert kept.send_at == MONDAY_9AM + timedelta(hours=2) and [p.revision for p in plans(w)] == [1, 2]


# automations -----------------------------------------------------------------------------------------


def announced(w: FakeWorker[FakeInboxRepository]) -> list[Any]:
    return [e.payload for e in w.emitted("automation.run_scheduled")]


async def test_a_run_is_announced_with_its_fire_time_then_with_what_it_did() -> None:
    w = worker()
    switch_on(w, Kind.WELCOME, delay_minutes=5)
    fan = uuid.uuid4()
    event = subscribed(fan, MONDAY_9AM)
    await w.deliver(event)
    await w.deliver(event)  # redelivered: no second run, no second announcement
    (scheduled,) = announced(w)
    (run,) = runs(w)
    assert (scheduled.run_id, scheduled.automation, scheduled.fan_id, scheduled.status) == (
        run.id,
        "welcome",
        fan,
        "scheduled",
    )
    assert scheduled.fire_at == MONDAY_9AM + timedelta(minutes=5)
    w.clock.advance(minutes=5)
    await w.fire_due()
    _, drafted = announced(w)
    assert (drafted.run_id, drafted.status, drafted.fire_at) == (run.id, "drafted", scheduled.fire_at)
    # the conversation firing created is the one announced from the start
    assert drafted.conversation_id == scheduled.conversation_id
    (conversation,) = await w.repo.fan_conversations(CREATOR, fan)
    assert conversation.id == scheduled.conversation_id


async def test_an_autosent_a_deferred_and_a_skipped_run_are_announced() -> None:
    w = worker()
    quiet = Limits(quiet_start=None, quiet_end=None)
    switch_on(w, Kind.WELCOME, limits=quiet, delay_minutes=0, autopilot=True)
    sent_fan = uuid.uuid4()
    await w.deliver(subscribed(sent_fan, MONDAY_9AM))
    await w.fire_due()
    assert [(a.fan_id, a.status) for a in announced(w)] == [(sent_fan, "scheduled"), (sent_fan, "sent")]
    # quiet hours 08:00–10:00: the run waits until 10:00, and the calendar shows its new time
    switch_on(w, Kind.WELCOME, limits=Limits(quiet_start=time(8, 0), quiet_end=time(10, 0)), autopilot=True)
    deferred_fan = uuid.uuid4()
    await w.deliver(subscribed(deferred_fan, MONDAY_9AM))
    w.clock.advance(minutes=5)
    await w.fire_due()
    mine = [a for a in announced(w) if a.fan_id == deferred_fan]
    assert [(a.status, a.fire_at) for a in mine] == [
        ("scheduled", MONDAY_9AM + timedelta(minutes=5)),
        ("scheduled", MONDAY_9AM + timedelta(hours=1)),
    ]
    assert mine[0].run_id == mine[1].run_id and mine[0].conversation_id == mine[1].conversation_id
    # switched off before it fires: skipped
    skipped_fan = uuid.uuid4()
    switch_on(w, Kind.WELCOME, limits=quiet, delay_minutes=30)
    await w.deliver(subscribed(skipped_fan, MONDAY_9AM))
    config = w.repo.configs[CREATOR]
    off = {**config.automations, Kind.WELCOME: Automation.default(Kind.WELCOME)}
    w.repo.configs[CREATOR] = AutomationConfig(off, config.limits)
    w.clock.advance(hours=1)
    await w.fire_due()
    statuses = [a.status for a in announced(w) if a.fan_id == skipped_fan]
    assert statuses == ["scheduled", "skipped"]
    (skipped,) = [r for r in runs(w) if r.fan_id == skipped_fan]
    assert skipped.status is RunStatus.SKIPPED
