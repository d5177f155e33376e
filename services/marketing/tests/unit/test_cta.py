"""CTA tests: the Bayesian probability to be best, the winner only past the minimum sample, and
variants scheduled as one post each with their own link and CTA line."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet

import marketing.handlers as handlers
from huntaze_testkit.fakes import Clock, FakeUnitOfWork
from marketing import cta_tests, tracking
from marketing.credentials import Vault
from marketing.cta import Arm, probability_best, verdict
from marketing.domain import Conflict, Content, Refused
from marketing.networks import Network

from .fakes import FakeMarketingRepository

CREATOR, OTHER = uuid.uuid4(), uuid.uuid4()
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
BASE = "https://go.huntaze.test"


def test_probabilities_sum_to_one_and_follow_the_evidence() -> None:
    even = probability_best([Arm(1000, 100), Arm(1000, 100)])
    assert abs(sum(even) - 1) < 1e-3 and abs(even[0] - 0.5) < 0.02
    clear = probability_best([Arm(500, 25), Arm(500, 60), Arm(500, 30)])
    assert clear[1] > 0.99 and clear == probability_best([Arm(500, 25), Arm(500, 60), Arm(500, 30)])
    unsure = probability_best([Arm(20, 1), Arm(20, 2)])
    assert 0.55 < unsure[1] < 0.9


def test_a_winner_only_past_the_minimum_sample_and_the_winning_probability() -> None:
    assert verdict([Arm(500, 25), Arm(500, 60)], 100).winner == 1
    early = verdict([Arm(60, 1), Arm(80, 20)], 100)
    assert early.winner is None and early.clicks_missing == 40 + 20 and early.probabilities[1] > 0.99
    close = verdict([Arm(1000, 100), Arm(1000, 104)], 100)
    assert close.winner is None and close.clicks_missing == 0


@pytest.fixture
def repo() -> FakeMarketingRepository:
    return FakeMarketingRepository()


def uow(repo: FakeMarketingRepository) -> FakeUnitOfWork[FakeMarketingRepository]:
    return FakeUnitOfWork(repo, producer="marketing", clock=Clock(NOW))


async def test_variants_are_posts_of_their_own_each_with_its_link(repo: FakeMarketingRepository) -> None:
    vault = Vault(Fernet.generate_key().decode())
    account = await handlers.add_account(uow(repo), vault, CREATOR, Network.X, "mia", {"access_token": "t"})
    a = await tracking.add_link(uow(repo), CREATOR, "https://onlyfans.com/mia/c1", "A", None, None, None)
    b = await tracking.add_link(uow(repo), CREATOR, "https://onlyfans.com/mia/c2", "B", None, None, None)
    at = NOW + timedelta(hours=1)
    work = uow(repo)
    posts = await cta_tests.schedule_cta_test(
        work, BASE, CREATOR, account.id, Content("new set"), [("free trial {link}", a.id), ("50% off {link}", b.id)], at
    )
    assert [(p.variant, p.content.cta) for p in posts] == [
        ("A", f"free trial {BASE}/l/{a.code}"),
        ("B", f"50% off {BASE}/l/{b.code}"),
    ]
    assert {p.cta_test_id for p in posts} == {posts[0].id}
    assert [repo.links_by_id[k.id].post_id for k in (a, b)] == [p.id for p in posts]
    assert len(work.timer_table) == 2  # each variant published on its own, once

    for _ in range(3):
        await tracking.click(uow(repo), b.code, {"user-agent": "Mozilla/5.0 (iPhone)"}, "")
    test_id, variants, seen = await cta_tests.cta_results(uow(repo), CREATOR, posts[1].id, 100)
    assert test_id == posts[0].id and [v.results.clicks for v in variants] == [0, 3]
    assert seen.winner is None and seen.clicks_missing == 100 + 97

    with pytest.raises(Conflict):  # a link serves one post
        await cta_tests.schedule_cta_test(
            uow(repo), BASE, CREATOR, account.id, Content("x"), [("a", a.id), ("b", b.id)], at
        )
    c = await tracking.add_link(uow(repo), CREATOR, "https://onlyfans.com/mia/c3", "C", None, None, None)
    for variants_in in ([("a", c.id)], [("a", c.id), ("b", c.id)], [("same", c.id), ("same ", uuid.uuid4())]):
        with pytest.raises(Refused):
            await cta_tests.schedule_cta_test(uow(repo), BASE, CREATOR, account.id, Content("x"), variants_in, at)
    with pytest.raises(handlers.NotFound):
        await cta_tests.schedule_cta_test(
            uow(repo), BASE, CREATOR, account.id, Content("x"), [("a", c.id), ("b", uuid.uuid4())], at
        )
    with pytest.raises(handlers.NotFound):
        await cta_tests.cta_results(uow(repo), OTHER, posts[0].id, 100)
    plain = await handlers.schedule_post(uow(repo), CREATOR, account.id, Content("plain"), at)
    with pytest.raises(handlers.NotFound):
        await cta_tests.cta_results(uow(repo), CREATOR, plain.id, 100)
