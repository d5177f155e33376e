"""Identity use cases on a fake unit of work: sign-up, log-in, profile (no PostgreSQL)."""

from __future__ import annotations

import uuid

import pytest

from gateway import handlers
from gateway.domain import EmailTaken
from gateway.security import Principal
from huntaze_testkit.fakes import FakeUnitOfWork

from .fakes import FakeGatewayRepository


def uow(repo: FakeGatewayRepository) -> FakeUnitOfWork[FakeGatewayRepository]:
    return FakeUnitOfWork(repo, producer="gateway")


async def test_sign_up_makes_the_user_owner_of_a_new_creator_account_and_log_in_finds_it() -> None:
    repo = FakeGatewayRepository()
    signed = await handlers.sign_up(uow(repo), email=" Mia@Example.com ", password="correct horse", display_name="Mia")
    assert signed.email == "mia@example.com"
    principal = await handlers.authenticate(uow(repo), "MIA@example.com", "correct horse")
    assert principal == Principal(signed.user_id, signed.creator_id, "owner")
    user, creator, membership = await handlers.me(uow(repo), principal) or (None, None, None)
    assert user is not None and creator is not None and creator.display_name == "Mia" and membership.role == "owner"
    assert "correct horse" not in user.password_hash


async def test_an_email_is_taken_once_and_wrong_or_unknown_credentials_give_nothing() -> None:
    repo = FakeGatewayRepository()
    await handlers.sign_up(uow(repo), email="a@example.com", password="correct horse", display_name="A")
    with pytest.raises(EmailTaken):
        await handlers.sign_up(uow(repo), email="A@example.com", password="another one!", display_name="B")
    assert await handlers.authenticate(uow(repo), "a@example.com", "wrong password") is None
    assert await handlers.authenticate(uow(repo), "nobody@example.com", "correct horse") is None
    assert await handlers.me(uow(repo), Principal(uuid.uuid4(), uuid.uuid4(), "owner")) is None
