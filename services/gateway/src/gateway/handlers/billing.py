"""The gateway's part of billing: it tells billing what each organisation is (``organization.updated``),
keeps billing's ``entitlement.changed`` and refuses creator accounts and seats beyond the plan.

``organization.updated`` is emitted in the transaction of the change (the outbox), with the
organisation's revision +1 taken under its row's lock, so billing sees every organisation's changes
in order and keeps the highest revision. Its tenant (the envelope's creator) is the organisation.
The plan checks lock the same row first: two requests of one organisation never both take the last
seat or creator account. Unknown entitlement: fail open (:mod:`gateway.plans`).
"""

from __future__ import annotations

import uuid

from huntaze_events import EntitlementChanged, Envelope, OrganizationUpdated
from huntaze_service import Subscriptions, UnitOfWork

from ..plans import Entitlement, check_limit
from ..ports import GatewayRepository

Uow = UnitOfWork[GatewayRepository]


async def announce(uow: Uow, org_id: uuid.UUID) -> None:
    """Emits what the organisation now is (call it after the change, before the commit)."""
    name, revision = await uow.repo.next_organization_revision(org_id)
    creators = await uow.repo.creators([org_id])
    seats = await uow.repo.count_members(org_id)
    uow.emit(
        OrganizationUpdated(
            organization_id=org_id,
            revision=revision,
            name=name[:200],
            creator_ids=[c.id for c in creators],
            seats=seats,
        ),
        creator_id=org_id,
    )


async def check_creators(uow: Uow, org_id: uuid.UUID, adding: int = 1) -> None:
    """Locks the organisation and refuses a creator account beyond ``limits.creators`` (PlanLimit)."""
    await uow.repo.lock_organization(org_id)
    count = await uow.repo.count_creators(org_id)
    check_limit(await uow.repo.entitlement(org_id), org_id, "creators", count + adding)


async def check_seats(uow: Uow, org_id: uuid.UUID, *, inviting: bool) -> None:
    """Locks the organisation and refuses a seat beyond ``limits.seats`` (PlanLimit). Inviting: the
    members and the open invitations hold seats; joining: the members (the joiner's invitation was
    counted when it was made, so a plan that shrank since refuses it here)."""
    await uow.repo.lock_organization(org_id)
    taken = await uow.repo.count_members(org_id)
    if inviting:
        taken += await uow.repo.count_open_invitations(org_id, uow.now())
    check_limit(await uow.repo.entitlement(org_id), org_id, "seats", taken + 1)


async def record_entitlement(uow: Uow, event: Envelope[EntitlementChanged]) -> None:
    """Keeps billing's entitlements of an organisation: the highest revision wins."""
    await uow.repo.record_entitlement(Entitlement.of(event.payload), uow.now())


def subscribe(subs: Subscriptions) -> None:
    subs.on(EntitlementChanged, name="entitlements")(record_entitlement)
