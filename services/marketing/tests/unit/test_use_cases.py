"""Accounts and scheduled posts on a fake unit of work: credentials sealed, never stored readable;
one account per network handle; posts checked against their network's rules when scheduled and on
every edit; edits and cancels only while scheduled; another creator's ids are not found."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet

import marketing.handlers as handlers
from huntaze_testkit.fakes import Clock, FakeUnitOfWork
from marketing.credentials import Vault
from marketing.domain import Conflict, Content, PostStatus, Refused
from marketing.networks import Network

from .fakes import FakeMarketingRepository

CREATOR, OTHER = uuid.uuid4(), uuid.uuid4()
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
VAULT = Vault(Fernet.generate_key().decode())


@pytest.fixture
def repo() -> FakeMarketingRepository:
    return FakeMarketingRepository()


def uow(repo: FakeMarketingRepository) -> FakeUnitOfWork[FakeMarketingRepository]:
    return FakeUnitOfWork(repo, producer="marketing", clock=Clock(NOW))


async def instagram(repo: FakeMarketingRepository, handle: str = "@mia.rose") -> uuid.UUID:
    account = await handlers.add_account(
        uow(repo), VAULT, CREATOR, Network.INSTAGRAM, handle, {"access_token": "EAAG-secret", "ig_user_id": "178"}
    )
    return account.id


async def test_credentials_are_sealed_and_one_account_per_handle(repo: FakeMarketingRepository) -> None:
    account_id = await instagram(repo)
    assert repo.accounts_by_id[account_id].handle == "mia.rose"
    assert b"EAAG-secret" not in repo.sealed[account_id]
    assert VAULT.open(repo.sealed[account_id])["access_token"] == "EAAG-secret"
    with pytest.raises(Conflict) as same:
        await instagram(repo, "MIA.ROSE")
    assert same.value.code == "account_exists"
    with pytest.raises(Refused):
        await handlers.add_account(uow(repo), VAULT, CREATOR, Network.X, "no spaces allowed", {"token": "t"})
    await handlers.add_account(uow(repo), VAULT, CREATOR, Network.X, "mia.rose", {"token": "t"})  # another network


async def test_a_post_is_checked_when_scheduled_and_on_every_edit(repo: FakeMarketingRepository) -> None:
    account_id = await instagram(repo)
    media = (uuid.uuid4(),)
    post = await handlers.schedule_post(
        uow(repo), CREATOR, account_id, Content("new set ✨", media, cta="link in bio"), NOW + timedelta(hours=2)
    )
    assert post.status is PostStatus.SCHEDULED and post.network is Network.INSTAGRAM and post.client_ref
    with pytest.raises(Refused) as long:
        await handlers.edit_post(uow(repo), CREATOR, post.id, Content("x" * 2200, media, cta="link"), None)
    assert long.value.code == "caption_too_long", "the CTA line counts"
    with pytest.raises(Refused) as none:
        await handlers.schedule_post(uow(repo), CREATOR, account_id, Content("no media"), NOW + timedelta(hours=1))
    assert none.value.code == "media_count"
    with pytest.raises(Refused) as past:
        await handlers.schedule_post(uow(repo), CREATOR, account_id, Content("a", media), NOW - timedelta(minutes=5))
    assert past.value.code == "publish_at_in_past"
    moved = await handlers.edit_post(uow(repo), CREATOR, post.id, None, NOW + timedelta(hours=3))
    assert moved.publish_at == NOW + timedelta(hours=3) and moved.content == post.content


async def test_only_a_scheduled_post_is_edited_or_cancelled(repo: FakeMarketingRepository) -> None:
    account_id = await instagram(repo)
    post = await handlers.schedule_post(
        uow(repo), CREATOR, account_id, Content("hi", (uuid.uuid4(),)), NOW + timedelta(hours=1)
    )
    with pytest.raises(Conflict) as in_use:
        await handlers.delete_account(uow(repo), CREATOR, account_id)
    assert in_use.value.code == "account_in_use"
    cancelled = await handlers.cancel_post(uow(repo), CREATOR, post.id)
    assert cancelled.status is PostStatus.CANCELLED
    with pytest.raises(Conflict) as again:
        await handlers.cancel_post(uow(repo), CREATOR, post.id)
    assert again.value.code == "not_cancellable"
    with pytest.raises(Conflict):
        await handlers.edit_post(uow(repo), CREATOR, post.id, None, NOW + timedelta(hours=2))
    await handlers.delete_account(uow(repo), CREATOR, account_id)
    assert repo.accounts_by_id == {} and repo.sealed == {}


async def test_another_creators_ids_are_not_found(repo: FakeMarketingRepository) -> None:
    account_id = await instagram(repo)
    post = await handlers.schedule_post(
        uow(repo), CREATOR, account_id, Content("hi", (uuid.uuid4(),)), NOW + timedelta(hours=1)
    )
    with pytest.raises(handlers.NotFound):
        await handlers.schedule_post(uow(repo), OTHER, account_id, Content("hi", (uuid.uuid4(),)), NOW)
    with pytest.raises(handlers.NotFound):
        await handlers.cancel_post(uow(repo), OTHER, post.id)
    with pytest.raises(handlers.NotFound):
        await handlers.delete_account(uow(repo), OTHER, account_id)
    listed = await handlers.list_posts(uow(repo), OTHER, NOW, NOW + timedelta(days=1), None, 10)
    assert listed == []
