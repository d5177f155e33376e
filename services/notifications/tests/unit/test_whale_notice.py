"""The ``whale`` notice on fakes: for the person the conversation was routed to only (the other
chatters never see it), for the team when nobody is on shift, once however often the event is
consumed, naming no fan, never forwarded to webhooks, and mutable like every kind."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from huntaze_events import ConversationPrioritized
from huntaze_service import Caller
from huntaze_testkit.fakes import envelope
from notifications import notices
from notifications.domain import KINDS

from .world import World

ANNA, BOB, OWNER = uuid.UUID(int=1), uuid.UUID(int=2), uuid.UUID(int=3)


def prioritized(world: World, who: uuid.UUID | None, matched_by: str) -> object:
    payload = ConversationPrioritized(
        conversation_id=uuid.uuid4(), fan_id=uuid.uuid4(), message_id=uuid.uuid4(), assigned_user_id=who,
        shift_id=uuid.uuid4() if who else None, matched_by=matched_by,  # type: ignore[arg-type]
        prioritized_at=datetime(2026, 11, 2, 8, tzinfo=UTC),
    )  # fmt: skip
    return envelope(payload, producer="inbox", creator_id=world.creator)


async def seen_by(world: World, user: uuid.UUID, role: str = "chatter") -> list[notices.Notice]:
    caller = Caller(user_id=user, creator_id=world.creator, org_id=uuid.UUID(int=5), role=role)
    items, _ = await notices.page(world.worker.uow(), caller, unread_only=False, limit=50, before=None)
    return [n for n in items if n.kind == "whale"]


async def test_the_routed_person_only_is_told_once_and_no_fan_is_named() -> None:
    world = World()
    world.endpoint("transaction.recorded", "ppv.unlocked")
    event = prioritized(world, ANNA, "sold_before")
    await world.worker.deliver(event)  # type: ignore[arg-type]
    await world.worker.deliver(event)  # type: ignore[arg-type]  # redelivered
    (notice,) = await seen_by(world, ANNA)
    assert notice.user_id == ANNA and "sold to this fan before" in notice.body
    assert notice.data["conversation_id"] == str(event.payload.conversation_id)  # type: ignore[attr-defined]
    assert str(event.payload.fan_id) not in str(notice.data) + notice.body  # type: ignore[attr-defined]
    assert await seen_by(world, BOB) == [] and await seen_by(world, OWNER, "owner") == []
    assert len(world.repo.notice_rows) == 1 and world.calls() == [], "one notice, nothing to webhooks"


async def test_nobody_on_shift_tells_the_team_owners_managers_and_chatters() -> None:
    world = World()
    await world.worker.deliver(prioritized(world, None, "nobody_on_shift"))  # type: ignore[arg-type]
    for user, role in ((ANNA, "chatter"), (BOB, "manager"), (OWNER, "owner")):
        (notice,) = await seen_by(world, user, role)
        assert notice.user_id is None and "nobody is on shift" in notice.body
    assert await seen_by(world, uuid.uuid4(), "analyst") == []


async def test_whale_is_a_kind_a_chatter_can_mute() -> None:
    world = World()
    assert "chatter" in KINDS["whale"].roles
    caller = Caller(user_id=ANNA, creator_id=world.creator, org_id=uuid.UUID(int=5), role="chatter")
    assert (await notices.preferences(world.worker.uow(), caller))["whale"] is True
    await notices.set_preferences(world.worker.uow(), caller, {"whale": False})
    await world.worker.deliver(prioritized(world, ANNA, "buy_rate"))  # type: ignore[arg-type]
    assert await seen_by(world, ANNA) == []
