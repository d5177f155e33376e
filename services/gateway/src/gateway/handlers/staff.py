"""An organisation's creator accounts, staff, invitations, shifts and connector keys."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from huntaze_events import ShiftCancelled, ShiftScheduled
from huntaze_service import UnitOfWork

from ..domain import OWNER, Access, Conflict, Creator, Membership, NotFound, normal_email
from ..permissions import STAFF_ROLES, Role
from ..ports import GatewayRepository
from ..records import ConnectorKey, Invitation, Shift
from ..security import connector_key, digest, new_secret
from .billing import announce, check_creators, check_seats

Uow = UnitOfWork[GatewayRepository]
ROLES = {r.value for r in STAFF_ROLES}


def _org(access: Access) -> uuid.UUID:
    assert access.org_id is not None, "an organisation route resolves the organisation first"
    return access.org_id


async def add_creator(uow: Uow, access: Access, display_name: str, *, max_creators: int) -> Creator:
    """A new creator account of the organisation: refused beyond its plan (PlanLimit, 402) and, whatever
    the plan, beyond ``max_creators`` (the platform's safety bound, 409)."""
    org_id = _org(access)
    await check_creators(uow, org_id)
    if await uow.repo.count_creators(org_id) >= max_creators:
        raise Conflict(f"an organisation has at most {max_creators} creator accounts")
    creator = Creator(uuid.uuid4(), display_name, uow.now(), org_id)
    await uow.repo.add_creator(creator)
    await announce(uow, org_id)
    await uow.commit()
    return creator


async def _check_creators(uow: Uow, org_id: uuid.UUID, creator_ids: list[uuid.UUID] | None) -> None:
    if creator_ids is None:
        return
    known = {c.id for c in await uow.repo.creators([org_id])}
    unknown = [c for c in creator_ids if c not in known]
    if unknown:
        raise NotFound(f"no creator account {unknown[0]} in this organisation")


async def invite(
    uow: Uow, access: Access, email: str, role: str, creator_ids: list[uuid.UUID] | None, ttl: timedelta
) -> tuple[Invitation, str]:
    """A single-use invitation (the token is returned once, stored hashed). An open invitation holds a
    seat: refused beyond the plan's seats (PlanLimit, 402)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {sorted(ROLES)}")
    org_id = _org(access)
    await _check_creators(uow, org_id, creator_ids)
    await check_seats(uow, org_id, inviting=True)
    now = uow.now()
    token = new_secret()
    scoped = None if creator_ids is None else tuple(dict.fromkeys(creator_ids))
    invitation = Invitation(
        uuid.uuid4(), org_id, normal_email(email), role, scoped, digest(token), access.user_id, now, now + ttl
    )
    await uow.repo.add_invitation(invitation)
    await uow.commit()
    return invitation, token


async def update_member(
    uow: Uow,
    access: Access,
    user_id: uuid.UUID,
    role: str | None,
    creator_ids: list[uuid.UUID] | None,
    scope_given: bool,
) -> Membership:
    org_id = _org(access)
    member = await uow.repo.membership(org_id, user_id, lock=True)
    if member is None:
        raise NotFound("no member with this id")
    if role is not None and role not in ROLES:
        raise ValueError(f"role must be one of {sorted(ROLES)}")
    if scope_given:
        await _check_creators(uow, org_id, creator_ids)
    new_role = role or member.role
    if member.role == OWNER and new_role != OWNER and await uow.repo.owners(org_id) <= 1:
        raise Conflict("an organisation keeps at least one owner")
    scoped = (None if creator_ids is None else tuple(dict.fromkeys(creator_ids))) if scope_given else member.creator_ids
    updated = Membership(member.user_id, org_id, new_role, member.created_at, scoped)
    await uow.repo.update_membership(updated)
    await uow.commit()
    return updated


async def remove_member(uow: Uow, access: Access, user_id: uuid.UUID) -> None:
    org_id = _org(access)
    member = await uow.repo.membership(org_id, user_id, lock=True)
    if member is None:
        raise NotFound("no member with this id")
    if member.role == OWNER and await uow.repo.owners(org_id) <= 1:
        raise Conflict("an organisation keeps at least one owner")
    await uow.repo.remove_membership(org_id, user_id)
    await announce(uow, org_id)
    # their sessions stay (they may belong to other organisations); the access cache forgets this one
    await uow.commit()


async def schedule_shift(
    uow: Uow, access: Access, user_id: uuid.UUID, creator_ids: list[uuid.UUID], starts_at: datetime, ends_at: datetime
) -> Shift:
    org_id = _org(access)
    if ends_at <= starts_at:
        raise ValueError("a shift ends after it starts")
    if ends_at - starts_at > timedelta(hours=24):
        raise ValueError("a shift lasts 24 hours at most")
    member = await uow.repo.membership(org_id, user_id)
    if member is None:
        raise NotFound("no member with this id")
    if member.role not in (Role.CHATTER, Role.MANAGER, Role.OWNER):
        raise ValueError("shifts are for chatters, managers and owners")
    await _check_creators(uow, org_id, creator_ids)
    outside = [c for c in creator_ids if not member.covers(c)]
    if outside:
        raise ValueError(f"this member has no access to creator account {outside[0]}")
    if await uow.repo.overlapping_shift(org_id, user_id, starts_at, ends_at):
        raise Conflict("this member already has a shift overlapping that time")
    shift = Shift(
        uuid.uuid4(), org_id, user_id, tuple(dict.fromkeys(creator_ids)), starts_at, ends_at, access.user_id, uow.now()
    )
    await uow.repo.add_shift(shift)
    for creator_id in shift.creator_ids:  # one event per creator account covered: its tenant
        uow.emit(
            ShiftScheduled(
                shift_id=shift.id,
                organization_id=org_id,
                user_id=shift.user_id,
                starts_at=shift.starts_at,
                ends_at=shift.ends_at,
                creator_ids=list(shift.creator_ids),
                scheduled_by=shift.created_by,
            ),
            creator_id=creator_id,
        )
    await uow.commit()
    return shift


async def cancel_shift(uow: Uow, access: Access, shift_id: uuid.UUID) -> Shift:
    """Deletes a shift of the organisation (past, running or to come) and says so to every creator
    account it covered, in the same transaction. Another organisation's shift is not found."""
    shift = await uow.repo.delete_shift(shift_id, _org(access))
    if shift is None:
        raise NotFound("no shift with this id")
    for creator_id in shift.creator_ids:
        uow.emit(
            ShiftCancelled(
                shift_id=shift.id,
                organization_id=shift.org_id,
                user_id=shift.user_id,
                starts_at=shift.starts_at,
                ends_at=shift.ends_at,
                cancelled_by=access.user_id,
            ),
            creator_id=creator_id,
        )
    await uow.commit()
    return shift


async def create_connector_key(uow: Uow, access: Access, creator_id: uuid.UUID, name: str) -> tuple[ConnectorKey, str]:
    """A key for one creator account's ingestion routes; the secret is returned once, stored hashed."""
    if creator_id not in access.creator_ids:
        raise NotFound("no creator account with this id")
    secret = new_secret()
    key = ConnectorKey(uuid.uuid4(), _org(access), creator_id, name, digest(secret), access.user_id, uow.now())
    await uow.repo.add_connector_key(key)
    await uow.commit()
    return key, connector_key(key.id, secret)
