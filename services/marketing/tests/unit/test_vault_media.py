"""Where marketing checks the media a post names against its read model of the vault
(:mod:`huntaze_service.vault_media`, whose rule and fold are tested with the chassis), on a fake
worker: another creator's media → Refused unknown_media (like an id that is nobody's), this creator's
deleted media → Refused media_deleted, ids never announced accepted; a refusal creates nothing (POST,
PATCH, CTA test, post.requested)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.fernet import Fernet

import marketing.handlers as handlers
from huntaze_events import PostRequested
from huntaze_testkit.fakes import Clock, FakeWorker, envelope
from huntaze_testkit.vault_media import media_updated as updated
from huntaze_testkit.vault_media import media_uploaded as uploaded
from marketing import cta_tests
from marketing.consumers import subscriptions
from marketing.credentials import Vault
from marketing.domain import Content, Refused
from marketing.networks import Network

from .fakes import FakeMarketingRepository
from .test_publishing import FakeNetwork

CREATOR, OTHER, USER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
VAULT = Vault(Fernet.generate_key().decode())
LATER = NOW + timedelta(hours=3)


def worker() -> FakeWorker[FakeMarketingRepository]:
    return FakeWorker(
        FakeMarketingRepository(),
        producer="marketing",
        subscriptions=subscriptions({Network.X: FakeNetwork()}, VAULT),
        clock=Clock(NOW),
    )


async def account(w: FakeWorker[FakeMarketingRepository], creator: uuid.UUID = CREATOR) -> uuid.UUID:
    return (await handlers.add_account(w.uow(), VAULT, creator, Network.X, "mia", {"access_token": "t"})).id


async def refused(code: str, call: Any) -> None:
    with pytest.raises(Refused) as exc:
        await call
    assert exc.value.code == code


async def test_a_post_naming_another_creators_or_a_deleted_medium_is_refused_and_nothing_is_made() -> None:
    w = worker()
    account_id = await account(w)
    mine, theirs, gone, never_seen = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    their_gone = uuid.uuid4()
    await w.deliver(uploaded(mine, CREATOR), uploaded(theirs, OTHER), uploaded(gone, CREATOR))
    await w.deliver(updated(gone, CREATOR, 2, deleted=True), updated(their_gone, OTHER, 2, deleted=True))

    def schedule(*media: uuid.UUID) -> Any:
        return handlers.schedule_post(w.uow(), CREATOR, account_id, Content("new set", media), LATER)

    await refused("unknown_media", schedule(mine, theirs))
    await refused("unknown_media", schedule(their_gone))  # another's deletion does not show
    await refused("media_deleted", schedule(gone))
    await refused("unknown_media", schedule(gone, theirs))  # another's first
    assert w.repo.posts_by_id == {} and w.emitted("post.scheduled") == []

    post = await schedule(mine, never_seen)  # own media, and an id the vault never announced
    assert post.content.media_ids == (mine, never_seen)
    await refused("unknown_media", handlers.edit_post(w.uow(), CREATOR, post.id, Content("edited", (theirs,)), None))
    await refused("media_deleted", handlers.edit_post(w.uow(), CREATOR, post.id, Content("edited", (gone,)), None))
    assert w.repo.posts_by_id[post.id] == post and len(w.emitted("post.scheduled")) == 1
    moved = await handlers.edit_post(w.uow(), CREATOR, post.id, None, LATER + timedelta(hours=1))  # media kept
    edited = await handlers.edit_post(w.uow(), CREATOR, post.id, Content("edited", (mine,)), None)
    assert (moved.revision, edited.revision, edited.content.media_ids) == (2, 3, (mine,))

    # the other creator's own media are theirs to use
    other_account = await account(w, OTHER)
    ok = await handlers.schedule_post(w.uow(), OTHER, other_account, Content("theirs", (theirs,)), LATER)
    assert ok.creator_id == OTHER


async def test_a_cta_test_with_another_creators_medium_makes_no_variant() -> None:
    w = worker()
    account_id = await account(w)
    theirs = uuid.uuid4()
    await w.deliver(uploaded(theirs, OTHER))
    variants = [("A {link}", uuid.uuid4()), ("B {link}", uuid.uuid4())]
    await refused(
        "unknown_media",
        cta_tests.schedule_cta_test(
            w.uow(), "https://hz.example", CREATOR, account_id, Content("set", (theirs,)), variants, LATER
        ),
    )
    assert w.repo.posts_by_id == {}


async def test_a_calendar_request_naming_another_creators_medium_is_answered_refused() -> None:
    w = worker()
    account_id = await account(w)
    theirs, gone = uuid.uuid4(), uuid.uuid4()
    await w.deliver(uploaded(theirs, OTHER), uploaded(gone, CREATOR), updated(gone, CREATOR, 2, deleted=True))
    commands = [uuid.uuid4(), uuid.uuid4()]
    for command_id, media in zip(commands, (theirs, gone), strict=True):
        asked = PostRequested(
            command_id=command_id,
            account_id=account_id,
            caption="Advent day 3",
            publish_at=LATER,
            media_ids=[media],
            requested_by=USER,
        )
        await w.deliver(envelope(asked, producer="content", creator_id=CREATOR))
    answers = {e.payload.command_id: e.payload.reason for e in w.emitted("post.command_refused")}
    assert answers[commands[0]].startswith("unknown_media") and answers[commands[1]].startswith("media_deleted")
    assert w.repo.posts_by_id == {} and w.emitted("post.scheduled") == []
