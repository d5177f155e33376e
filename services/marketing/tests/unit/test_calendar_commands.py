"""The calendar's side of posts on a fake worker: every change of a waiting post (scheduled, edited,
moved, cancelled) emits post.scheduled with the next revision; a post.move_requested moves the post
and its publication like a PATCH and is answered once per command; a post.requested makes one post
per command, checked like a POST; every refusal is a post.command_refused, never a failure."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.fernet import Fernet

import marketing.handlers as handlers
from huntaze_events import PostMoveRequested, PostRequested
from huntaze_testkit.fakes import Clock, FakeWorker, envelope
from marketing.consumers import subscriptions
from marketing.credentials import Vault
from marketing.domain import Content, PostStatus
from marketing.networks import Network

from .fakes import FakeMarketingRepository
from .test_publishing import FakeNetwork

CREATOR, OTHER, USER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
VAULT = Vault(Fernet.generate_key().decode())


def worker(network: FakeNetwork | None = None) -> FakeWorker[FakeMarketingRepository]:
    return FakeWorker(
        FakeMarketingRepository(),
        producer="marketing",
        subscriptions=subscriptions({Network.X: network or FakeNetwork()}, VAULT),
        clock=Clock(NOW),
    )


async def account(w: FakeWorker[FakeMarketingRepository], creator: uuid.UUID = CREATOR) -> uuid.UUID:
    made = await handlers.add_account(w.uow(), VAULT, creator, Network.X, "mia", {"access_token": "t"})
    return made.id


def move(post_id: uuid.UUID, at: datetime, command_id: uuid.UUID | None = None, creator: uuid.UUID = CREATOR) -> Any:
    payload = PostMoveRequested(
        command_id=command_id or uuid.uuid4(), post_id=post_id, publish_at=at, requested_by=USER
    )
    return envelope(payload, producer="content", creator_id=creator)


def request(account_id: uuid.UUID, command_id: uuid.UUID, **changes: Any) -> Any:
    fields: dict[str, Any] = {
        "command_id": command_id,
        "account_id": account_id,
        "caption": "Advent day 3 🎄",
        "publish_at": NOW + timedelta(days=1),
        "requested_by": USER,
    }
    fields.update(changes)
    return envelope(PostRequested(**fields), producer="content", creator_id=CREATOR)


def plans(w: FakeWorker[FakeMarketingRepository]) -> list[Any]:
    return [e.payload for e in w.emitted("post.scheduled")]


async def test_every_change_of_a_waiting_post_is_announced_with_the_next_revision() -> None:
    w = worker()
    account_id = await account(w)
    media = (uuid.uuid4(), uuid.uuid4())
    caption = "a" * 150
    post = await handlers.schedule_post(w.uow(), CREATOR, account_id, Content(caption, media), NOW + timedelta(hours=1))
    await handlers.edit_post(w.uow(), CREATOR, post.id, Content("shorter", media[:1]), None)
    await handlers.edit_post(w.uow(), CREATOR, post.id, None, NOW + timedelta(hours=5))
    await handlers.cancel_post(w.uow(), CREATOR, post.id)
    first, edited, moved, cancelled = plans(w)
    assert [p.revision for p in (first, edited, moved, cancelled)] == [1, 2, 3, 4]
    assert (first.caption_excerpt, first.media_ids, first.status, first.network) == (
        "a" * 120,
        list(media),
        "scheduled",
        "x",
    )
    assert (first.account_id, first.post_id, first.command_id, first.campaign_id) == (account_id, post.id, None, None)
    assert (edited.caption_excerpt, edited.media_ids) == ("shorter", [media[0]])
    assert moved.publish_at == NOW + timedelta(hours=5)
    assert cancelled.status == "cancelled" and w.repo.posts_by_id[post.id].revision == 4
    assert all(e.creator_id == CREATOR for e in w.emitted("post.scheduled"))


async def test_a_move_is_applied_like_a_patch_once_per_command() -> None:
    network = FakeNetwork()
    w = worker(network)
    post = await handlers.schedule_post(
        w.uow(), CREATOR, await account(w), Content("new set"), NOW + timedelta(hours=1)
    )
    command = uuid.uuid4()
    await w.deliver(move(post.id, NOW + timedelta(hours=3), command))
    await w.deliver(move(post.id, NOW + timedelta(hours=3), command))  # the same command again
    moved = w.repo.posts_by_id[post.id]
    assert (moved.publish_at, moved.revision, moved.status) == (NOW + timedelta(hours=3), 2, PostStatus.SCHEDULED)
    (_, answer) = plans(w)
    assert (answer.command_id, answer.revision, answer.publish_at) == (command, 2, NOW + timedelta(hours=3))
    assert w.emitted("post.command_refused") == []
    w.clock.advance(hours=2)  # the old time: nothing leaves
    assert await w.fire_due() == 0
    w.clock.advance(hours=1)
    assert await w.fire_due() == 1 and [o[2] for o in await w.run_calls()] == ["done"]
    assert len(network.published) == 1
    # published now: a later move is refused, and the post stays as it is
    late = uuid.uuid4()
    await w.deliver(move(post.id, NOW + timedelta(hours=6), late))
    (refused,) = w.emitted("post.command_refused")
    assert (refused.payload.command_id, refused.payload.post_id) == (late, post.id)
    assert "published" in refused.payload.reason
    assert w.repo.posts_by_id[post.id].publish_at == NOW + timedelta(hours=3) and len(plans(w)) == 2


async def test_a_move_refused_changes_nothing_and_is_answered_once() -> None:
    w = worker()
    account_id = await account(w)
    post = await handlers.schedule_post(w.uow(), CREATOR, account_id, Content("a"), NOW + timedelta(hours=1))
    past, unknown, foreign = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await w.deliver(move(post.id, NOW - timedelta(hours=1), past))
    await w.deliver(move(post.id, NOW - timedelta(hours=1), past))  # redelivered: not answered again
    await w.deliver(move(uuid.uuid4(), NOW + timedelta(hours=2), unknown))
    await w.deliver(move(post.id, NOW + timedelta(hours=2), foreign, creator=OTHER))  # another creator's post
    answers = {e.payload.command_id: e.payload for e in w.emitted("post.command_refused")}
    assert len(w.emitted("post.command_refused")) == 3 and set(answers) == {past, unknown, foreign}
    assert answers[past].reason.startswith("publish_at_in_past")
    assert answers[unknown].reason.startswith("unknown_post") and answers[foreign].reason.startswith("unknown_post")
    assert all(e.creator_id in (CREATOR, OTHER) for e in w.emitted("post.command_refused"))
    kept = w.repo.posts_by_id[post.id]
    assert (kept.publish_at, kept.revision) == (NOW + timedelta(hours=1), 1) and len(plans(w)) == 1
    await handlers.cancel_post(w.uow(), CREATOR, post.id)
    cancelled = uuid.uuid4()
    await w.deliver(move(post.id, NOW + timedelta(hours=2), cancelled))
    assert "cancelled" in w.emitted("post.command_refused")[-1].payload.reason


async def test_a_requested_post_is_made_once_per_command_with_the_rules_of_a_post() -> None:
    w = worker()
    account_id = await account(w)
    command = uuid.uuid4()
    media = [uuid.uuid4()]
    await w.deliver(request(account_id, command, media_ids=media))
    await w.deliver(request(account_id, command, media_ids=media))  # the same row imported again
    (post,) = w.repo.posts_by_id.values()
    assert (post.command_id, post.content.caption, post.content.media_ids) == (command, "Advent day 3 🎄", tuple(media))
    assert post.publish_at == NOW + timedelta(days=1) and post.status is PostStatus.SCHEDULED
    (answer,) = plans(w)
    assert (answer.command_id, answer.post_id, answer.revision) == (command, post.id, 1)
    # it publishes at its time like any post
    assert ("publish_post", str(post.id)) in w.timers


async def test_a_request_the_rules_refuse_is_answered_not_dead_lettered() -> None:
    w = worker()
    account_id = await account(w)
    other_account = await account(w, OTHER)
    cases = {
        "unknown_account": request(uuid.uuid4(), uuid.uuid4()),
        "foreign_account": request(other_account, uuid.uuid4()),
        "publish_at_in_past": request(account_id, uuid.uuid4(), publish_at=NOW - timedelta(hours=2)),
        "caption_too_long": request(account_id, uuid.uuid4(), caption="x" * 300),
        "reddit_only": request(account_id, uuid.uuid4(), title="a title", subreddit="pics"),
        "invalid_text": request(account_id, uuid.uuid4(), caption="nul \x00 inside"),
    }
    for case in cases.values():
        await w.deliver(case)
    refused = {e.payload.command_id: e.payload for e in w.emitted("post.command_refused")}
    reasons = {name: refused[case.payload.command_id].reason for name, case in cases.items()}
    assert reasons["unknown_account"].startswith("unknown_account")
    assert reasons["foreign_account"].startswith("unknown_account")
    for name in ("publish_at_in_past", "caption_too_long", "reddit_only", "invalid_text"):
        assert reasons[name].startswith(name), reasons[name]
    assert all(r.post_id is None for r in refused.values())
    assert w.repo.posts_by_id == {} and plans(w) == []


async def test_a_refused_request_is_checked_again_when_asked_again() -> None:
    w = worker()
    command = uuid.uuid4()
    missing = uuid.uuid4()
    await w.deliver(request(missing, command))
    assert len(w.emitted("post.command_refused")) == 1 and w.repo.posts_by_id == {}
    account_id = await account(w)
    await w.deliver(request(account_id, command))  # the row, fixed, imported again
    (post,) = w.repo.posts_by_id.values()
    assert post.command_id == command and plans(w)[0].command_id == command
