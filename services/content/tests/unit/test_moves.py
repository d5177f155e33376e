"""The calendar's own items and moves, on fakes: an item and its content.planned event in one
commit; a post or a mass message moved through a command event, pending until answered; what cannot
move says why."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from content import moves
from content.calendar import Conflict, Entry, NotFound, Refused, link_of
from huntaze_events import ContentPlanned, MassMessageMoveRequested, PostMoveRequested
from huntaze_testkit.fakes import Clock, FakeUnitOfWork

from .fake_calendar import FakeCalendar

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CREATOR, OTHER, USER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def uow(repo: FakeCalendar) -> FakeUnitOfWork[FakeCalendar]:
    return FakeUnitOfWork(repo, producer="content", clock=Clock(NOW))


def seeded(repo: FakeCalendar, kind: str, at: datetime, **kw: object) -> Entry:
    entry_id = uuid.uuid4()
    entry = Entry(
        CREATOR, entry_id, kind, "marketing", kind, at, None, "scheduled", link_of(kind, entry_id), revision=1
    )
    entry = replace(entry, **kw)  # type: ignore[arg-type]
    repo.entries[(CREATOR, entry_id)] = entry
    return entry


async def test_plan_and_edit_an_item_with_its_event_in_the_same_commit() -> None:
    repo = FakeCalendar()
    u = uow(repo)
    media = (uuid.uuid4(), uuid.uuid4())
    drop = await moves.plan_item(u, CREATOR, "drop", " Beach set ", NOW + timedelta(days=1), None, media + media[:1])
    assert (drop.status, drop.revision, drop.title, drop.media_ids, drop.source) == (
        "planned", 1, "Beach set", media, "content"
    )  # fmt: skip
    assert u.commits == 1 and [e.payload for e in u.events] == [
        ContentPlanned(item_id=drop.entry_id, revision=1, kind="drop", title="Beach set",
                       starts_at=NOW + timedelta(days=1), media_ids=list(media), status="planned")
    ]  # fmt: skip
    done = await moves.edit_item(uow(repo), CREATOR, drop.entry_id, status="done", title="Beach set 2")
    assert (done.status, done.revision, done.title) == ("done", 2, "Beach set 2")
    same = await moves.edit_item(uow(repo), CREATOR, drop.entry_id, status="done")
    assert same.revision == 2  # nothing changed: no new revision
    with pytest.raises(Refused) as bad:
        await moves.edit_item(uow(repo), CREATOR, drop.entry_id, ends_at=NOW)
    assert bad.value.code == "bad_times"
    await moves.edit_item(uow(repo), CREATOR, drop.entry_id, status="cancelled")
    with pytest.raises(Conflict) as over:
        await moves.edit_item(uow(repo), CREATOR, drop.entry_id, title="again")
    assert over.value.code == "already_final"
    with pytest.raises(NotFound):
        await moves.edit_item(uow(repo), OTHER, drop.entry_id, title="theirs")


async def test_an_item_is_not_another_services_entry() -> None:
    repo = FakeCalendar()
    post = seeded(repo, "post", NOW + timedelta(hours=3))
    with pytest.raises(NotFound):
        await moves.edit_item(uow(repo), CREATOR, post.entry_id, title="x")


async def test_own_items_move_at_once_with_their_end() -> None:
    repo = FakeCalendar()
    note = await moves.plan_item(uow(repo), CREATOR, "note", "shoot", NOW, NOW + timedelta(hours=2))
    u = uow(repo)
    moved, commanded = await moves.move(u, CREATOR, USER, note.entry_id, NOW + timedelta(days=1))
    assert not commanded and (moved.starts_at, moved.ends_at, moved.revision) == (
        NOW + timedelta(days=1), NOW + timedelta(days=1, hours=2), 2
    )  # fmt: skip
    assert [type(e.payload) for e in u.events] == [ContentPlanned]


@pytest.mark.parametrize(("kind", "event"), [("post", PostMoveRequested), ("mass_message", MassMessageMoveRequested)])
async def test_a_post_or_mass_message_moves_through_a_command(kind: str, event: type) -> None:
    repo = FakeCalendar()
    entry = seeded(repo, kind, NOW + timedelta(hours=3))
    u = uow(repo)
    to = NOW + timedelta(hours=6)
    pending, commanded = await moves.move(u, CREATOR, USER, entry.entry_id, to)
    assert commanded and pending.pending and pending.pending_starts_at == to
    assert pending.starts_at == entry.starts_at  # the confirmed time stays until the answer
    [sent] = u.events
    assert isinstance(sent.payload, event) and sent.payload.command_id == pending.pending_command_id
    assert sent.payload.requested_by == USER and sent.creator_id == CREATOR
    with pytest.raises(Conflict) as again:
        await moves.move(uow(repo), CREATOR, USER, entry.entry_id, to + timedelta(hours=1))
    assert again.value.code == "move_pending"


async def test_what_cannot_move_says_why() -> None:
    repo = FakeCalendar()
    for kind in ("campaign", "shift", "automation"):
        e = seeded(repo, kind, NOW + timedelta(hours=1))
        with pytest.raises(Refused) as refused:
            await moves.move(uow(repo), CREATOR, USER, e.entry_id, NOW + timedelta(hours=2))
        assert refused.value.code == "not_movable" and not isinstance(refused.value, Conflict)
    for kind, status in (("post", "published"), ("mass_message", "sent"), ("post", "cancelled")):
        e = seeded(repo, kind, NOW + timedelta(hours=1), status=status, final=status != "cancelled")
        with pytest.raises(Conflict) as over:
            await moves.move(uow(repo), CREATOR, USER, e.entry_id, NOW + timedelta(hours=2))
        assert over.value.code == "already_final"
    post = seeded(repo, "post", NOW + timedelta(hours=1))
    with pytest.raises(Refused) as past:
        await moves.move(uow(repo), CREATOR, USER, post.entry_id, NOW - timedelta(minutes=1))
    assert past.value.code == "in_the_past"
    with pytest.raises(NotFound):
        await moves.move(uow(repo), OTHER, USER, post.entry_id, NOW + timedelta(hours=2))
