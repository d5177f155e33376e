"""The entitlements read model every service that enforces a plan keeps (huntaze_service.entitlements):
the fold of entitlement.changed (highest revision wins in any order and any number of deliveries, the
creators replaced with it), reserve (counts below the limit, refuses at it, counts without a limit,
fails open for an unknown organisation), release, features, and what a refusal says."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from huntaze_service import Subscriptions
from huntaze_service.entitlements import (
    Allowed,
    PlanLimitReached,
    Refused,
    Unknown,
    feature,
    period_of,
    release,
    require,
    reserve,
    subscribe,
)
from huntaze_testkit.entitlements import FakeEntitlements, entitlement_changed
from huntaze_testkit.fakes import FakeUnitOfWork, FakeWorker

ORG, OTHER_ORG = uuid.uuid4(), uuid.uuid4()
CREATOR, SECOND, STRANGER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
NOW = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)


def worker() -> FakeWorker[FakeEntitlements]:
    subs = Subscriptions()
    subscribe(subs)
    return FakeWorker(FakeEntitlements(), producer="ai", subscriptions=subs)


async def decide(w: FakeWorker[FakeEntitlements], creator: uuid.UUID = CREATOR, now: datetime = NOW) -> object:
    async with w.uow() as uow:
        decision = await reserve(uow, creator, "ai_drafts", now)
        await uow.commit()
    return decision


# the fold ------------------------------------------------------------------------------------------


async def test_the_highest_revision_wins_whatever_the_order_and_the_repeats() -> None:
    w = worker()
    newer = entitlement_changed(ORG, [CREATOR], revision=3, plan="pro", plan_name="Pro", ai_drafts=5000)
    older = entitlement_changed(ORG, [CREATOR], revision=2, ai_drafts=100)
    await w.deliver(newer, older, newer)
    assert w.repo.entitlements[ORG].plan_name == "Pro"
    assert w.repo.entitlements[ORG].limits["ai_drafts_per_month"] == 5000
    assert w.repo.entitlements[ORG].revision == 3


async def test_a_newer_revision_replaces_the_organisations_creators() -> None:
    w = worker()
    await w.deliver(entitlement_changed(ORG, [CREATOR, SECOND], revision=1))
    await w.deliver(entitlement_changed(ORG, [SECOND], revision=2))
    async with w.uow() as uow:
        assert await uow.repo.entitlement_for(CREATOR) is None
        found = await uow.repo.entitlement_for(SECOND)
    assert found is not None and found.organization_id == ORG


# reserve -------------------------------------------------------------------------------------------


async def test_reserve_counts_up_to_the_limit_then_refuses_naming_the_plan_and_the_upgrade() -> None:
    w = worker()
    await w.deliver(entitlement_changed(ORG, [CREATOR, SECOND], ai_drafts=3))
    decisions = [await decide(w, CREATOR), await decide(w, SECOND), await decide(w, CREATOR), await decide(w, SECOND)]
    assert decisions[:3] == [Allowed(1), Allowed(2), Allowed(3)]
    assert decisions[3] == Refused("ai_drafts_per_month", 3, "Free", "Pro", "2026-11")
    assert w.repo.quota_usage[(ORG, "ai_drafts", "2026-11")] == 3


async def test_a_new_utc_month_starts_a_new_count() -> None:
    w = worker()
    await w.deliver(entitlement_changed(ORG, [CREATOR], ai_drafts=1))
    assert await decide(w) == Allowed(1)
    assert isinstance(await decide(w), Refused)
    # 23:30 on 30 November in UTC-05:00 is already December in UTC
    december = datetime(2026, 11, 30, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert period_of(december) == "2026-12"
    assert await decide(w, now=december) == Allowed(1)


async def test_an_upgrade_allows_more_this_month_counting_what_was_used() -> None:
    w = worker()
    await w.deliver(entitlement_changed(ORG, [CREATOR], ai_drafts=2))
    assert [await decide(w) for _ in range(3)][-1] == Refused("ai_drafts_per_month", 2, "Free", "Pro", "2026-11")
    await w.deliver(entitlement_changed(ORG, [CREATOR], revision=2, plan="pro", plan_name="Pro", ai_drafts=3))
    assert await decide(w) == Allowed(3)
    assert isinstance(await decide(w), Refused)


async def test_no_limit_counts_and_never_refuses() -> None:
    w = worker()
    await w.deliver(entitlement_changed(ORG, [CREATOR], plan="agency", plan_name="Agency", ai_drafts=None))
    assert [await decide(w) for _ in range(3)] == [Allowed(1), Allowed(2), Allowed(3)]


async def test_a_limit_of_zero_refuses_the_first() -> None:
    w = worker()
    await w.deliver(entitlement_changed(ORG, [CREATOR], ai_drafts=0))
    assert await decide(w) == Refused("ai_drafts_per_month", 0, "Free", "Pro", "2026-11")


async def test_an_unknown_organisation_is_allowed_nothing_counted_and_the_metric_says_so() -> None:
    from prometheus_client import REGISTRY

    def unknown() -> float:
        return REGISTRY.get_sample_value("huntaze_entitlement_unknown_total", {"service": "ai"}) or 0.0

    w = worker()
    await w.deliver(entitlement_changed(OTHER_ORG, [SECOND], ai_drafts=0))
    before = unknown()
    assert await decide(w, STRANGER) == Unknown()
    assert w.repo.quota_usage == {}
    assert unknown() == before + 1


async def test_release_gives_a_unit_back_but_never_below_zero() -> None:
    w = worker()
    await w.deliver(entitlement_changed(ORG, [CREATOR], mass_messages=1))
    async with w.uow() as uow:
        assert await reserve(uow, CREATOR, "mass_messages", NOW) == Allowed(1)
        assert isinstance(await reserve(uow, CREATOR, "mass_messages", NOW), Refused)
        await release(uow, CREATOR, "mass_messages", NOW)
        await release(uow, CREATOR, "mass_messages", NOW)
        assert w.repo.quota_usage[(ORG, "mass_messages", "2026-11")] == 0
        assert await reserve(uow, CREATOR, "mass_messages", NOW) == Allowed(1)


# features and refusals -----------------------------------------------------------------------------


async def test_features_on_off_and_networks() -> None:
    w = worker()
    await w.deliver(entitlement_changed(ORG, [CREATOR], networks=("instagram", "x")))
    uow: FakeUnitOfWork[FakeEntitlements]
    async with w.uow() as uow:
        assert await feature(uow, CREATOR, "autopilot") == Refused("autopilot", None, "Free", "Pro")
        assert await feature(uow, CREATOR, "marketing_networks", "x") == Allowed()
        assert await feature(uow, CREATOR, "marketing_networks", "tiktok") == Refused(
            "marketing_networks", None, "Free", "Pro"
        )
        assert await feature(uow, STRANGER, "autopilot") == Unknown()
    await w.deliver(entitlement_changed(ORG, [CREATOR], revision=2, plan="pro", plan_name="Pro", autopilot=True))
    async with w.uow() as uow:
        assert await feature(uow, CREATOR, "autopilot") == Allowed()


def test_a_refusal_names_the_limit_the_plan_and_the_upgrade() -> None:
    quota = Refused("mass_messages_per_month", 4, "Free", "Pro", "2026-11")
    assert (
        quota.message() == "the Free plan allows 4 mass_messages_per_month (2026-11), all used; the Pro plan allows it"
    )
    off = Refused("autopilot", None, "Agency", None)
    assert off.message() == "the Agency plan does not include autopilot"
    with pytest.raises(PlanLimitReached, match="Free plan allows 4"):
        require(quota)
    require(Allowed(1))
    require(Unknown())
