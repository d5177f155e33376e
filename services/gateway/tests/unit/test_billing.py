"""The gateway's part of billing on a fake unit of work: organization.updated at each change (revision
+1, the organisation as tenant), the entitlement read model (highest revision wins), the 402s on
creator accounts and seats, failing open while no entitlement is known, the static bound kept."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from gateway import handlers
from gateway.domain import Conflict
from gateway.handlers.billing import record_entitlement
from gateway.plans import ENTITLEMENT_UNKNOWN, PlanLimit
from huntaze_events import EntitlementChanged, Features, Limits, OrganizationUpdated, make_envelope
from huntaze_service.outbox import OutboxRow

from .fakes import FakeGatewayRepository
from .test_use_cases import DAY, owner_access, uow


def entitlement(
    org: uuid.UUID, revision: int, *, creators: int | None = 1, seats: int | None = 2
) -> EntitlementChanged:
    return EntitlementChanged(
        organization_id=org,
        revision=revision,
        plan="free",
        plan_name="Free",
        status="free",
        limits=Limits(ai_drafts_per_month=100, creators=creators, seats=seats, mass_messages_per_month=4),
        features=Features(autopilot=False, stream_exports=False, marketing_networks=["instagram", "x"]),
        creator_ids=[],
        upgrades={"creators": "Pro", "seats": "Pro"},
    )


async def plan(repo: FakeGatewayRepository, event: EntitlementChanged) -> None:
    await record_entitlement(uow(repo), make_envelope(event, producer="billing", creator_id=event.organization_id))


def updates(work: object) -> list[OrganizationUpdated]:
    return [e.payload for e in work.events if e.type == "organization.updated"]  # type: ignore[attr-defined]


async def test_every_change_billing_counts_announces_the_organisation_with_the_next_revision() -> None:
    repo = FakeGatewayRepository()
    signing = uow(repo)
    signed = await handlers.sign_up(signing, email="mia@example.com", password="correct horse", display_name="Mia")
    [event] = signing.events
    assert event.type == "organization.updated" and event.creator_id == signed.org_id  # the tenant: the org
    assert OutboxRow.from_envelope(event).key == str(signed.org_id)
    assert event.payload == OrganizationUpdated(
        organization_id=signed.org_id, revision=1, name="Mia", creator_ids=[signed.creator_id], seats=1
    )
    _, owner = await owner_access(repo, "boss@example.com")
    adding = uow(repo)
    second = await handlers.add_creator(adding, owner, "Second", max_creators=10)
    [added] = updates(adding)
    assert (added.revision, set(added.creator_ids), added.seats) == (2, {owner.creator_id, second.id}, 1)

    inv, token = await handlers.invite(uow(repo), owner, "chat@example.com", "chatter", None, DAY)
    joining = uow(repo)
    user_id, _, _ = await handlers.accept_invitation(joining, token, password="chatter pass!", display_name="C")
    assert [(u.revision, u.seats) for u in updates(joining)] == [(3, 2)]
    removing = uow(repo)
    await handlers.remove_member(removing, owner, user_id)
    assert [(u.revision, u.seats) for u in updates(removing)] == [(4, 1)]
    assert owner.org_id in repo.locked  # the revision is taken under the organisation's lock


async def test_the_read_model_keeps_the_highest_revision() -> None:
    repo = FakeGatewayRepository()
    org = uuid.uuid4()
    await plan(repo, entitlement(org, 3, creators=5))
    await plan(repo, entitlement(org, 2, creators=1))  # older, late: changes nothing
    await plan(repo, entitlement(org, 3, creators=9))  # replayed revision: changes nothing
    assert repo.entitlements[org].revision == 3 and repo.entitlements[org].limits["creators"] == 5
    await plan(repo, entitlement(org, 4, creators=None))
    assert repo.entitlements[org].limits["creators"] is None


async def test_a_creator_beyond_the_plan_is_refused_with_the_plan_that_allows_more() -> None:
    repo = FakeGatewayRepository()
    signed, owner = await owner_access(repo)
    await plan(repo, entitlement(signed.org_id, 1, creators=1))
    refused = uow(repo)
    with pytest.raises(PlanLimit) as caught:
        await handlers.add_creator(refused, owner, "Second", max_creators=10)
    assert caught.value.body() == {
        "detail": "the Free plan allows at most 1 creator account: upgrade to Pro for more",
        "code": "plan_limit",
        "limit": "creators",
        "allowed": 1,
        "plan": "Free",
        "upgrade_to": "Pro",
    }
    assert refused.events == [] and refused.commits == 0 and await repo.count_creators(signed.org_id) == 1
    await plan(repo, entitlement(signed.org_id, 2, creators=None))  # upgraded: unlimited, the static bound stays
    await handlers.add_creator(uow(repo), owner, "Second", max_creators=2)
    with pytest.raises(Conflict):
        await handlers.add_creator(uow(repo), owner, "Third", max_creators=2)


async def test_seats_count_members_and_open_invitations_and_a_shrunk_plan_refuses_the_join() -> None:
    repo = FakeGatewayRepository()
    signed, owner = await owner_access(repo)
    await plan(repo, entitlement(signed.org_id, 1, seats=3))
    _, first = await handlers.invite(uow(repo), owner, "a@example.com", "chatter", None, DAY)
    second, _ = await handlers.invite(uow(repo), owner, "b@example.com", "analyst", None, DAY)
    with pytest.raises(PlanLimit) as caught:  # owner + two open invitations: the three seats are taken
        await handlers.invite(uow(repo), owner, "c@example.com", "analyst", None, DAY)
    assert (caught.value.limit, caught.value.allowed, caught.value.upgrade_to) == ("seats", 3, "Pro")
    assert await repo.revoke_invitation(second.id, signed.org_id, repo_now())  # a revoked one frees its seat
    await handlers.invite(uow(repo), owner, "c@example.com", "analyst", None, DAY)
    await plan(repo, entitlement(signed.org_id, 2, seats=1))  # downgraded: nobody may join any more
    joining = uow(repo)
    with pytest.raises(PlanLimit):
        await handlers.accept_invitation(joining, first, password="chatter pass!", display_name="A")
    assert joining.events == [] and await repo.count_members(signed.org_id) == 1


async def test_an_unknown_entitlement_fails_open_and_is_counted() -> None:
    repo = FakeGatewayRepository()
    _, owner = await owner_access(repo)
    counted = ENTITLEMENT_UNKNOWN.labels("gateway")._value.get()
    await handlers.add_creator(uow(repo), owner, "Second", max_creators=10)
    for n in range(3):
        await handlers.invite(uow(repo), owner, f"{n}@example.com", "analyst", None, DAY)
    assert ENTITLEMENT_UNKNOWN.labels("gateway")._value.get() == counted + 4


def repo_now() -> datetime:
    return datetime.now(UTC)
