"""The ``unanswered`` notice on fakes: for each person on shift and for owners and managers (not for
the chatters off shift), once however often the event is consumed, naming no fan, never forwarded
to webhooks."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from huntaze_events import OnShift, ReplyOverdue, WaitingFan
from huntaze_service import Caller
from huntaze_testkit.fakes import envelope
from notifications import notices

from .world import World

ANNA, BOB, CARL, OWNER = (uuid.UUID(int=n) for n in (1, 2, 3, 4))
AT = datetime(2026, 11, 2, 21, 20, tzinfo=UTC)


def overdue(world: World, *, whales: int = 1, waiting: int = 3) -> object:
    fans = [
        WaitingFan(conversation_id=uuid.uuid4(), fan_id=uuid.uuid4(), waiting_since=AT - timedelta(minutes=40 - i),
                   priority=i < whales, assigned_user_id=ANNA if i < whales else None)
        for i in range(waiting)
    ]  # fmt: skip
    payload = ReplyOverdue(
        alert_id=uuid.uuid4(), threshold_s=900, waiting=waiting, oldest_since=fans[0].waiting_since,
        conversations=fans, on_shift=[OnShift(user_id=u, shift_id=uuid.uuid4()) for u in (ANNA, BOB)],
        detected_at=AT,
    )  # fmt: skip
    return envelope(payload, producer="inbox", creator_id=world.creator)


async def seen_by(world: World, user: uuid.UUID, role: str = "chatter") -> list[notices.Notice]:
    caller = Caller(user_id=user, creator_id=world.creator, org_id=uuid.UUID(int=5), role=role)
    items, _ = await notices.page(world.worker.uow(), caller, unread_only=False, limit=50, before=None)
    return [n for n in items if n.kind == "unanswered"]


async def test_those_on_shift_and_the_owners_and_managers_are_told_once_naming_no_fan() -> None:
    world = World()
    world.endpoint("transaction.recorded", "ppv.unlocked", "anomaly.detected")
    event = overdue(world)
    await world.worker.deliver(event)  # type: ignore[arg-type]
    await world.worker.deliver(event)  # type: ignore[arg-type]  # redelivered
    for user in (ANNA, BOB):
        (notice,) = await seen_by(world, user)
        assert notice.user_id == user and notice.title == "Fans are waiting for you"
        assert notice.body.startswith("3 fans have waited more than 15 min for an answer; the longest since 20:40 UTC (40 min).")
        assert notice.body.endswith("1 of them is a whale.")
    assert await seen_by(world, CARL) == [], "a chatter off shift is not told"
    for user, role in ((OWNER, "owner"), (CARL, "manager")):
        (notice,) = await seen_by(world, user, role)
        assert notice.user_id is None
    p = event.payload  # type: ignore[attr-defined]
    assert notice.data["conversation_ids"] == [str(c.conversation_id) for c in p.conversations]
    assert not any(str(c.fan_id) in str(notice.data) + notice.body for c in p.conversations)
    assert len(world.repo.notice_rows) == 3 and world.calls() == [], "three notices, nothing to webhooks"


async def test_a_manager_on_shift_sees_their_own_notice_not_the_team_s_copy_too() -> None:
    world = World()
    await world.worker.deliver(overdue(world))  # type: ignore[arg-type]
    (notice,) = await seen_by(world, ANNA, "manager")  # Anna is on shift
    assert notice.user_id == ANNA
    (team,) = await seen_by(world, CARL, "manager")  # Carl is not
    assert team.user_id is None
