"""The plan's networks in marketing, on fakes: scheduling a post on a network the organisation's plan
does not include (``marketing_networks`` of entitlement.changed) is refused ``plan_limit`` (402)
before anything is written; a network it includes, or an organisation not known yet, is scheduled;
an upgrade opens the network."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

import marketing.handlers as handlers
from huntaze_service import Subscriptions, entitlements
from huntaze_testkit.entitlements import entitlement_changed
from huntaze_testkit.fakes import FakeWorker
from marketing.api import answer_of
from marketing.domain import Content, PlanRefused
from marketing.networks import Network

from .fakes import FakeMarketingRepository
from .test_use_cases import CREATOR, NOW, VAULT, uow

ORG = uuid.uuid4()


async def _deliver(repo: FakeMarketingRepository, *events: object) -> None:
    subs = Subscriptions()
    entitlements.subscribe(subs)
    await FakeWorker(repo, producer="marketing", subscriptions=subs).deliver(*events)  # type: ignore[arg-type]


async def _tiktok(repo: FakeMarketingRepository) -> uuid.UUID:
    account = await handlers.add_account(
        uow(repo), VAULT, CREATOR, Network.TIKTOK, "mia.rose", {"access_token": "t", "open_id": "o"}
    )
    return account.id


async def test_a_network_the_plan_does_not_include_is_refused_402_until_upgraded() -> None:
    repo = FakeMarketingRepository()
    account_id = await _tiktok(repo)
    content = Content("new set", (uuid.uuid4(),))
    await _deliver(repo, entitlement_changed(ORG, [CREATOR], networks=("instagram", "x")))
    with pytest.raises(PlanRefused) as refused:
        await handlers.schedule_post(uow(repo), CREATOR, account_id, content, NOW + timedelta(hours=2))
    assert refused.value.code == "plan_limit" and "tiktok" in str(refused.value) and "Pro" in str(refused.value)
    assert answer_of(refused.value).status_code == 402
    assert repo.posts_by_id == {}
    await _deliver(
        repo,
        entitlement_changed(
            ORG, [CREATOR], revision=2, plan="pro", plan_name="Pro", networks=("instagram", "x", "tiktok", "reddit")
        ),
    )
    post = await handlers.schedule_post(uow(repo), CREATOR, account_id, content, NOW + timedelta(hours=2))
    assert post.network is Network.TIKTOK


async def test_an_organisation_not_known_yet_may_schedule_anywhere() -> None:
    repo = FakeMarketingRepository()
    account_id = await _tiktok(repo)
    post = await handlers.schedule_post(
        uow(repo), CREATOR, account_id, Content("new set", (uuid.uuid4(),)), NOW + timedelta(hours=2)
    )
    assert post.network is Network.TIKTOK
