"""Publishing on a fake worker with a clock the tests move: nothing before the post's time; at its
time the post is ``publishing`` and its network call recorded (the model of no transaction around
the network); the outcome recorded once — ``published`` with post.published, or ``failed`` with the
network's reason and post.failed; a cancelled post's timer is gone; a moved post publishes at its new
time only; an interrupted attempt is looked up on the network before publishing again."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.fernet import Fernet

import marketing.handlers as handlers
from huntaze_service import Call, CallFailed
from huntaze_testkit.fakes import Clock, FakeWorker
from marketing import publishing
from marketing.consumers import subscriptions
from marketing.credentials import Vault
from marketing.domain import Content, PostStatus
from marketing.networks import Network
from marketing.publishing_port import Outgoing, Published

from .fakes import FakeMarketingRepository

CREATOR = uuid.uuid4()
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
VAULT = Vault(Fernet.generate_key().decode())


class FakeNetwork:
    name = "x"

    def __init__(self, fail: CallFailed | None = None) -> None:
        self.fail = fail
        self.published: list[tuple[dict[str, Any], Outgoing]] = []
        self.lookups = 0

    async def publish(self, credentials: dict[str, Any], post: Outgoing) -> Published:
        if self.fail is not None:
            raise self.fail
        self.published.append((credentials, post))
        return Published(f"tw-{len(self.published)}")

    async def find(self, credentials: dict[str, Any], post: Outgoing) -> Published | None:
        self.lookups += 1
        hit = next((i for i, (_, p) in enumerate(self.published) if p.client_ref == post.client_ref), None)
        return None if hit is None else Published(f"tw-{hit + 1}", reconciled=True)


def worker(network: FakeNetwork) -> FakeWorker[FakeMarketingRepository]:
    return FakeWorker(
        FakeMarketingRepository(),
        producer="marketing",
        subscriptions=subscriptions({Network.X: network}, VAULT),
        clock=Clock(NOW),
    )


async def scheduled(w: FakeWorker[FakeMarketingRepository], at: timedelta = timedelta(hours=1)) -> Any:
    account = await handlers.add_account(
        w.uow(), VAULT, CREATOR, Network.X, "mia", {"access_token": "t", "user_id": "42"}
    )
    return await handlers.schedule_post(w.uow(), CREATOR, account.id, Content("new set", cta="link in bio"), NOW + at)


async def test_a_post_is_published_at_its_time_once() -> None:
    network = FakeNetwork()
    w = worker(network)
    post = await scheduled(w)
    w.clock.advance(minutes=59)
    assert await w.fire_due() == 0
    w.clock.advance(minutes=1)
    assert await w.fire_due() == 1
    assert w.repo.posts_by_id[post.id].status is PostStatus.PUBLISHING and network.published == []
    assert [o[2] for o in await w.run_calls()] == ["done"]
    ((credentials, outgoing),) = network.published
    assert credentials == {"access_token": "t", "user_id": "42"}
    assert (outgoing.text, outgoing.client_ref) == ("new set\nlink in bio", post.client_ref)
    done = w.repo.posts_by_id[post.id]
    assert (done.status, done.network_post_id, done.published_at) == (
        PostStatus.PUBLISHED,
        "tw-1",
        NOW + timedelta(hours=1),
    )
    (event,) = w.emitted("post.published")
    assert (event.payload.network_post_id, event.payload.reconciled) == ("tw-1", False)
    w.clock.advance(hours=1)
    assert await w.fire_due() == 0 and await w.run_calls() == []


@pytest.mark.parametrize("reason", ["x: the account's token was refused (expired or revoked): Unauthorized"])
async def test_a_refusal_ends_failed_with_the_networks_reason(reason: str) -> None:
    w = worker(FakeNetwork(fail=CallFailed(reason, permanent=True)))
    post = await scheduled(w)
    w.clock.advance(hours=1)
    await w.fire_due()
    assert [o[2] for o in await w.run_calls()] == ["refused"]
    failed = w.repo.posts_by_id[post.id]
    assert (failed.status, failed.error) == (PostStatus.FAILED, reason)
    (event,) = w.emitted("post.failed")
    assert event.payload.reason == reason and w.emitted("post.published") == []


async def test_a_cancelled_post_never_leaves_and_a_moved_one_leaves_at_its_new_time() -> None:
    network = FakeNetwork()
    w = worker(network)
    cancelled = await scheduled(w)
    await handlers.cancel_post(w.uow(), CREATOR, cancelled.id)
    moved = await handlers.schedule_post(
        w.uow(), CREATOR, cancelled.account_id, Content("later"), NOW + timedelta(hours=1)
    )
    await handlers.edit_post(w.uow(), CREATOR, moved.id, None, NOW + timedelta(hours=3))
    w.clock.advance(hours=2)
    assert await w.fire_due() == 0 and await w.run_calls() == []
    w.clock.advance(hours=1)
    assert await w.fire_due() == 1
    await w.run_calls()
    assert [p.text for _, p in network.published] == ["later"]
    assert w.repo.posts_by_id[cancelled.id].status is PostStatus.CANCELLED


async def test_an_interrupted_attempt_is_found_on_the_network_not_published_again() -> None:
    network = FakeNetwork()
    w = worker(network)
    post = await scheduled(w)
    w.clock.advance(hours=1)
    await w.fire_due()
    (write,) = [row.write for row in w.timers.values() if row.write.is_call]
    spec = w.subscriptions.calls[publishing.PUBLISH]
    payload = publishing.PublishCall.model_validate(write.payload)
    call = Call(publishing.PUBLISH, write.key, CREATOR, payload, 1, reconciling=False)
    await spec.remote(call)  # the network took it; the replica died before recording it
    retry = Call(publishing.PUBLISH, write.key, CREATOR, payload, 2, reconciling=True)
    found = await spec.reconcile(retry)  # type: ignore[misc]
    assert found == Published("tw-1", reconciled=True) and network.lookups == 1 and len(network.published) == 1
    async with w.uow() as uow:
        await spec.on_result(uow, retry, found)
        await uow.commit()
    assert w.repo.posts_by_id[post.id].status is PostStatus.PUBLISHED
    (event,) = w.emitted("post.published")
    assert event.payload.reconciled


async def test_a_removed_account_fails_the_post_and_other_networks_wait_for_their_adapters() -> None:
    w = worker(FakeNetwork())
    post = await scheduled(w)
    w.repo.accounts_by_id.clear()
    w.clock.advance(hours=1)
    await w.fire_due()
    assert (w.repo.posts_by_id[post.id].status, w.repo.posts_by_id[post.id].error) == (
        PostStatus.FAILED,
        "the account was removed",
    )
    w2 = worker(FakeNetwork())
    account = await handlers.add_account(w2.uow(), VAULT, CREATOR, Network.REDDIT, "mia", {"token": "t"})
    reddit = await handlers.schedule_post(
        w2.uow(), CREATOR, account.id, Content("", title="New set", subreddit="abc"), NOW + timedelta(minutes=5)
    )
    w2.clock.advance(minutes=5)
    await w2.fire_due()
    assert [o[2] for o in await w2.run_calls()] == ["refused"]
    assert "not available yet" in (w2.repo.posts_by_id[reddit.id].error or "")
